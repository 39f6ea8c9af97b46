"""Protocol parameters: eligibility."""
from . import Parameter

PARAMETERS: tuple[Parameter, ...] = ()
