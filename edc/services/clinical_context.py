"""Context builders for the treatment, safety and response forms: the facts each form's checks read
from the subject's other forms, in the shape its module docstring (and the harness) documents."""
from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo
from typing import Any, Mapping

from sqlalchemy.orm import Session

from forms.response.derive import baseline_of, nadir_of

from ..models import FormInstance, Subject
from .consent_state import latest_record
from .context import builder
from .records import instances, values_of
from .dictionary import active_dictionary


def site_now(subject: Subject) -> datetime:
    """The site's wall-clock time, naive like the datetimes typed on its forms."""
    return datetime.now(timezone.utc).astimezone(ZoneInfo(subject.site.timezone)).replace(tzinfo=None)


def _date(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text[:10]) if text else None
    except ValueError:
        return None


def _consent_date(session: Session, subject: Subject) -> str | None:
    record = latest_record(session, subject)
    return record.consent_date.isoformat() if record else None


def _courses(session: Session, subject: Subject, exclude: FormInstance | None = None) -> list[dict[str, Any]]:
    return [
        {k: v.get(k) for k in ("CHEMO_NO", "CHEMO_STDT", "CHEMO_ENDT")}
        for v in (values_of(i) for i in instances(session, subject, "chemotherapy", exclude))
    ]


def _infusions(session: Session, subject: Subject, exclude: FormInstance | None = None) -> list[dict[str, Any]]:
    return [
        {k: v.get(k) for k in ("INF_NO", "INF_DT", "INF_START_DTC", "INF_END_DTC")}
        for v in (values_of(i) for i in instances(session, subject, "infusion", exclude))
    ]


def _assessments(session: Session, subject: Subject, exclude: FormInstance | None = None) -> list[tuple[FormInstance, dict]]:
    rows = [(i, values_of(i)) for i in instances(session, subject, "tumour_assessment", exclude)]
    return sorted(rows, key=lambda pair: (pair[1].get("ASSESS_DT") or "", pair[0].id))


def first_treatment_date(session: Session, subject: Subject) -> str | None:
    """The first chemotherapy course start or infusion date on study."""
    dates = [c["CHEMO_STDT"] for c in _courses(session, subject) if c.get("CHEMO_STDT")]
    dates += [i["INF_DT"] for i in _infusions(session, subject) if i.get("INF_DT")]
    return min(dates) if dates else None


@builder("chemotherapy")
def chemotherapy_context(session, subject, slot, data, instance) -> dict[str, Any]:
    return {"courses": _courses(session, subject, instance)}


@builder("infusion")
def infusion_context(session, subject, slot, data: Mapping[str, Any], instance) -> dict[str, Any]:
    infusion_day = _date(data.get("INF_DT"))
    courses = [c for c in _courses(session, subject) if _date(c.get("CHEMO_ENDT"))]
    preceding = [c for c in courses if infusion_day is None or _date(c["CHEMO_ENDT"]) <= infusion_day]
    chemo_end = max((c["CHEMO_ENDT"] for c in preceding), default=None)
    products = [values_of(i) for i in instances(session, subject, "nk_product")
                if i.event_key == slot.event_key and i.event_repeat == slot.event_repeat]
    release = None if not products else all(p.get("RELEASE_QC_PASSED") == "Y" for p in products)
    adverse_events = instances(session, subject, "adverse_event")
    return {
        "previous_infusions": [{k: i[k] for k in ("INF_NO", "INF_DT")} for i in _infusions(session, subject, instance)],
        "CHEMO_COURSE_END_DT": chemo_end,
        "extra_infusion_eligible": extra_infusion_eligible(session, subject),
        "product_release_passed": release,
        "ae_ids": [str(ae.repeat_no) for ae in adverse_events] + [f"AE {ae.repeat_no}" for ae in adverse_events],
    }


def extra_infusion_eligible(session: Session, subject: Subject) -> bool | None:
    """The spec 4.4 gate: the derived EXTRA_INF_ELIG of the first response assessment after infusion 3."""
    third = next((i for i in _infusions(session, subject) if str(i.get("INF_NO")) == "3" and i.get("INF_DT")), None)
    if third is None:
        return None
    after = [v for _, v in _assessments(session, subject)
             if v.get("ASSESS_TYPE") != "BASELINE" and (v.get("ASSESS_DT") or "") > third["INF_DT"]]
    if not after:
        return None
    return after[0].get("EXTRA_INF_ELIG") == "Y"


@builder("adverse_event")
def adverse_event_context(session, subject, slot, data, instance) -> dict[str, Any]:
    version, dictionary = active_dictionary(session)
    return {
        "dictionary": dictionary,
        "dictionary_version": version,
        "ICDTC": _consent_date(session, subject),
        "arm": subject.arm,
        "infusions": _infusions(session, subject),
        "death_recorded": bool(instances(session, subject, "death")),
        "now": site_now(subject).isoformat(),
        "as_of": site_now(subject).date().isoformat(),
    }


def _grade5(session: Session, subject: Subject) -> bool:
    return any(values_of(i).get("AETOXGR") == "5" for i in instances(session, subject, "adverse_event"))


@builder("end_of_study")
def end_of_study_context(session, subject, slot, data, instance) -> dict[str, Any]:
    deaths = [values_of(i) for i in instances(session, subject, "death")]
    return {
        "ICDTC": _consent_date(session, subject),
        "death_recorded": bool(deaths),
        "death_date": deaths[0].get("DTHDTC") if deaths else None,
        "grade5_ae": _grade5(session, subject),
    }


@builder("death")
def death_context(session, subject, slot, data, instance) -> dict[str, Any]:
    return {"ICDTC": _consent_date(session, subject), "grade5_ae": _grade5(session, subject),
            "last_infusion_dt": max((i["INF_DT"] for i in _infusions(session, subject) if i.get("INF_DT")), default=None)}


@builder("tumour_assessment")
def tumour_assessment_context(session, subject, slot, data: Mapping[str, Any], instance) -> dict[str, Any]:
    """``baseline``: the last assessment before first treatment; ``nadir``: smallest on study before this one."""
    others = [v for _, v in _assessments(session, subject, instance)]
    baseline = baseline_of(others, first_treatment_date(session, subject))
    this_day = data.get("ASSESS_DT") or ""
    earlier = [v for v in others if (v.get("ASSESS_DT") or "") < this_day]
    if baseline is not None and baseline not in earlier:
        earlier.append(baseline)
    context: dict[str, Any] = {}
    if baseline is not None and (baseline.get("ASSESS_DT") or "") < this_day:
        context["baseline"] = dict(baseline)
        context["nadir"] = nadir_of(earlier)
    return context
