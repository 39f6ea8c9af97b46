"""eCRF: screening."""
from .core import FormDef

FORMS: tuple[FormDef, ...] = ()
