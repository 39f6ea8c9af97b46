"""eCRF: NK-cell infusion (NK arm only; repeating, infusion 1 to 5), spec 7 Administration CRF.

Context (facts from other forms, JSON strings or numbers accepted):
``previous_infusions`` [{INF_NO, INF_DT}] of the subject (this record excluded); ``CHEMO_COURSE_END_DT`` (end of
the preceding chemotherapy course, used when the field is left blank); ``extra_infusion_eligible`` (the
derived gate of spec 4.4) or, until the assessment form provides it, ``response_after_inf3`` (the stored
overall INRC response after infusion 3); ``product_release_passed`` (RELEASE_QC_PASSED of the bag);
``ae_ids`` (identifiers of the subject's AE records).

Who may receive an infusion at all (arm, enrolment, withdrawal, consent version) is decided by
:func:`forms.safety.infusion_refusals` in the app's service, before these checks run.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, Mapping

from .core import Check, CheckContext, Field, FormDef
from .safety.deviations import infusion_deviations
from .safety.values import as_bool, as_date, as_int

S7 = "spec 7 Administration CRF"
GATE = "spec 4.4 extra-infusion gate; spec 7 INF_NO"

TIMEPOINTS = (("PRE", "before the infusion"), ("15MIN", "at 15 minutes"), ("END", "at the end of the infusion"),
              ("1H", "1 hour after the infusion"), ("4H", "4 hours after the infusion"))
VITALS = (("TEMP_C", "Temperature", "°C"), ("HR", "Heart rate", "/min"), ("SBP", "Systolic blood pressure", "mm Hg"),
          ("DBP", "Diastolic blood pressure", "mm Hg"), ("RR", "Respiratory rate", "/min"),
          ("SPO2", "Oxygen saturation", "%"))


def _p(ctx_or_params: Any, key: str) -> Decimal:
    params = ctx_or_params.params if isinstance(ctx_or_params, CheckContext) else ctx_or_params
    return Decimal(str(params[key]))


def _chemo_end(values: Mapping[str, Any], context: Mapping[str, Any]) -> date | None:
    typed = values.get("CHEMO_COURSE_END_DT")
    if typed is not None:
        return typed
    return as_date(context.get("CHEMO_COURSE_END_DT", context.get("chemo_course_end_dt")))


def _dose_dev_exact(values: Mapping[str, Any], params: Any) -> Decimal | None:
    actual, weight = values.get("DOSE_ACTUAL"), values.get("WEIGHT_KG")
    if actual is None or not weight:
        return None
    planned = _p(params, "nk_dose_per_kg") * weight
    return (actual - planned) / planned * Decimal(100)


def _extra_eligible(context: Mapping[str, Any], params: Any) -> bool:
    stated = as_bool(context.get("extra_infusion_eligible"))
    if stated is not None:
        return stated
    response = context.get("response_after_inf3")
    return isinstance(response, str) and response.strip().upper() in set(params["extra_infusion_min_response"])


def _derive(values: dict[str, Any], context: Mapping[str, Any], params: Any) -> dict[str, Any]:
    weight, actual, inf_dt = values.get("WEIGHT_KG"), values.get("DOSE_ACTUAL"), values.get("INF_DT")
    planned = (_p(params, "nk_dose_per_kg") * weight).quantize(Decimal(1)) if weight else None
    per_kg = (actual / weight).quantize(Decimal(1)) if actual is not None and weight else None
    deviation = _dose_dev_exact(values, params)
    chemo_end = _chemo_end(values, context)
    days = (inf_dt - chemo_end).days if inf_dt and chemo_end else None
    thaw, start = values.get("THAW_DTC"), values.get("INF_START_DTC")
    thaw_minutes = Decimal((start - thaw).total_seconds()) / 60 if thaw and start else None
    return {
        "DOSE_PLANNED": planned,
        "DOSE_PER_KG": per_kg,
        "DOSE_DEV_PCT": deviation.quantize(Decimal("0.01")) if deviation is not None else None,
        "DAYS_AFTER_CHEMO": days,
        "THAW_TO_START_MIN": thaw_minutes.quantize(Decimal(1)) if thaw_minutes is not None else None,
        "EXTRA_INF_ELIG": "Y" if _extra_eligible(context, params) else "N",
        "deviations": [d.as_dict() for d in infusion_deviations(
            values.get("INF_NO"), inf_dt, days, deviation, thaw_minutes, params)],
    }


def _previous(ctx: CheckContext) -> list[tuple[int | None, date | None]]:
    return [(as_int(p.get("INF_NO")), as_date(p.get("INF_DT")))
            for p in ctx.context.get("previous_infusions") or [] if isinstance(p, dict)]


def _max_number(ctx: CheckContext) -> str | None:
    limit = ctx.params["nk_max_infusions"]
    number = ctx.get("INF_NO")
    return None if number <= limit else f"Infusion {number}: the protocol allows at most {limit} infusions."


def _sequence(ctx: CheckContext) -> str | None:
    number = ctx.get("INF_NO")
    previous = _previous(ctx)
    taken = [n for n, _ in previous if n is not None]
    if number in taken:
        return f"Infusion {number} is already recorded for this subject."
    numbers = sorted(taken + [number])
    if numbers != list(range(1, len(numbers) + 1)):
        expected = (max(taken) + 1) if taken else 1
        return f"Infusions are numbered in order without gaps: the next infusion is number {expected}, not {number}."
    inf_dt = ctx.get("INF_DT")
    if inf_dt is None:
        return None
    for other_no, other_dt in previous:
        if other_no is None or other_dt is None:
            continue
        if (other_no < number and other_dt >= inf_dt) or (other_no > number and other_dt <= inf_dt):
            return (f"Infusion {number} on {inf_dt:%Y-%m-%d} is out of order with infusion {other_no} "
                    f"on {other_dt:%Y-%m-%d}.")
    return None


def _extra_gate(ctx: CheckContext) -> str | None:
    base = ctx.params["nk_base_infusions"]
    number = ctx.get("INF_NO")
    if number <= base or ctx.get("EXTRA_INF_ELIG") == "Y":
        return None
    allowed = ", ".join(ctx.params["extra_infusion_min_response"])
    stored = ctx.context.get("response_after_inf3") or "not recorded"
    return (f"Infusion {number} is an extra infusion: it is allowed only when the overall response (INRC) on "
            f"MRI and MIBG after infusion {base} is one of {allowed}. Stored response after infusion {base}: "
            f"{stored}.")


def _release(ctx: CheckContext) -> str | None:
    passed = ctx.context.get("product_release_passed")
    if as_bool(passed):
        return None
    if passed is None:
        return "No released NK-cell product is recorded for this infusion: record the bag and its release tests first."
    return "The NK-cell product has not passed its release tests: it cannot be infused."


def _window_hard(ctx: CheckContext) -> str | None:
    days, minimum = ctx.get("DAYS_AFTER_CHEMO"), ctx.params["infusion_hard_min_days"]
    if days >= minimum:
        return None
    if days < 0:
        return (f"The infusion date is {-days} days before the chemotherapy course ended: the infusion is given "
                f"after the course.")
    return (f"The infusion is {days} days after the chemotherapy course ended: at least {minimum} days are "
            f"required (protocol window {ctx.params['infusion_window_min_days']}-"
            f"{ctx.params['infusion_window_max_days']} days).")


def _window_soft(ctx: CheckContext) -> str | None:
    days = ctx.get("DAYS_AFTER_CHEMO")
    low, high = ctx.params["infusion_window_min_days"], ctx.params["infusion_window_max_days"]
    if low <= days <= high or days < ctx.params["infusion_hard_min_days"]:
        return None
    return (f"The infusion is {days} days after the chemotherapy course ended, outside the protocol window of "
            f"{low}-{high} days: a protocol deviation is recorded; give the reason.")


def _chemo_end_matches(ctx: CheckContext) -> str | None:
    stored = as_date(ctx.context.get("CHEMO_COURSE_END_DT", ctx.context.get("chemo_course_end_dt")))
    typed = ctx.get("CHEMO_COURSE_END_DT")
    if stored is None or typed == stored:
        return None
    return (f"The chemotherapy end date typed here ({typed:%Y-%m-%d}) differs from the chemotherapy form "
            f"({stored:%Y-%m-%d}): correct one of them.")


def _weight_range(ctx: CheckContext) -> str | None:
    low, high = (Decimal(str(v)) for v in ctx.params["weight_entry_range_kg"])
    weight = ctx.get("WEIGHT_KG")
    return None if low <= weight <= high else f"Weight {weight} kg is outside the possible range {low}-{high} kg."


def _weight_recent(ctx: CheckContext) -> str | None:
    age = (ctx.get("INF_DT") - ctx.get("WEIGHT_DT")).days
    limit = ctx.params["weight_recency_days"]
    if age < 0:
        return "The weight was measured after the infusion date: the dose is calculated on the weight before it."
    if age > limit:
        return (f"The weight was measured {age} days before the infusion: the dose should be based on a weight "
                f"from the last {limit} days.")
    return None


def _dose_soft(ctx: CheckContext) -> str | None:
    deviation = _dose_dev_exact(ctx.values, ctx.params)
    soft, hard = _p(ctx, "nk_dose_tolerance_soft_pct"), _p(ctx, "nk_dose_tolerance_hard_pct")
    if abs(deviation) <= soft or abs(deviation) > hard:
        return None
    return (f"The dose infused is {deviation:+.1f} % from the planned {ctx.get('DOSE_PLANNED'):,} cells "
            f"(tolerance ±{soft} %): a protocol deviation is recorded; give the reason.")


def _dose_hard(ctx: CheckContext) -> str | None:
    deviation = _dose_dev_exact(ctx.values, ctx.params)
    hard = _p(ctx, "nk_dose_tolerance_hard_pct")
    if abs(deviation) <= hard:
        return None
    return (f"The dose infused is {deviation:+.1f} % from the planned {ctx.get('DOSE_PLANNED'):,} cells: more than "
            f"±{hard} % is not allowed. Check the cell count and the weight.")


def _thaw_to_start(ctx: CheckContext) -> str | None:
    minutes, limit = ctx.get("THAW_TO_START_MIN"), ctx.params["thaw_to_start_max_min"]
    if minutes is None or minutes < 0 or minutes <= limit:
        return None
    return f"The infusion started {minutes} minutes after thawing (limit {limit} minutes): give the reason."


def _interrupt_ae(ctx: CheckContext) -> str | None:
    if ctx.get("INF_INTERRUPTED") != "Y":
        return None
    reference = ctx.get("INF_INTERRUPT_AE")
    if reference is None:
        return "The infusion was interrupted: link the adverse event that caused the interruption."
    known = {str(ae).strip() for ae in ctx.context.get("ae_ids") or []}
    if reference not in known:
        return f"Adverse event {reference} is not recorded for this subject: record the AE first, then link it."
    return None


def _within(value: Decimal, bounds: Any) -> bool:
    low, high = (Decimal(str(v)) for v in bounds)
    return low <= value <= high


def _vital_range(name: str, measure: str, label: str, unit: str, when: str, key: str, severity: str):
    def test(ctx: CheckContext) -> str | None:
        value = ctx.get(name)
        if _within(value, ctx.params[key][measure]):
            return None
        low, high = (Decimal(str(v)) for v in ctx.params[key][measure])
        if severity == "soft" and not _within(value, ctx.params["vital_sign_entry_ranges"][measure]):
            return None  # an impossible value is a typing error, already refused by the range check
        if severity == "hard":
            return (f"{label} {when}: {value} {unit} is outside the physiological range {low}-{high} {unit}; "
                    "check the entry.")
        return (f"{label} {when}: {value} {unit} is outside the expected range {low}-{high} {unit}; confirm and "
                "record any adverse event.")
    return test


def _vital_fields() -> tuple[Field, ...]:
    return tuple(
        Field(f"VS_{tp}_{measure}", f"{label} {when}", "decimal", f"{S7} vitals", unit=unit, section="Vital signs")
        for tp, when in TIMEPOINTS for measure, label, unit in VITALS
    )


def _vital_checks() -> tuple[Check, ...]:
    checks = []
    for tp, when in TIMEPOINTS:
        for measure, label, unit in VITALS:
            name = f"VS_{tp}_{measure}"
            checks.append(Check(
                f"INF_{name}_RANGE", "hard", (name,), f"{name} within vital_sign_entry_ranges[{measure}]",
                f"{label} {when} is outside the physiological range.", f"{S7} vitals (range HARD)",
                _vital_range(name, measure, label, unit, when, "vital_sign_entry_ranges", "hard"), needs=(name,)))
            checks.append(Check(
                f"INF_{name}_CLINICAL", "soft", (name,), f"{name} within vital_sign_clinical_ranges[{measure}]",
                f"{label} {when} is outside the expected range.", f"{S7} vitals (clinical SOFT)",
                _vital_range(name, measure, label, unit, when, "vital_sign_clinical_ranges", "soft"), needs=(name,)))
    return tuple(checks)


FIELDS = (
    Field("INF_NO", "Infusion number", "integer", f"{S7} INF_NO", min=1, section="Infusion"),
    Field("INF_DT", "Infusion date", "date", S7, section="Infusion"),
    Field("CHEMO_COURSE_END_DT", "Last day of the preceding chemotherapy course", "date", f"{S7} CHEMO_COURSE_END_DT",
          required=False, section="Infusion", help="Taken from the chemotherapy form when left blank."),
    Field("WEIGHT_KG", "Body weight", "decimal", f"{S7} WEIGHT_KG", unit="kg", section="Dose"),
    Field("WEIGHT_DT", "Date the weight was measured", "date", f"{S7} WEIGHT_DT", section="Dose"),
    Field("DOSE_ACTUAL", "Viable NK cells infused", "decimal", f"{S7} DOSE_ACTUAL", unit="cells", min=0,
          section="Dose", help="Total viable NK cells in the infused volume (e.g. 100000000)."),
    Field("DOSE_PLANNED", "Planned dose", "decimal", f"{S7} DOSE_PLANNED", unit="cells", derived=True,
          section="Dose"),
    Field("DOSE_PER_KG", "Dose per kg", "decimal", f"{S7} DOSE_PER_KG", unit="cells/kg", derived=True,
          section="Dose"),
    Field("DOSE_DEV_PCT", "Deviation from the planned dose", "decimal", f"{S7} DOSE_ACTUAL", unit="%",
          derived=True, section="Dose"),
    Field("DAYS_AFTER_CHEMO", "Days after the end of chemotherapy", "integer", f"{S7} CHEMO_COURSE_END_DT",
          derived=True, section="Infusion"),
    Field("THAW_DTC", "Thawed at", "datetime", f"{S7} THAW_DTC", section="Administration"),
    Field("INF_START_DTC", "Infusion started at", "datetime", f"{S7} INF_START_DTC", section="Administration"),
    Field("INF_END_DTC", "Infusion ended at", "datetime", f"{S7} INF_END_DTC", section="Administration"),
    Field("PREMED", "Premedication given", "text", f"{S7} PREMED", required=False, max_length=300,
          section="Administration", help="Agents and doses; leave blank when none."),
    Field("PREMED_STEROID", "Premedication included a corticosteroid", "yesno", f"{S7} PREMED",
          section="Administration"),
    *_vital_fields(),
    Field("INF_INTERRUPTED", "Infusion interrupted", "yesno", f"{S7} INF_INTERRUPTED", section="Administration"),
    Field("INF_INTERRUPT_AE", "Adverse event that caused the interruption", "text", f"{S7} INF_INTERRUPTED",
          required=False, max_length=50, section="Administration"),
)

CHECKS = (
    Check("INF_MAX_NUMBER", "hard", ("INF_NO",), "INF_NO <= nk_max_infusions",
          "The protocol's maximum number of infusions is exceeded.", f"{S7} INF_NO", _max_number, needs=("INF_NO",)),
    Check("INF_SEQUENCE", "hard", ("INF_NO", "INF_DT"),
          "infusion numbers 1..n without gaps or repeats, dated in the order of their numbers",
          "Infusions are numbered in order without gaps.", f"{S7} INF_NO", _sequence, needs=("INF_NO",)),
    Check("INF_EXTRA_GATE", "hard", ("INF_NO",),
          "INF_NO > nk_base_infusions requires EXTRA_INF_ELIG = Y (overall response after infusion 3 in "
          "extra_infusion_min_response)",
          "Extra infusions need the tumour response the protocol requires after the base infusions.", GATE, _extra_gate,
          needs=("INF_NO",)),
    Check("INF_RELEASE_PASSED", "hard", ("INF_START_DTC",), "RELEASE_QC_PASSED = Y for the bag before INF_START",
          "The NK-cell product must pass its release tests before infusion.", f"{S7} RELEASE_QC_PASSED", _release),
    Check("INF_WINDOW_MINIMUM", "hard", ("INF_DT", "CHEMO_COURSE_END_DT"),
          "DAYS_AFTER_CHEMO >= infusion_hard_min_days (never before the course ended)",
          "The infusion is too soon after chemotherapy.", f"{S7} CHEMO_COURSE_END_DT", _window_hard,
          needs=("DAYS_AFTER_CHEMO",)),
    Check("INF_WINDOW", "soft", ("INF_DT", "CHEMO_COURSE_END_DT"),
          "infusion_window_min_days <= DAYS_AFTER_CHEMO <= infusion_window_max_days",
          "The infusion is outside the protocol window after chemotherapy.", f"{S7} CHEMO_COURSE_END_DT",
          _window_soft, needs=("DAYS_AFTER_CHEMO",)),
    Check("INF_CHEMO_END_MATCH", "soft", ("CHEMO_COURSE_END_DT",),
          "CHEMO_COURSE_END_DT equals the end date on the chemotherapy form",
          "The chemotherapy end date differs from the chemotherapy form.", f"{S7} CHEMO_COURSE_END_DT",
          _chemo_end_matches, needs=("CHEMO_COURSE_END_DT",)),
    Check("INF_WEIGHT_RANGE", "hard", ("WEIGHT_KG",), "WEIGHT_KG within weight_entry_range_kg",
          "The weight is outside the possible range.", f"{S7} WEIGHT_KG", _weight_range, needs=("WEIGHT_KG",)),
    Check("INF_WEIGHT_RECENT", "soft", ("WEIGHT_DT", "INF_DT"), "0 <= INF_DT - WEIGHT_DT <= weight_recency_days",
          "The dose should be based on a recent weight.", f"{S7} WEIGHT_DT", _weight_recent,
          needs=("WEIGHT_DT", "INF_DT")),
    Check("INF_DOSE_TOLERANCE", "soft", ("DOSE_ACTUAL", "WEIGHT_KG"),
          "nk_dose_tolerance_soft_pct < |DOSE_DEV_PCT| <= nk_dose_tolerance_hard_pct",
          "The dose infused is outside the tolerance of the planned dose.", f"{S7} DOSE_ACTUAL", _dose_soft,
          needs=("DOSE_DEV_PCT",)),
    Check("INF_DOSE_LIMIT", "hard", ("DOSE_ACTUAL", "WEIGHT_KG"), "|DOSE_DEV_PCT| <= nk_dose_tolerance_hard_pct",
          "The dose infused is too far from the planned dose.", f"{S7} DOSE_ACTUAL", _dose_hard,
          needs=("DOSE_DEV_PCT",)),
    Check("INF_START_AFTER_THAW", "hard", ("THAW_DTC", "INF_START_DTC"), "INF_START_DTC >= THAW_DTC",
          "The infusion cannot start before the product was thawed.", f"{S7} THAW_DTC",
          lambda ctx: ctx.get("INF_START_DTC") >= ctx.get("THAW_DTC"), needs=("THAW_DTC", "INF_START_DTC")),
    Check("INF_THAW_TO_START", "soft", ("THAW_DTC", "INF_START_DTC"), "INF_START_DTC - THAW_DTC <= thaw_to_start_max_min",
          "The infusion started too long after thawing.", f"{S7} THAW_DTC", _thaw_to_start,
          needs=("THAW_TO_START_MIN",)),
    Check("INF_END_AFTER_START", "hard", ("INF_START_DTC", "INF_END_DTC"), "INF_END_DTC >= INF_START_DTC",
          "The infusion cannot end before it started.", f"{S7} INF_END_DTC",
          lambda ctx: ctx.get("INF_END_DTC") >= ctx.get("INF_START_DTC"), needs=("INF_START_DTC", "INF_END_DTC")),
    Check("INF_START_ON_INF_DT", "hard", ("INF_START_DTC", "INF_DT"), "date of INF_START_DTC = INF_DT",
          "The infusion start time must be on the infusion date.", f"{S7} INF_START_DTC",
          lambda ctx: ctx.get("INF_START_DTC").date() == ctx.get("INF_DT"), needs=("INF_START_DTC", "INF_DT")),
    *_vital_checks(),
    Check("INF_PREMED_STEROID", "soft", ("PREMED_STEROID",), "PREMED_STEROID = N",
          "Corticosteroid premedication may suppress NK cells: confirm it was indicated and record it as a "
          "concomitant medication.", f"{S7} PREMED; spec 1.2 E9",
          lambda ctx: ctx.get("PREMED_STEROID") != "Y", needs=("PREMED_STEROID",)),
    Check("INF_INTERRUPT_AE", "hard", ("INF_INTERRUPTED", "INF_INTERRUPT_AE"),
          "INF_INTERRUPTED = Y requires INF_INTERRUPT_AE naming a recorded AE",
          "An interrupted infusion needs its adverse event record.", f"{S7} INF_INTERRUPTED", _interrupt_ae,
          needs=("INF_INTERRUPTED",)),
)

FORMS = (
    FormDef("infusion", 1, "NK-cell infusion", FIELDS, CHECKS, derive=_derive, repeating=True, clause=S7,
            description="One record per NK-cell infusion (NK arm only): dose, timing, premedication, vital signs."),
)
