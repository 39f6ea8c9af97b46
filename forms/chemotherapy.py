"""eCRF: chemotherapy."""
from .core import FormDef

FORMS: tuple[FormDef, ...] = ()
