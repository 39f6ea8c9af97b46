"""Protocol parameters: safety."""
from . import Parameter

PARAMETERS: tuple[Parameter, ...] = ()
