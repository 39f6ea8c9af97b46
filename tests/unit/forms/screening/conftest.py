"""Screening cases as the harness receives them: every value a string, ``null`` for blank."""
from __future__ import annotations

import copy
from typing import Any, Callable

import pytest

from config.protocol import REGISTRY
from forms.core import evaluate
from forms.harness import run_case, to_json_value
from forms.registry import get_form

ENRLDT = "2025-01-15"

ELIGIBLE_DATA: dict[str, str | None] = {
    "BRTHDTC": "2017-05-10", "ICDTC": "2025-01-06", "SEX": "M", "WEIGHT_KG": "20", "HEIGHT_CM": "120",
    "IC_PARENT_SIGNED": "Y", "IC_VERSION": "2.0",
    "INRG_RISK": "HIGH", "INDUCT_CYC_N": "5", "INDUCT_RESP": "SD", "DIS_STATUS": "REFRACTORY",
    "PRIOR_ASCT": "N", "PRIOR_ASCT_DT": None, "PRIOR_AGGR_THER": None, "LIFE_EXP_M": "12",
    "DX_METHOD": "HISTOLOGY", "DX_HISTO": "NB", "BM_TUMOR": "N",
    "UCAT_VMA": "10", "UCAT_VMA_ULN": "12", "UCAT_HVA": "8", "UCAT_HVA_ULN": "15",
    "BM_ONLY": "N", "BM_PATH_CONFIRMED": None,
    "LES_LD_MM": "25", "LES_MIBG_AVID": "Y", "FDG_AVID": None, "MIBG_DT": "2025-01-08", "CTMRI_DT": "2025-01-08",
    "PET_DT": None, "CURIE_BASE": "6",
    "LAB_DT": "2025-01-10", "PLT": "150000", "PLT_DT": "2025-01-10", "LAST_PLT_TX_DT": None, "ANC": "1500",
    "HGB": "11.2", "LAST_RBC_TX_DT": None, "BILI": "0.5", "BILI_ULN": "1.0", "ALT": "30",
    "CRCL_METHOD": None, "CRCL": None, "CREAT": "0.5", "CREAT_DT": "2025-01-10", "CREAT_ULN": None,
    "HIV_TEST": "AG_AB", "HIV_RESULT": "NEG", "HIV_DT": "2025-01-10",
    "SEIZ_HX": "N", "SEIZ_CONTROLLED": None, "AED_LIST": None,
    "ECHO_DT": "2025-01-09", "SF_PCT": "35", "EF_PCT": "62", "EF_METHOD": "ECHO",
    "DYSP_REST": "N", "EX_INTOL": "N", "O2_CHRONIC": "N", "SPO2_INDICATED": "Y", "SPO2_RA": "98",
    "PLEUR_EFF_CUR": "N", "PERIC_EFF_CUR": "N", "EMERG_COND": "N", "EMERG_COND_TEXT": None,
    "OTHER_TRIAL_CUR": "N", "OTHER_TRIAL_TYPE": None, "COMPLY_ABLE": "Y",
}

ELIGIBLE_CONTEXT: dict[str, Any] = {
    "ENRLDT": ENRLDT,
    "conmeds": [
        {"CMTRT": "Ondansetron", "CMDOSE_MG_DAY": "8", "CMROUTE": "ORAL", "CMSTDTC": "2025-01-02", "CMENDTC": None},
        {"CMTRT": "Prednisolone", "CMDOSE_MG_DAY": "2", "CMROUTE": "ORAL", "CMSTDTC": "2024-12-20", "CMENDTC": None},
    ],
    "baseline_conditions": [
        {"TERM": "Anemia", "SOC": "Blood and lymphatic system disorders", "GRADE": "2", "ONGOING": "Y"},
        {"TERM": "Nausea", "SOC": "Gastrointestinal disorders", "GRADE": "1", "ONGOING": "Y"},
    ],
}


def eligible_payload() -> dict[str, Any]:
    """A complete eligible screening case, as the harness receives it."""
    return {"data": dict(ELIGIBLE_DATA), "context": copy.deepcopy(ELIGIBLE_CONTEXT)}


@pytest.fixture
def eligible_case() -> dict[str, Any]:
    return eligible_payload()


class Screened:
    """One harness result with the questions the tests ask of it."""

    def __init__(self, raw: dict[str, Any]):
        self.raw = raw
        self.findings: list[dict[str, Any]] = raw["findings"]
        self.derived: dict[str, Any] = raw["derived"]

    @property
    def eligible(self) -> bool:
        return self.derived["eligible"]

    @property
    def failed(self) -> list[str]:
        return self.derived["failed_criteria"]

    def checks(self, severity: str | None = None) -> list[str]:
        return [f["check"] for f in self.findings if severity is None or f["severity"] == severity]

    def finding(self, check: str) -> dict[str, Any]:
        found = [f for f in self.findings if f["check"] == check]
        assert len(found) == 1, f"expected one {check} finding, got {self.findings}"
        return found[0]


def screen_case(data: dict[str, Any] | None = None, context: dict[str, Any] | None = None,
                params: dict[str, Any] | None = None) -> Screened:
    """Run the eligible case with ``data``/``context`` entries replaced.

    Without ``params`` the case goes through the public harness (``run_case``); with ``params`` the same
    payload is evaluated under ``REGISTRY.with_overrides(params)`` and shaped like the harness output.
    """
    case = eligible_payload()
    case["data"].update(data or {})
    case["context"].update(context or {})
    if params is None:
        return Screened(run_case("screening", case))
    result = evaluate(get_form("screening"), case["data"], case["context"], REGISTRY.with_overrides(params))
    return Screened({
        "form": "screening",
        "findings": [finding.as_dict() for finding in result.findings],
        "derived": to_json_value(result.derived),
    })


@pytest.fixture
def screen() -> Callable[..., Screened]:
    return screen_case
