"""eCRF: death (date, primary cause, autopsy), spec 2.1 (Death) and 3.2 (Deaths).

Context: ``ICDTC``; ``grade5_aes`` [{AETERM, AEDTHDTC}] (the subject's grade 5 AEs; omit when unknown);
``last_infusion_dt`` (last NK infusion, for the AE window).
"""
from __future__ import annotations

from typing import Any, Mapping

from .core import Check, CheckContext, Field, FormDef
from .safety.dlt import PROGRESSION_TERM
from .safety.values import as_date

S21 = "spec 2.1 (Death)"
S32 = "spec 3.2 (Deaths)"

CAUSES = (("DISEASE_PROGRESSION", "Disease progression (neuroblastoma)"), ("ADVERSE_EVENT", "Adverse event"),
          ("OTHER", "Other"))


def _grade5_aes(context: Mapping[str, Any]) -> list[dict[str, Any]] | None:
    found = context.get("grade5_aes")
    return None if found is None else [ae for ae in found if isinstance(ae, dict)]


def _derive(values: dict[str, Any], context: Mapping[str, Any], params: Any) -> dict[str, Any]:
    death, last = values.get("DTHDTC"), as_date(context.get("last_infusion_dt"))
    in_window = None
    if death and last:
        in_window = 0 <= (death - last).days <= params["ae_window_days_after_last_infusion"]
    progression = values.get("DTHCAUSE") == "DISEASE_PROGRESSION" and not params["progression_death_expedited"]
    return {
        "DTH_IN_AE_WINDOW": None if in_window is None else ("Y" if in_window else "N"),
        "DTH_SAE_REQUIRED": None if in_window is None else ("Y" if in_window and not progression else "N"),
    }


def _after_consent(ctx: CheckContext) -> str | None:
    consent = as_date(ctx.context.get("ICDTC"))
    if consent is None or ctx.get("DTHDTC") >= consent:
        return None
    return f"The date of death cannot be before informed consent ({consent:%Y-%m-%d})."


def _grade5_recorded(ctx: CheckContext) -> str | None:
    aes = _grade5_aes(ctx.context)
    if aes is None:
        return None
    cause = ctx.get("DTHCAUSE")
    terms = {str(ae.get("AETERM")) for ae in aes}
    sae = (f" It is a serious adverse event to report within {ctx.params['sae_report_hours']} h."
           if ctx.get("DTH_SAE_REQUIRED") == "Y" else "")
    if cause == "DISEASE_PROGRESSION" and PROGRESSION_TERM not in terms:
        return f"Record the death as the adverse event \"{PROGRESSION_TERM}\", grade 5."
    if cause == "ADVERSE_EVENT" and not terms - {PROGRESSION_TERM}:
        return "Record the fatal adverse event with grade 5 (the event that caused death)." + sae
    if cause == "OTHER" and not aes:
        return "Record the death as a grade 5 adverse event (\"Death NOS\" when no other term fits)." + sae
    return None


def _dates_agree(ctx: CheckContext) -> str | None:
    death = ctx.get("DTHDTC")
    for ae in _grade5_aes(ctx.context) or []:
        other = as_date(ae.get("AEDTHDTC"))
        if other is not None and other != death:
            return (f"The grade 5 adverse event {ae.get('AETERM')} gives the date of death {other:%Y-%m-%d}, "
                    f"not {death:%Y-%m-%d}: correct one of them.")
    return None


FIELDS = (
    Field("DTHDTC", "Date of death", "date", S21),
    Field("DTHCAUSE", "Primary cause of death", "code", S21, codes=CAUSES),
    Field("DTHCAUSE_OTH", "Cause of death (other)", "text", S21, required=False, max_length=300),
    Field("AUTOPSY", "Autopsy performed", "yesno", S32),
)

CHECKS = (
    Check("DTH_AFTER_CONSENT", "hard", ("DTHDTC",), "DTHDTC >= ICDTC", "The date of death is before consent.",
          S21, _after_consent, needs=("DTHDTC",)),
    Check("DTH_CAUSE_OTHER_TEXT", "hard", ("DTHCAUSE_OTH",), "DTHCAUSE = OTHER requires DTHCAUSE_OTH",
          "Describe the other cause of death.", S21,
          lambda ctx: ctx.get("DTHCAUSE") != "OTHER" or ctx.get("DTHCAUSE_OTH") is not None, needs=("DTHCAUSE",)),
    Check("DTH_GRADE5_AE", "soft", ("DTHCAUSE",), "a death is recorded as a grade 5 AE matching its cause",
          "Record the death as a grade 5 adverse event.", f"{S21}; {S32}", _grade5_recorded, needs=("DTHCAUSE",)),
    Check("DTH_DATE_MATCHES_AE", "soft", ("DTHDTC",), "DTHDTC = AEDTHDTC of every grade 5 AE",
          "The date of death differs from the grade 5 adverse event.", S21, _dates_agree, needs=("DTHDTC",)),
)

FORMS = (
    FormDef("death", 1, "Death", FIELDS, CHECKS, derive=_derive, clause=S21,
            description="Date, primary cause and autopsy; required for any grade 5 AE and for death ending the study."),
)
