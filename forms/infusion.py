"""eCRF: infusion."""
from .core import FormDef

FORMS: tuple[FormDef, ...] = ()
