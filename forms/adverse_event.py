"""eCRF: adverse event (repeating), coded with CTCAE v5.0 (spec 2) with seriousness, attribution, SAE and
SUSAR clocks and the DLT proposal (spec 3).

Context: ``dictionary`` (term -> {meddra, soc, soc_code, grades: {grade: text}}; default the shipped
short-list) and ``dictionary_version``; ``ICDTC`` (consent date); ``arm`` (``NK`` or ``CONTROL``);
``infusions`` [{INF_NO, INF_DT, INF_START_DTC, INF_END_DTC}]; ``death_recorded``; ``next_chemo_start``
(first day of the chemotherapy course after the AE's infusion, closes the DLT window); ``now`` (for the SAE
clock) and ``as_of`` (date up to which an ongoing event is known to persist).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, Mapping

from .core import Check, CheckContext, Field, FormDef
from .ctcae import SHORTLIST_VERSION, lookup
from .safety.clocks import sae_clock, susar_due
from .safety.deviations import sae_deviations
from .safety.dlt import PROGRESSION_TERM, AeFacts, dlt_categories, is_gvhd
from .safety.values import as_bool, as_date, as_datetime, as_int, hours_between

S2 = "spec 2.1"
S22 = "spec 2.2 notes"
S31 = "spec 3.1"
S32 = "spec 3.2"
S33 = "spec 3.3"
S34 = "spec 3.4"

GRADE_CODES = (("1", "1 Mild"), ("2", "2 Moderate"), ("3", "3 Severe"), ("4", "4 Life-threatening"),
               ("5", "5 Death"))
ATTRIBUTION = (("1", "1 Unrelated"), ("2", "2 Unlikely"), ("3", "3 Possible"), ("4", "4 Probable"),
               ("5", "5 Definite"))
SERIOUSNESS = (("AESDTH", "Results in death"), ("AESLIFE", "Life-threatening"),
               ("AESHOSP", "Requires or prolongs hospitalisation"), ("AESDISAB", "Persistent or significant disability"),
               ("AESCONG", "Congenital anomaly / birth defect"), ("AESMIE", "Important medical event"))
GVHD_GRADES = (("I", "Grade I"), ("II", "Grade II"), ("III", "Grade III"), ("IV", "Grade IV"))
_ROMAN = {"I": 1, "II": 2, "III": 3, "IV": 4}
IRR_OR_CRS = "Infusion related reaction or Cytokine release syndrome"


@dataclass(frozen=True)
class Infusion:
    number: int
    day: date
    start: datetime | None
    end: datetime | None

    @property
    def reference(self) -> datetime | None:
        """The moment hours after the infusion count from: its end, else its start."""
        return self.end or self.start


def _infusions(context: Mapping[str, Any]) -> list[Infusion]:
    found = []
    for raw in context.get("infusions") or []:
        if not isinstance(raw, dict):
            continue
        number = as_int(raw.get("INF_NO"))
        start, end = as_datetime(raw.get("INF_START_DTC")), as_datetime(raw.get("INF_END_DTC"))
        day = as_date(raw.get("INF_DT"))
        if day is None and (start or end):
            day = (start or end).date()
        if number is not None and day is not None:
            found.append(Infusion(number, day, start, end))
    return sorted(found, key=lambda i: i.number)


def _arm(context: Mapping[str, Any]) -> str | None:
    arm = context.get("arm")
    return arm.strip().upper() if isinstance(arm, str) and arm.strip() else None


def _rel(code: str | None) -> int | None:
    return int(code) if code and code.isdigit() else None


def _onset(values: Mapping[str, Any]) -> datetime | None:
    onset, at = values.get("AESTDTC"), values.get("AESTTM")
    return datetime.combine(onset, at) if onset and at else None


def _reference_infusion(values: Mapping[str, Any], context: Mapping[str, Any]
                        ) -> tuple[Infusion | None, Infusion | None]:
    """(last infusion on or before the onset date, the infusion the AE refers to: AE_INF_NO or that last one)."""
    onset_day = values.get("AESTDTC")
    infusions = _infusions(context)
    before = [i for i in infusions if onset_day and i.day <= onset_day]
    preceding = before[-1] if before else None
    chosen = values.get("AE_INF_NO") or (preceding.number if preceding else None)
    return preceding, next((i for i in infusions if i.number == chosen), None)


def _hours_after(values: Mapping[str, Any], infusion: Infusion | None) -> Decimal | None:
    """Exact hours from the infusion's end (else start) to the onset; needs both times."""
    onset_at = _onset(values)
    if infusion is None or infusion.reference is None or onset_at is None:
        return None
    return hours_between(infusion.reference, onset_at)


