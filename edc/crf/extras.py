"""Page extras for particular forms (look-up lists), kept out of the generic form page."""
from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from forms.ctcae.shortlist import lookup

from ..services.crf import current_values
from ..services.dictionary import active_dictionary


def form_extras(session: Session, form_key: str, instance) -> dict[str, Any]:
    if form_key != "adverse_event":
        return {"lookups": {}}
    version, dictionary = active_dictionary(session)
    term = current_values(instance).get("AETERM") if instance else None
    return {
        "lookups": {"AETERM": "ctcae-terms"},
        "ctcae_terms": sorted(dictionary.items()),
        "ctcae_version": version,
        "chosen_grades": grade_definitions(session, term.value if term else "", dictionary),
    }


def grade_definitions(session: Session, term: str, dictionary: dict | None = None) -> dict[str, Any]:
    """{term, meddra, soc, grades: {grade: definition}} of the dictionary in force, or empty."""
    if dictionary is None:
        _, dictionary = active_dictionary(session)
    found = lookup(term, dictionary) if term else None
    if found is None:
        return {}
    name, entry = found
    return {"term": name, "meddra": entry.get("meddra"), "soc": entry.get("soc"), "grades": entry.get("grades", {})}
