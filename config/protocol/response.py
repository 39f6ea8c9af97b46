"""Protocol parameters: response."""
from . import Parameter

PARAMETERS: tuple[Parameter, ...] = ()
