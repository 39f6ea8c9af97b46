"""Importing this module registers every form-specific context builder and after-save hook."""
from . import clinical_context, clinical_hooks, eligibility  # noqa: F401
