"""One assessment's values as the response rules read them, typed, whatever form they arrived in."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Mapping

from config.protocol import Parameters

from . import mibg
from .values import to_code, to_date, to_decimal, to_flag

ZERO = Decimal(0)


def lesion_names(params: Parameters) -> tuple[tuple[str, str, str], ...]:
    """``(organ, node, diameter)`` field names of each target lesion slot."""
    return tuple(
        (f"LES{n}_ORGAN", f"LES{n}_NODE", f"LES{n}_DIAM_MM")
        for n in range(1, int(params["inrc_target_lesions_max"]) + 1)
    )


def lesion_sum(values: Mapping[str, Any], params: Parameters) -> Decimal | None:
    """Sum of the target lesion diameters entered (long axis, short axis for nodes); ``None`` if none."""
    diameters = [to_decimal(values.get(diameter)) for _, _, diameter in lesion_names(params)]
    given = [d for d in diameters if d is not None]
    return sum(given, ZERO) if given else None


@dataclass(frozen=True)
class Facts:
    assess_date: date | None
    kind: str | None
    prim_present: bool | None
    prim_ld: Decimal | None
    prim_uptake: str | None
    met_present: bool | None
    target_sum: Decimal | None
    all_lt10: bool | None
    nontarget: str | None
    uptake_resolved: bool | None
    new_lesion: bool | None
    mibg_done: bool | None
    ctmri_done: bool | None
    method: str | None
    scan_type: str | None
    curie_total: int | None
    curie_bone: int | None
    siopen_total: int | None
    bm_done: bool | None
    bm_pct: Decimal | None
    bm_adequate: bool | None

    @property
    def primary_size(self) -> Decimal | None:
        """Longest diameter, 0 when the primary is absent (resected or gone): nothing left to measure."""
        return ZERO if self.prim_present is False else self.prim_ld

    @property
    def target_size(self) -> Decimal | None:
        """Target sum of diameters, 0 when no metastatic disease is present."""
        if self.target_sum is not None:
            return self.target_sum
        return ZERO if self.met_present is False else None

    @property
    def bone_score(self) -> int | None:
        """The bone score of the method in use: Curie bone for CURIE/BOTH/undeclared, else SIOPEN."""
        if self.method == "SIOPEN":
            return self.siopen_total
        return self.curie_bone if self.curie_bone is not None else self.siopen_total


def _present(flag: Any, size: Decimal | None) -> bool | None:
    """A Y/N presence flag; when blank, presence is read from a measured size (> 0 means present)."""
    known = to_flag(flag)
    if known is not None or size is None:
        return known
    return size > 0


def facts_of(values: Mapping[str, Any], params: Parameters, stored_totals: bool = True) -> Facts:
    """Read an assessment (typed values or strings).

    With ``stored_totals`` the MIBG totals a saved assessment carries (``CURIE_TOTAL``, ``CURIE_BONE``,
    ``SIOPEN_TOTAL``) stand in when its segments are not given; never for the assessment being derived, whose
    totals must come from its own segments.
    """
    prim_ld = to_decimal(values.get("PRIM_LD_MM"))
    typed_sum = to_decimal(values.get("MET_TARGET_SOD_MM"))
    target_sum = typed_sum if typed_sum is not None else lesion_sum(values, params)
    curie_total = mibg.curie_total(values)
    curie_bone = mibg.curie_bone(values, params)
    siopen_total = mibg.siopen_total(values)
    return Facts(
        assess_date=to_date(values.get("ASSESS_DT")),
        kind=to_code(values.get("ASSESS_TYPE")),
        prim_present=_present(values.get("PRIM_PRESENT"), prim_ld),
        prim_ld=prim_ld,
        prim_uptake=to_code(values.get("PRIM_UPTAKE")),
        met_present=_present(values.get("MET_PRESENT"), target_sum),
        target_sum=target_sum,
        all_lt10=to_flag(values.get("MET_ALL_LT10MM")),
        nontarget=to_code(values.get("MET_NONTARGET")),
        uptake_resolved=to_flag(values.get("MET_UPTAKE_RESOLVED")),
        new_lesion=to_flag(values.get("NEW_LESION")),
        mibg_done=to_flag(values.get("MIBG_DONE")),
        ctmri_done=to_flag(values.get("CTMRI_DONE")),
        method=mibg.scoring_method(values),
        scan_type=to_code(values.get("MIBG_SCAN_TYPE")),
        curie_total=_or_stored(curie_total, values, "CURIE_TOTAL", stored_totals),
        curie_bone=_or_stored(curie_bone, values, "CURIE_BONE", stored_totals),
        siopen_total=_or_stored(siopen_total, values, "SIOPEN_TOTAL", stored_totals),
        bm_done=to_flag(values.get("BM_DONE")),
        bm_pct=to_decimal(values.get("BM_PCT")),
        bm_adequate=to_flag(values.get("BM_ADEQUATE")),
    )


def _or_stored(computed: int | None, values: Mapping[str, Any], name: str, allowed: bool) -> int | None:
    if computed is not None or not allowed:
        return computed
    number = to_decimal(values.get(name))
    return int(number) if number is not None and number == number.to_integral_value() else None
