"""eCRF: end_of_study."""
from .core import FormDef

FORMS: tuple[FormDef, ...] = ()
