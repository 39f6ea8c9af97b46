"""Complete, valid form payloads shared by the integration tests (as a user would type them)."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

TODAY = datetime.now(timezone.utc).astimezone(ZoneInfo("Asia/Tehran")).date()
"""The test sites' calendar day (Asia/Tehran): the app dates consent and enrolment in site time."""
CONSENT_DAY = TODAY - timedelta(days=10)


def years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def eligible_screening(consent_day: date = CONSENT_DAY, birth: date | None = None) -> dict[str, str | None]:
    """A complete eligible screening form dated around ``consent_day`` (labs 3 days ago, imaging 5)."""
    labs, imaging = (TODAY - timedelta(days=3)).isoformat(), (TODAY - timedelta(days=5)).isoformat()
    return {
        "BRTHDTC": (birth or years_before(consent_day, 8)).isoformat(), "ICDTC": consent_day.isoformat(), "SEX": "M",
        "WEIGHT_KG": "20", "HEIGHT_CM": "120", "IC_PARENT_SIGNED": "Y", "IC_VERSION": "1.0",
        "INRG_RISK": "HIGH", "INDUCT_CYC_N": "5", "INDUCT_RESP": "SD", "DIS_STATUS": "REFRACTORY", "PRIOR_ASCT": "N",
        "LIFE_EXP_M": "12", "DX_METHOD": "HISTOLOGY", "DX_HISTO": "NB", "BM_TUMOR": "N",
        "UCAT_VMA": "10", "UCAT_VMA_ULN": "12", "UCAT_HVA": "8", "UCAT_HVA_ULN": "15", "BM_ONLY": "N",
        "LES_LD_MM": "25", "LES_MIBG_AVID": "Y", "MIBG_DT": imaging, "CTMRI_DT": imaging, "CURIE_BASE": "6",
        "LAB_DT": labs, "PLT": "150000", "PLT_DT": labs, "ANC": "1500", "HGB": "11.2", "BILI": "0.5",
        "BILI_ULN": "1.0", "ALT": "30", "CREAT": "0.5", "CREAT_DT": labs, "HIV_TEST": "AG_AB", "HIV_RESULT": "NEG",
        "HIV_DT": labs, "SEIZ_HX": "N", "ECHO_DT": imaging, "SF_PCT": "35", "EF_PCT": "62", "EF_METHOD": "ECHO",
        "DYSP_REST": "N", "EX_INTOL": "N", "O2_CHRONIC": "N", "SPO2_INDICATED": "Y", "SPO2_RA": "98",
        "PLEUR_EFF_CUR": "N", "PERIC_EFF_CUR": "N", "EMERG_COND": "N", "OTHER_TRIAL_CUR": "N", "COMPLY_ABLE": "Y",
    }
