"""eCRF: adverse_event."""
from .core import FormDef

FORMS: tuple[FormDef, ...] = ()
