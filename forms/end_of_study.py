"""eCRF: end of study (completed, withdrawn with scope, lost to follow-up, died).

Context: ``ICDTC``; ``death_recorded`` (a death form exists); ``death_date``; ``grade5_ae`` (the subject has a
grade 5 AE: true/false, or the list of such AEs).
"""
from __future__ import annotations

from typing import Any, Mapping

from .core import Check, CheckContext, Field, FormDef
from .safety.values import as_bool, as_date

CLAUSE = "issue 6 (end of study and death); spec 3.2 (Deaths)"

REASONS = (("COMPLETED", "Completed the study"), ("WITHDRAWN", "Withdrawn"),
           ("LOST_TO_FOLLOW_UP", "Lost to follow-up"), ("DIED", "Died"))
SCOPES = (("TREATMENT_ONLY", "From study treatment only (follow-up continues)"),
          ("ALL", "From treatment and all follow-up"))

_STATUS = {"COMPLETED": "completed", "WITHDRAWN": "withdrawn", "LOST_TO_FOLLOW_UP": "withdrawn", "DIED": "died"}


def _has_grade5(context: Mapping[str, Any]) -> bool:
    value = context.get("grade5_ae")
    if isinstance(value, (list, tuple)):
        return bool(value)
    return bool(as_bool(value))


def _derive(values: dict[str, Any], context: Mapping[str, Any], params: Any) -> dict[str, Any]:
    reason, scope = values.get("EOS_REASON"), values.get("WITHDRAWAL_SCOPE")
    closes = None
    if reason:
        closes = "TREATMENT" if reason == "WITHDRAWN" and scope == "TREATMENT_ONLY" else "ALL"
    return {"SUBJECT_STATUS": _STATUS.get(reason or ""), "ENTRY_CLOSED": closes}


def _after_consent(ctx: CheckContext) -> str | None:
    consent = as_date(ctx.context.get("ICDTC"))
    if consent is None or ctx.get("EOS_DT") >= consent:
        return None
    return f"The end-of-study date cannot be before informed consent ({consent:%Y-%m-%d})."


def _scope(ctx: CheckContext) -> str | None:
    withdrawn, scope = ctx.get("EOS_REASON") == "WITHDRAWN", ctx.get("WITHDRAWAL_SCOPE")
    if withdrawn and scope is None:
        return "Withdrawal: say whether it is from treatment only or from treatment and all follow-up."
    if not withdrawn and scope is not None:
        return "The withdrawal scope applies only when the subject is withdrawn."
    return None


def _death_form(ctx: CheckContext) -> str | None:
    if ctx.get("EOS_REASON") == "DIED" and not as_bool(ctx.context.get("death_recorded")):
        return "The subject died: complete the death form first."
    return None


def _grade5_means_died(ctx: CheckContext) -> str | None:
    if _has_grade5(ctx.context) and ctx.get("EOS_REASON") != "DIED":
        return "A grade 5 (fatal) adverse event is recorded: the reason for ending the study is death."
    return None


def _death_date(ctx: CheckContext) -> str | None:
    death = as_date(ctx.context.get("death_date"))
    if ctx.get("EOS_REASON") != "DIED" or death is None or ctx.get("EOS_DT") == death:
        return None
    return f"The subject died on {death:%Y-%m-%d}: the end-of-study date is usually the date of death."


FIELDS = (
    Field("EOS_DT", "End-of-study date", "date", CLAUSE),
    Field("EOS_REASON", "Reason for ending the study", "code", CLAUSE, codes=REASONS),
    Field("WITHDRAWAL_SCOPE", "Withdrawal scope", "code", CLAUSE, codes=SCOPES, required=False),
    Field("EOS_REASON_TXT", "Details of the reason", "text", CLAUSE, required=False, max_length=500),
)

CHECKS = (
    Check("EOS_AFTER_CONSENT", "hard", ("EOS_DT",), "EOS_DT >= ICDTC", "The end-of-study date is before consent.",
          CLAUSE, _after_consent, needs=("EOS_DT",)),
    Check("EOS_WITHDRAWAL_SCOPE", "hard", ("WITHDRAWAL_SCOPE",),
          "EOS_REASON = WITHDRAWN <=> WITHDRAWAL_SCOPE given", "Withdrawal needs its scope.", CLAUSE, _scope,
          needs=("EOS_REASON",)),
    Check("EOS_REASON_DETAILS", "soft", ("EOS_REASON_TXT",),
          "EOS_REASON in (WITHDRAWN, LOST_TO_FOLLOW_UP) asks for EOS_REASON_TXT",
          "Give the details of the withdrawal or loss to follow-up, if known.", CLAUSE,
          lambda ctx: ctx.get("EOS_REASON") not in ("WITHDRAWN", "LOST_TO_FOLLOW_UP")
          or ctx.get("EOS_REASON_TXT") is not None, needs=("EOS_REASON",)),
    Check("EOS_DIED_DEATH_FORM", "hard", ("EOS_REASON",), "EOS_REASON = DIED requires a death form",
          "The subject died: complete the death form first.", CLAUSE, _death_form, needs=("EOS_REASON",)),
    Check("EOS_GRADE5_DIED", "hard", ("EOS_REASON",), "a grade 5 AE requires EOS_REASON = DIED",
          "A fatal adverse event is recorded: the reason must be death.", "spec 2.1 (Death)", _grade5_means_died,
          needs=("EOS_REASON",)),
    Check("EOS_DEATH_DATE", "soft", ("EOS_DT",), "EOS_REASON = DIED: EOS_DT = date of death",
          "The end-of-study date differs from the date of death.", CLAUSE, _death_date, needs=("EOS_DT",)),
)

FORMS = (
    FormDef("end_of_study", 1, "End of study", FIELDS, CHECKS, derive=_derive, clause=CLAUSE,
            description="How and when the subject left the study; sets the subject's status."),
)
