"""eCRF declarations and their edit checks (pure: no Flask, no SQLAlchemy)."""
