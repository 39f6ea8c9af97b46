"""Settings per environment (settings.py) and the protocol's parameters (protocol/)."""
