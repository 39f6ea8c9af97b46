"""Protocol parameters: treatment."""
from . import Parameter

PARAMETERS: tuple[Parameter, ...] = ()
