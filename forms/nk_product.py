"""eCRF: nk_product."""
from .core import FormDef

FORMS: tuple[FormDef, ...] = ()
