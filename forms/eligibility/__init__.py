"""Pure helpers behind the screening eligibility checks: age, drug matching, steroid and CYP3A4
exposure from the medication log, renal limits and three-valued verdicts.  No Flask, no database."""
