"""WSGI entry point: ``gunicorn wsgi:app`` (settings from EDC_* environment variables)."""
from edc import create_app

app = create_app()