def _coded(values: Mapping[str, Any], context: Mapping[str, Any]) -> tuple[str, dict[str, Any]] | None:
    return lookup(values.get("AETERM"), context.get("dictionary"))


def _derive(values: dict[str, Any], context: Mapping[str, Any], params: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    coded = _coded(values, context)
    term, entry = coded if coded else (None, {})
    out["AETERM_CODED"] = term
    out["AELLT_CD"] = entry.get("meddra")
    out["AESOC"] = entry.get("soc")
    out["AESOC_CD"] = entry.get("soc_code")
    out["AEDICT_VERSION"] = context.get("dictionary_version") or (
        SHORTLIST_VERSION if context.get("dictionary") is None else None)

    onset_day = values.get("AESTDTC")
    preceding, infusion = _reference_infusion(values, context)
    out["AE_INF_PRECEDING"] = preceding.number if preceding else None
    out["AE_DAYS_POST_INF"] = (onset_day - infusion.day).days if infusion and onset_day else None
    hours = _hours_after(values, infusion)
    out["AE_HRS_POST_INF"] = hours.quantize(Decimal("0.1")) if hours is not None else None

    related_min = params["attribution_related_min"]
    rel_nk = _rel(values.get("AEREL_NK"))
    out["AEREL_NK_BIN"] = None if rel_nk is None else ("Y" if rel_nk >= related_min else "N")

    serious = values.get("AESER") == "Y"
    progression = term == PROGRESSION_TERM and not params["progression_death_expedited"]
    expedited = serious and not progression
    out["SAE_EXPEDITED"] = "Y" if expedited else "N" if values.get("AESER") else None
    aware, sent = values.get("SAE_AWARE_DTC"), values.get("SAE_SENT_DTC")
    out.update(_sae_clock_values(expedited, aware, sent, context, params))
    out.update(_susar_values(expedited, values, out["AEREL_NK_BIN"], params))
    out.update(_dlt_values(term, values, context, infusion, params))
    out["deviations"] = [d.as_dict() for d in sae_deviations(aware, sent, term, params)] if expedited else []
    return out


def _sae_clock_values(expedited: bool, aware: datetime | None, sent: datetime | None,
                      context: Mapping[str, Any], params: Any) -> dict[str, Any]:
    empty = {"SAE_DUE_DTC": None, "SAE_LATE": None, "SAE_HOURS_LEFT": None, "SAE_OVERDUE": None, "SAE_ALERT": None}
    if not expedited or aware is None:
        return empty
    now = as_datetime(context.get("now"))
    if sent is None and now is None:
        return empty | {"SAE_DUE_DTC": aware + timedelta(hours=params["sae_report_hours"])}
    clock = sae_clock(aware, now or sent, params, sent=sent)
    return {
        "SAE_DUE_DTC": clock["due"],
        "SAE_LATE": None if clock["late"] is None else ("Y" if clock["late"] else "N"),
        "SAE_HOURS_LEFT": clock["hours_left"],
        "SAE_OVERDUE": clock["overdue"] if sent is None else None,
        "SAE_ALERT": clock["alert"] if sent is None else None,
    }


def _susar_values(expedited: bool, values: Mapping[str, Any], related: str | None, params: Any) -> dict[str, Any]:
    """SUSAR: serious, unexpected and suspected (related to the NK cells, the investigational product)."""
    susar = expedited and values.get("AEEXPECT") == "UNEXPECTED" and related == "Y"
    start = values.get("SUSAR_CLOCK_START") or values.get("SAE_SENT_DTC") or values.get("SAE_AWARE_DTC")
    out: dict[str, Any] = {"SUSAR": "Y" if susar else "N", "SUSAR_CLOCK_START_EFF": None,
                           "SUSAR_DUE_DT": None, "SUSAR_COMPLETE_DUE_DT": None}
    if susar and start is not None:
        fatal = "Y" in (values.get("AESDTH"), values.get("AESLIFE")) or values.get("AETOXGR") == "5"
        due = susar_due(start, fatal, params)
        out.update(SUSAR_CLOCK_START_EFF=start, SUSAR_DUE_DT=due["initial_due"],
                   SUSAR_COMPLETE_DUE_DT=due["complete_due"])
    return out


def _dlt_values(term: str | None, values: Mapping[str, Any], context: Mapping[str, Any],
                infusion: Infusion | None, params: Any) -> dict[str, Any]:
    grade, onset = values.get("AETOXGR"), values.get("AESTDTC")
    if _arm(context) == "CONTROL":
        return {"DLT_FLAG": "N", "DLT_CAT": []}
    if term is None or grade is None or onset is None:
        return {"DLT_FLAG": None, "DLT_CAT": []}
    facts = AeFacts(
        term=term, grade=int(grade), rel_nk=_rel(values.get("AEREL_NK")), rel_chemo=_rel(values.get("AEREL_CHEMO")),
        onset=onset, end=values.get("AEENDTC"), infusion_date=infusion.day if infusion else None,
        next_chemo_start=as_date(context.get("next_chemo_start")),
        as_of=as_date(context.get("as_of")) or as_date(context.get("now")),
        verbatim=values.get("AETERM_OTH"), crs_astct_grade=as_int(values.get("CRS_ASTCT_GR")),
        gvhd_overall_grade=_ROMAN.get(values.get("GVHD_OVERALL_GR") or ""),
    )
    categories = dlt_categories(facts, params)
    return {"DLT_FLAG": "Y" if categories else "N", "DLT_CAT": categories}


# --- checks -------------------------------------------------------------------------------------------------

def _in_dictionary(ctx: CheckContext) -> str | None:
    if ctx.get("AETERM_CODED"):
        return None
    return (f"{ctx.get('AETERM')!r} is not a CTCAE v5.0 term of the coding dictionary: choose a term from the list "
            "(use the SOC's \"Other, specify\" term for anything else).")


def _verbatim(ctx: CheckContext) -> str | None:
    coded = _coded(ctx.values, ctx.context)
    if coded and coded[1]["other_specify"] and not ctx.get("AETERM_OTH"):
        return f"{coded[0]}: describe the event in words (verbatim term)."
    return None


def _grade_defined(ctx: CheckContext) -> str | None:
    coded = _coded(ctx.values, ctx.context)
    if coded is None:
        return None
    term, entry = coded
    grade = int(ctx.get("AETOXGR"))
    if grade in entry["grades"]:
        return None
    defined = sorted(entry["grades"])
    listed = ", ".join(map(str, defined[:-1])) + (" or " if len(defined) > 1 else "") + str(defined[-1])
    return f"{term} has no grade {grade} in CTCAE v5.0: choose grade {listed}."


def _end_or_ongoing(ctx: CheckContext) -> str | None:
    if ctx.get("AEENDTC") is None and ctx.get("AEONGO") != "Y":
        return "Enter the end date, or mark the event as ongoing."
    return None


def _after_consent(ctx: CheckContext) -> str | None:
    consent = as_date(ctx.context.get("ICDTC"))
    onset = ctx.get("AESTDTC")
    if consent is None or onset >= consent:
        return None
    return (f"Onset {onset:%Y-%m-%d} is before informed consent ({consent:%Y-%m-%d}): record it as a baseline "
            "condition, not an adverse event.")


def _grade5_fatal(ctx: CheckContext) -> str | None:
    grade5, fatal = ctx.get("AETOXGR") == "5", ctx.get("AEOUT") == "FATAL"
    if grade5 and not fatal:
        return "Grade 5 means the event caused death: the outcome must be fatal."
    if fatal and not grade5:
        return "A fatal outcome means grade 5: correct the grade or the outcome."
    return None


def _grade5_death_date(ctx: CheckContext) -> str | None:
    death, end = ctx.get("AEDTHDTC"), ctx.get("AEENDTC")
    if ctx.get("AETOXGR") != "5":
        return "A death date belongs only to a grade 5 event." if death is not None else None
    if death is None:
        return "Grade 5: enter the date of death."
    if end != death:
        return f"Grade 5: the event's end date must be the date of death ({death:%Y-%m-%d})."
    return None


def _grade5_serious(ctx: CheckContext) -> str | None:
    if ctx.get("AETOXGR") != "5" or (ctx.get("AESER") == "Y" and ctx.get("AESDTH") == "Y"):
        return None
    return "Grade 5: the event is serious with the criterion \"results in death\"."


def _death_form(ctx: CheckContext) -> str | None:
    if ctx.get("AETOXGR") == "5" and as_bool(ctx.context.get("death_recorded")) is False:
        return "Grade 5: complete the death form for this subject."
    return None


def _criteria(ctx: CheckContext) -> str | None:
    ticked = [label for name, label in SERIOUSNESS if ctx.get(name) == "Y"]
    if ctx.get("AESER") == "Y" and not ticked:
        return "A serious event needs at least one seriousness criterion."
    if ctx.get("AESER") == "N" and ticked:
        return f"{', '.join(ticked)} makes the event serious: answer Serious = Yes."
    return None


def _hospitalisation(ctx: CheckContext) -> str | None:
    if ctx.get("AESHOSP") != "Y" or ctx.get("AEHOSP_PROLONG") == "Y":
        return None
    admitted, onset = ctx.get("AEHOSP_ADM_DT"), ctx.get("AESTDTC")
    if admitted is None:
        return "Hospitalisation: enter the admission date, or mark it as a prolongation of an existing stay."
    if onset is not None and admitted < onset:
        return (f"Admission on {admitted:%Y-%m-%d} is before the onset ({onset:%Y-%m-%d}): if the event arose in "
                "hospital, mark it as a prolongation of the stay.")
    return None


def _nk_attribution(ctx: CheckContext) -> str | None:
    arm, rel = _arm(ctx.context), ctx.get("AEREL_NK")
    if arm == "CONTROL" and rel is not None and rel != "NA":
        return "Control arm: attribution to NK cells must be \"Not applicable\"."
    if arm == "NK" and rel in (None, "NA"):
        return "NK-cell arm: give the attribution to NK cells (1 unrelated to 5 definite)."
    return None


def _nk_action(ctx: CheckContext) -> str | None:
    if _arm(ctx.context) == "CONTROL" and ctx.get("AEACN_NK") != "NA":
        return "Control arm: action taken with NK cells must be \"Not applicable\"."
    return None


def _haem_chemo_attribution(ctx: CheckContext) -> str | None:
    term = ctx.get("AETERM_CODED")
    if _arm(ctx.context) != "NK" or term not in ctx.params["haematologic_g4_needs_chemo_attribution_terms"]:
        return None
    if ctx.get("AETOXGR") == "4" and ctx.get("AEREL_CHEMO") is None:
        return f"Grade 4 {term.lower()} in the NK-cell arm: give the attribution to chemotherapy."
    return None


def _unifying_term(ctx: CheckContext) -> str | None:
    term = ctx.get("AETERM_CODED")
    if term not in ctx.params["irr_unifying_terms"] or ctx.get("AE_INF_PRECEDING") is None:
        return None
    window = ctx.params["irr_unifying_window_hours"]
    hours = _hours_after(ctx.values, _reference_infusion(ctx.values, ctx.context)[1])
    days = ctx.get("AE_DAYS_POST_INF")
    near = hours <= window if hours is not None else days is not None and days * 24 <= window
    if not near:
        return None
    infusion = ctx.get("AE_INF_NO") or ctx.get("AE_INF_PRECEDING")
    return (f"{term} within {window} h of NK infusion {infusion}: consider {IRR_OR_CRS} as the unifying term "
            "(record the single signs under it).")


def _infusion_reference(ctx: CheckContext) -> str | None:
    number = ctx.get("AE_INF_NO")
    if _arm(ctx.context) == "CONTROL":
        return "Control arm: there is no NK infusion to refer to; leave the infusion number blank."
    infusion = next((i for i in _infusions(ctx.context) if i.number == number), None)
    if infusion is None:
        return f"NK infusion {number} is not recorded for this subject."
    onset = ctx.get("AESTDTC")
    if onset is not None and infusion.day > onset:
        return (f"NK infusion {number} was given on {infusion.day:%Y-%m-%d}, after the onset: give the infusion "
                "that preceded the event.")
    return None


def _latest_infusion(ctx: CheckContext) -> str | None:
    number, latest = ctx.get("AE_INF_NO"), ctx.get("AE_INF_PRECEDING")
    if latest is None or number == latest or number > latest:
        return None
    return f"The last NK infusion before the onset is number {latest}, not {number}: check the infusion number."


def _ae_window(ctx: CheckContext) -> str | None:
    infusions = _infusions(ctx.context)
    if not infusions or ctx.get("AESER") == "Y" or ctx.get("AEREL_NK_BIN") == "Y":
        return None
    days = (ctx.get("AESTDTC") - infusions[-1].day).days
    window = ctx.params["ae_window_days_after_last_infusion"]
    if days <= window:
        return None
    return (f"Onset {days} days after the last NK infusion, beyond the AE collection window of {window} days: "
            "confirm the event should be recorded (serious or related events always are).")


def _aware_required(ctx: CheckContext) -> str | None:
    if ctx.get("SAE_EXPEDITED") == "Y" and ctx.get("SAE_AWARE_DTC") is None:
        return (f"Serious event: enter the date and time the site became aware of it (starts the "
                f"{ctx.params['sae_report_hours']}-hour reporting clock).")
    return None


def _aware_after_onset(ctx: CheckContext) -> str | None:
    aware, onset = ctx.get("SAE_AWARE_DTC"), ctx.get("AESTDTC")
    if aware.date() >= onset:
        return None
    return f"The site cannot have become aware ({aware:%Y-%m-%d %H:%M}) before the onset ({onset:%Y-%m-%d})."


def _sae_late(ctx: CheckContext) -> str | None:
    if ctx.get("SAE_LATE") != "Y":
        return None
    hours = hours_between(ctx.get("SAE_AWARE_DTC"), ctx.get("SAE_SENT_DTC"))
    return (f"The SAE report was sent {hours:.1f} h after the site became aware (limit "
            f"{ctx.params['sae_report_hours']} h): a protocol deviation is recorded; give the reason.")


def _sae_clock(ctx: CheckContext) -> str | None:
    if ctx.get("SAE_SENT_DTC") is not None:
        return None
    due = ctx.get("SAE_DUE_DTC")
    if ctx.get("SAE_OVERDUE"):
        return f"The SAE report was due at {due:%Y-%m-%d %H:%M} and has not been sent: send it now."
    if ctx.get("SAE_ALERT"):
        return f"The SAE report is due at {due:%Y-%m-%d %H:%M} ({ctx.get('SAE_HOURS_LEFT')} h left)."
    return None


def _outcome_vs_ongoing(ctx: CheckContext) -> str | None:
    if ctx.get("AEONGO") == "Y" and ctx.get("AEOUT") in ("RECOVERED", "RECOVERED_SEQUELAE", "FATAL"):
        return "The event is marked ongoing but its outcome says it has ended: check both."
    return None


def _dlt_confirmation(ctx: CheckContext) -> str | None:
    derived, confirmed = ctx.get("DLT_FLAG"), ctx.get("DLT_CONFIRM")
    categories = ", ".join(map(str, ctx.get("DLT_CAT") or []))
    if derived == "Y" and confirmed is None:
        return f"This event meets the DLT definition (category {categories}): the investigator confirms or rejects it."
    if derived == "Y" and confirmed == "N":
        return f"The event meets DLT category {categories} but is not confirmed as a DLT: document the reason."
    if derived == "N" and confirmed == "Y":
        return "Confirmed as a DLT although it meets no configured DLT category: document the reason."
    return None


def _gvhd_grade(ctx: CheckContext) -> str | None:
    if is_gvhd(ctx.get("AETERM_OTH")) and ctx.get("GVHD_OVERALL_GR") is None:
        return "Acute GVHD: give the overall grade (I-IV) from the GVHD staging."
    return None


SAE = "Serious adverse event"

FIELDS = (
    Field("AETERM", "Adverse event (CTCAE v5.0 term)", "text", S2, max_length=200, section="Event",
          help="Search the CTCAE term list by term or organ class; MedDRA code and SOC are filled in."),
    Field("AETERM_OTH", "Verbatim description (for \"Other, specify\")", "text", S2, required=False,
          max_length=200, section="Event"),
    Field("AELLT_CD", "MedDRA LLT code", "text", S2, derived=True, section="Event"),
    Field("AESOC", "System organ class", "text", S2, derived=True, section="Event"),
    Field("AETOXGR", "CTCAE grade", "code", S2, codes=GRADE_CODES, section="Event",
          help="Only the grades defined for the chosen term are offered."),
    Field("AESTDTC", "Onset date", "date", S22, section="Event"),
    Field("AESTTM", "Onset time", "time", S22, required=False, section="Event",
          help="Needed to count hours after an infusion."),
    Field("AEENDTC", "End date", "date", S22, required=False, section="Event"),
    Field("AEONGO", "Ongoing", "yesno", S22, section="Event"),
    Field("AESER", "Serious", "yesno", S31, section="Seriousness"),
    *(Field(name, label, "yesno", S31, required=False, section="Seriousness") for name, label in SERIOUSNESS),
    Field("AEHOSP_ADM_DT", "Hospital admission date", "date", S31, required=False, section="Seriousness"),
    Field("AEHOSP_PROLONG", "Prolongation of an existing hospital stay", "yesno", S31, required=False,
          section="Seriousness"),
    Field("AEDTHDTC", "Date of death", "date", S2, required=False, section="Seriousness"),
    Field("AEREL_NK", "Attribution to NK cells", "code", S33, codes=ATTRIBUTION + (("NA", "Not applicable"),),
          section="Attribution"),
    Field("AEREL_CHEMO", "Attribution to chemotherapy", "code", S33, codes=ATTRIBUTION, section="Attribution"),
    Field("AEACN_NK", "Action taken with NK cells", "code", S22, section="Attribution",
          codes=(("NONE", "None"), ("INTERRUPTED", "Infusion interrupted"), ("SLOWED", "Infusion slowed"),
                 ("STOPPED", "Infusion stopped"), ("WITHHELD", "Subsequent infusion withheld"),
                 ("NA", "Not applicable"))),
    Field("AEOUT", "Outcome", "code", S22, section="Attribution",
          codes=(("RECOVERED", "Recovered"), ("RECOVERING", "Recovering"), ("NOT_RECOVERED", "Not recovered"),
                 ("RECOVERED_SEQUELAE", "Recovered with sequelae"), ("FATAL", "Fatal"), ("UNKNOWN", "Unknown"))),
    Field("AEEXPECT", "Expectedness (reference safety information)", "code", S31, section="Attribution",
          codes=(("EXPECTED", "Expected"), ("UNEXPECTED", "Unexpected"))),
    Field("AE_INF_NO", "NK infusion preceding the event", "integer", S22, min=1, required=False, section="Infusion"),
    Field("AE_HRS_POST_INF", "Hours after that infusion", "decimal", S22, unit="h", derived=True, section="Infusion"),
    Field("CRS_ASTCT_GR", "CRS grade (ASTCT consensus)", "code", f"{S2} (CRS)", required=False, section="Event",
          codes=(("1", "Grade 1"), ("2", "Grade 2"), ("3", "Grade 3"), ("4", "Grade 4"))),
    Field("GVHD_OVERALL_GR", "Acute GVHD overall grade", "code", f"{S2} (GVHD)", codes=GVHD_GRADES, required=False,
          section="Event"),
    Field("SAE_AWARE_DTC", "Site became aware of the SAE at", "datetime", S32, required=False, section=SAE),
    Field("SAE_SENT_DTC", "Initial SAE report sent at", "datetime", S32, required=False, section=SAE),
    Field("SUSAR_CLOCK_START", "Sponsor first aware (SUSAR clock start)", "datetime", S32, required=False,
          section=SAE, help="Left blank, the clock starts when the site's report was sent."),
    Field("SAE_DUE_DTC", "SAE report due", "datetime", S32, derived=True, section=SAE),
    Field("SAE_LATE", "SAE report late", "yesno", S32, derived=True, section=SAE),
    Field("SUSAR_DUE_DT", "SUSAR report due", "date", S32, derived=True, section=SAE),
    Field("AEREL_NK_BIN", "Related to NK cells", "yesno", S33, derived=True, section="Attribution"),
    Field("DLT_FLAG", "Meets the DLT definition", "yesno", S34, derived=True, section="DLT"),
    Field("DLT_CONFIRM", "Investigator confirms DLT", "yesno", S34, required=False, section="DLT"),
)

CHECKS = (
    Check("AE_TERM_IN_DICTIONARY", "hard", ("AETERM",), "AETERM is a term of the coding dictionary",
          "Choose a CTCAE v5.0 term from the list.", S2, _in_dictionary, needs=("AETERM",)),
    Check("AE_VERBATIM", "hard", ("AETERM_OTH",), "\"Other, specify\" term requires AETERM_OTH",
          "Describe the event in words.", S2, _verbatim, needs=("AETERM",)),
    Check("AE_GRADE_DEFINED", "hard", ("AETOXGR",), "AETOXGR is a grade defined for AETERM in CTCAE v5.0",
          "This grade is not defined for the term.", S2, _grade_defined, needs=("AETERM", "AETOXGR")),
    Check("AE_END_AFTER_ONSET", "hard", ("AESTDTC", "AEENDTC"), "AEENDTC >= AESTDTC",
          "The end date cannot be before the onset.", S22,
          lambda ctx: ctx.get("AEENDTC") >= ctx.get("AESTDTC"), needs=("AESTDTC", "AEENDTC")),
    Check("AE_ENDED_AND_ONGOING", "hard", ("AEENDTC", "AEONGO"), "not (AEENDTC given and AEONGO = Y)",
          "An event with an end date is not ongoing.", S22,
          lambda ctx: ctx.get("AEONGO") != "Y", needs=("AEENDTC",)),
    Check("AE_END_OR_ONGOING", "soft", ("AEENDTC", "AEONGO"), "AEENDTC given or AEONGO = Y",
          "Enter the end date, or mark the event as ongoing.", S22, _end_or_ongoing),
    Check("AE_ONSET_AFTER_CONSENT", "hard", ("AESTDTC",), "AESTDTC >= ICDTC",
          "The onset cannot be before informed consent.", S22, _after_consent, needs=("AESTDTC",)),
    Check("AE_GRADE5_FATAL", "hard", ("AETOXGR", "AEOUT"), "AETOXGR = 5 <=> AEOUT = FATAL",
          "Grade 5 and a fatal outcome go together.", S2, _grade5_fatal, needs=("AETOXGR", "AEOUT")),
    Check("AE_GRADE5_DEATH_DATE", "hard", ("AEDTHDTC", "AEENDTC"),
          "AETOXGR = 5 requires AEDTHDTC = AEENDTC; AEDTHDTC only with grade 5",
          "Grade 5 needs the date of death as the end date.", S2, _grade5_death_date, needs=("AETOXGR",)),
    Check("AE_GRADE5_SERIOUS", "hard", ("AESER", "AESDTH"), "AETOXGR = 5 requires AESER = Y and AESDTH = Y",
          "A grade 5 event is serious (results in death).", S2, _grade5_serious, needs=("AETOXGR",)),
    Check("AE_GRADE5_DEATH_FORM", "soft", ("AETOXGR",), "AETOXGR = 5 requires a death form",
          "Grade 5: complete the death form.", S2, _death_form, needs=("AETOXGR",)),
    Check("AE_GRADE4_NOT_SERIOUS", "soft", ("AETOXGR", "AESER"), "AETOXGR = 4 and AESER = N is queried",
          "Grade 4 (life-threatening) is usually serious: confirm that this event is not.", S2,
          lambda ctx: not (ctx.get("AETOXGR") == "4" and ctx.get("AESER") == "N"), needs=("AETOXGR", "AESER")),
    Check("AE_SERIOUS_CRITERIA", "hard", ("AESER",) + tuple(name for name, _ in SERIOUSNESS),
          "AESER = Y <=> at least one of AESDTH AESLIFE AESHOSP AESDISAB AESCONG AESMIE = Y",
          "Serious and the seriousness criteria disagree.", S31, _criteria, needs=("AESER",)),
    Check("AE_HOSPITAL_ADMISSION", "hard", ("AESHOSP", "AEHOSP_ADM_DT", "AEHOSP_PROLONG"),
          "AESHOSP = Y requires AEHOSP_ADM_DT >= AESTDTC or AEHOSP_PROLONG = Y",
          "Hospitalisation needs an admission on or after the onset, or a prolongation.", S31, _hospitalisation,
          needs=("AESHOSP",)),
    Check("AE_NK_ATTRIBUTION", "hard", ("AEREL_NK",),
          "arm CONTROL => AEREL_NK = NA; arm NK => AEREL_NK in 1-5",
          "Attribution to NK cells does not fit the subject's arm.", S33, _nk_attribution),
    Check("AE_NK_ACTION_CONTROL", "hard", ("AEACN_NK",), "arm CONTROL => AEACN_NK = NA",
          "Control arm: action taken with NK cells must be \"Not applicable\".", S22, _nk_action,
          needs=("AEACN_NK",)),
    Check("AE_HAEM_G4_CHEMO_ATTRIBUTION", "hard", ("AEREL_CHEMO",),
          "arm NK and grade 4 neutrophil or platelet count decreased => AEREL_CHEMO given",
          "Grade 4 neutropenia or thrombocytopenia in the NK arm needs the chemotherapy attribution.", S22,
          _haem_chemo_attribution, needs=("AETERM", "AETOXGR")),
    Check("AE_UNIFYING_TERM", "soft", ("AETERM",),
          "AETERM in irr_unifying_terms with onset within irr_unifying_window_hours of an NK infusion",
          f"Consider {IRR_OR_CRS} as the unifying term.", S22, _unifying_term, needs=("AETERM", "AESTDTC")),
    Check("AE_INFUSION_REFERENCE", "hard", ("AE_INF_NO",),
          "AE_INF_NO names a recorded NK infusion given on or before AESTDTC (NK arm only)",
          "The infusion number does not match a preceding infusion.", S22, _infusion_reference, needs=("AE_INF_NO",)),
    Check("AE_INFUSION_LATEST", "soft", ("AE_INF_NO",), "AE_INF_NO is the last infusion before AESTDTC",
          "The infusion number is not the last one before the onset.", S22, _latest_infusion,
          needs=("AE_INF_NO",)),
    Check("AE_COLLECTION_WINDOW", "soft", ("AESTDTC",),
          "non-serious unrelated AE onset <= last NK infusion + ae_window_days_after_last_infusion",
          "The event began after the AE collection window.", "spec 0 CFG.ae_window_days_after_last_infusion",
          _ae_window, needs=("AESTDTC",)),
    Check("AE_SAE_AWARENESS", "hard", ("SAE_AWARE_DTC",), "serious (expedited) => SAE_AWARE_DTC given",
          "A serious event needs the time the site became aware of it (starts the reporting clock).", S32, _aware_required),
    Check("AE_SAE_AWARE_AFTER_ONSET", "hard", ("SAE_AWARE_DTC", "AESTDTC"), "SAE_AWARE_DTC >= AESTDTC",
          "Awareness cannot precede the onset.", S32, _aware_after_onset, needs=("SAE_AWARE_DTC", "AESTDTC")),
    Check("AE_SAE_SENT_AFTER_AWARE", "hard", ("SAE_SENT_DTC", "SAE_AWARE_DTC"), "SAE_SENT_DTC >= SAE_AWARE_DTC",
          "The report cannot be sent before the site became aware of the event.", S32,
          lambda ctx: ctx.get("SAE_SENT_DTC") >= ctx.get("SAE_AWARE_DTC"), needs=("SAE_SENT_DTC", "SAE_AWARE_DTC")),
    Check("AE_SAE_LATE", "soft", ("SAE_SENT_DTC",), "SAE_SENT_DTC - SAE_AWARE_DTC <= sae_report_hours",
          "The SAE report was late: a protocol deviation is recorded.", S32, _sae_late, needs=("SAE_LATE",)),
    Check("AE_SAE_CLOCK", "soft", ("SAE_AWARE_DTC",),
          "unsent SAE report: alert from sae_alert_hours, overdue after sae_report_hours",
          "The SAE report is due soon or overdue.", S32, _sae_clock, needs=("SAE_DUE_DTC",)),
    Check("AE_OUTCOME_ONGOING", "soft", ("AEONGO", "AEOUT"), "AEONGO = Y excludes an outcome that has ended",
          "Ongoing and outcome disagree.", S22, _outcome_vs_ongoing, needs=("AEONGO", "AEOUT")),
    Check("AE_DLT_CONFIRMATION", "soft", ("DLT_CONFIRM",), "investigator confirmation agrees with DLT_FLAG",
          "The investigator confirms or rejects the DLT.", S34, _dlt_confirmation, needs=("DLT_FLAG",)),
    Check("AE_GVHD_GRADE", "soft", ("GVHD_OVERALL_GR",), "GVHD verbatim requires GVHD_OVERALL_GR",
          "Acute GVHD needs its overall grade.", f"{S2} (GVHD); {S34}", _gvhd_grade, needs=("AETERM_OTH",)),
)

FORMS = (
    FormDef("adverse_event", 1, "Adverse event", FIELDS, CHECKS, derive=_derive, repeating=True, clause="spec 2-3",
            description="One record per adverse event, coded with CTCAE v5.0; serious events start the SAE clock."),
)
