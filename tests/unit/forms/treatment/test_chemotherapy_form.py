"""Chemotherapy course form: dates, overlap with other courses, numbering."""
from __future__ import annotations

import pytest

BASE = {"CHEMO_NO": "2", "REGIMEN": "Topotecan + cyclophosphamide", "CHEMO_STDT": "2025-02-01",
        "CHEMO_ENDT": "2025-02-05"}
COURSE_1 = {"CHEMO_NO": 1, "CHEMO_STDT": "2025-01-01", "CHEMO_ENDT": "2025-01-05"}


@pytest.fixture
def course(run):
    def _course(data=None, courses=None):
        return run("chemotherapy", BASE, {"courses": [COURSE_1] if courses is None else courses}, data=data)
    return _course


def test_a_second_course_after_the_first_raises_no_finding(course):
    result = course()
    assert result["findings"] == []
    assert result["derived"]["CHEMO_DAYS"] == 5


@pytest.mark.parametrize("end, expected", [("2025-02-01", None), ("2025-01-31", "hard")])
def test_the_course_cannot_end_before_it_starts(course, outcome, end, expected):
    assert outcome(course({"CHEMO_ENDT": end}), "CHEMO_END_AFTER_START") == expected


@pytest.mark.parametrize(
    "start, end, expected",
    [("2025-01-06", "2025-01-08", None), ("2025-01-05", "2025-01-08", "hard"), ("2024-12-30", "2025-01-01", "hard"),
     ("2024-12-28", "2025-01-10", "hard")],
)
def test_courses_do_not_overlap(course, outcome, start, end, expected):
    result = course({"CHEMO_STDT": start, "CHEMO_ENDT": end})
    assert outcome(result, "CHEMO_NO_OVERLAP") == expected


@pytest.mark.parametrize(
    "number, start, courses, expected",
    [
        ("1", "2025-01-01", [], None),
        ("2", "2025-02-01", [], "hard"),
        ("3", "2025-02-01", [COURSE_1], "hard"),
        ("1", "2025-02-01", [COURSE_1], "hard"),
        ("2", "2025-02-01", [COURSE_1, {"CHEMO_NO": 3, "CHEMO_STDT": "2025-03-01", "CHEMO_ENDT": "2025-03-05"}], None),
        ("2", "2024-12-01", [COURSE_1], "hard"),
    ],
)
def test_courses_are_numbered_in_date_order_without_gaps(course, outcome, number, start, courses, expected):
    end = start[:8] + "03"
    result = course({"CHEMO_NO": number, "CHEMO_STDT": start, "CHEMO_ENDT": end}, courses)
    assert outcome(result, "CHEMO_NUMBERING") == expected
