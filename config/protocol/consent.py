"""Protocol parameters: consent."""
from . import Parameter

PARAMETERS: tuple[Parameter, ...] = ()
