"""eCRF: conmeds."""
from .core import FormDef

FORMS: tuple[FormDef, ...] = ()
