"""eCRF: death."""
from .core import FormDef

FORMS: tuple[FormDef, ...] = ()
