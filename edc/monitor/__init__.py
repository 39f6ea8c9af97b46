"""Monitoring and data management: queries, source data verification, e-signatures, locks."""
