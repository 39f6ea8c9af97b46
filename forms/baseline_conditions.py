"""eCRF: baseline_conditions."""
from .core import FormDef

FORMS: tuple[FormDef, ...] = ()
