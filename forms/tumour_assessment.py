"""eCRF: tumour_assessment."""
from .core import FormDef

FORMS: tuple[FormDef, ...] = ()
