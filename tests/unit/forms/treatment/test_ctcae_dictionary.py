"""CTCAE v5.0 dictionary: the full shared transcription, the shipped short-list, CSV exchange, bad input."""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from forms.ctcae import grade_choices, load_shortlist, lookup, parse_ctcae_csv, parse_ctcae_json
from forms.ctcae.parse import write_ctcae_csv

GRADE_PATTERNS = {  # spec 2.1: grade-availability patterns across all 837 terms
    (1, 2, 3, 4, 5): 330, (1, 2, 3): 196, (2, 3, 4, 5): 100, (1, 2, 3, 4): 49, (3, 4, 5): 45, (1, 2): 42, (1,): 18,
    (2,): 11, (4, 5): 10, (2, 3): 9, (2, 3, 4): 7, (1, 3): 4, (1, 3, 4, 5): 4, (3, 4): 3, (5,): 3, (4,): 2, (3,): 2,
    (1, 4, 5): 1, (1, 2, 3, 5): 1,
}


@pytest.fixture(scope="module")
def full(shared_protocol):
    return parse_ctcae_json(shared_protocol / "ctcae-v5.0.json")


def test_the_importer_loads_all_837_terms_of_the_shared_file_without_error(full):
    assert full.errors == []
    assert len(full.terms) == 837
    assert len({t.soc for t in full.terms}) == 26


def test_grade_availability_matches_the_pattern_table_of_the_spec(full):
    assert Counter(t.defined_grades for t in full.terms) == GRADE_PATTERNS


def test_the_three_grade_5_only_terms_are_the_deaths_and_progression(full):
    only_5 = sorted(t.term for t in full.terms if t.defined_grades == (5,))
    assert only_5 == ["Death NOS", "Disease progression", "Sudden death NOS"]


def test_every_term_gets_its_soc_code_from_the_socs_other_specify_term(full):
    by_term = {t.term: t for t in full.terms}
    assert all(t.soc_code for t in full.terms)
    assert by_term["Anemia"].soc_code == "10005329"
    assert sum(t.other_specify for t in full.terms) == 26


def test_undefined_grades_definitions_and_notes_are_absent_not_dashes(full):
    death = next(t for t in full.terms if t.term == "Death NOS")
    assert death.grades == {5: "Death"}
    anemia = next(t for t in full.terms if t.term == "Anemia")
    assert anemia.nav is None and anemia.definition.startswith("A disorder characterized")


def test_the_short_list_holds_the_54_trial_terms_then_every_other_specify_term():
    shortlist = load_shortlist()
    specific = [t for t in shortlist if not t.other_specify]
    assert len(specific) == 53  # term 51 of spec 2.2 is itself an "Other, specify" term
    assert shortlist[0].term == "Infusion related reaction" and shortlist[53].term == "Disease progression"
    assert sum(t.other_specify for t in shortlist) == 26
    assert len(shortlist) == 54 + 25


def test_every_short_list_term_matches_the_full_dictionary(full):
    by_term = {t.term: t for t in full.terms}
    for term in load_shortlist():
        reference = by_term[term.term]
        assert (term.meddra, term.soc, term.soc_code) == (reference.meddra, reference.soc, reference.soc_code)
        assert term.grades == reference.grades, term.term


@pytest.mark.parametrize(
    "term, grades",
    [("Anaphylaxis", ["3", "4", "5"]), ("Death NOS", ["5"]), ("Hyperuricemia", ["1", "3", "4", "5"]),
     ("Chills", ["1", "2", "3"]), ("Hypoxia", ["2", "3", "4", "5"]), ("Nonexistent", [])],
)
def test_the_grade_pick_list_offers_only_defined_grades_with_their_descriptions(term, grades):
    choices = grade_choices(term)
    assert [code for code, _ in choices] == grades
    if choices:
        assert choices[-1][1].startswith(f"{grades[-1]}: ")


def test_lookup_accepts_string_grade_keys_and_any_letter_case():
    found = lookup("FEVER", {"Fever": {"meddra": "10016558", "soc": "General", "grades": {"1": "a"}}})
    assert found == ("Fever", {"meddra": "10016558", "soc": "General", "grades": {1: "a"}, "other_specify": False})


def test_a_csv_export_in_ncis_layout_round_trips(full, tmp_path):
    path = tmp_path / "ctcae.csv"
    write_ctcae_csv(full.terms, path)
    back = parse_ctcae_csv(path)
    assert back.errors == []
    assert back.terms == full.terms


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_csv_dashes_blanks_and_a_byte_order_mark_are_read_as_in_ncis_file(tmp_path):
    path = tmp_path / "nci.csv"
    path.write_text(
        "\ufeffMedDRA Code,MedDRA SOC,CTCAE Term,Grade 1,Grade 2,Grade 3,Grade 4,Grade 5,Definition,"
        "Navigational Note,CTCAE v5.0 Change\n"
        "10002218.0,Immune system disorders,Anaphylaxis,-,\u2013,Symptomatic,Life-threatening,Death,,,new\n",
        encoding="utf-8")
    parsed = parse_ctcae_csv(path)
    assert parsed.errors == []
    (term,) = parsed.terms
    assert (term.meddra, term.defined_grades, term.definition) == ("10002218", (3, 4, 5), None)


def test_csv_errors_name_the_line_of_each_bad_row(tmp_path):
    path = _write(tmp_path / "bad.csv",
                  "MedDRA Code,MedDRA SOC,CTCAE Term,Grade 1,Grade 2,Grade 3,Grade 4,Grade 5\n"
                  '10002272,Blood,Anemia,"two\nline text",-,-,-,-\n'
                  "1000,Blood,Short code,a,-,-,-,-\n"
                  "\n"
                  "10016558,General,Fever,-,-,-,-,-\n"
                  "10016559,General,Anemia,a,-,-,-,-\n")
    parsed = parse_ctcae_csv(path)
    assert [t.term for t in parsed.terms] == ["Anemia"]
    assert [(e.line, e.message) for e in parsed.errors] == [
        (4, "MedDRA code '1000' is not an 8-digit code"),
        (6, "no grade is defined"),
        (7, "term 'Anemia' repeats entry 1"),
    ]


def test_a_csv_without_ncis_columns_is_refused_as_a_whole(tmp_path):
    parsed = parse_ctcae_csv(_write(tmp_path / "x.csv", "Code,Term\n1,a\n"))
    assert parsed.terms == []
    assert parsed.errors[0].line == 1 and '"Meddra Code"' in parsed.errors[0].message


def test_json_errors_name_the_line_of_each_bad_entry(tmp_path):
    entries = [
        {"term": "Anemia", "meddra": "10002272", "soc": "Blood", "g1": "a", "g2": " -", "g3": " -", "g4": " -",
         "g5": " -", "def": " -", "nav": " -"},
        {"term": "", "meddra": "10002273", "soc": "Blood", "g1": "a"},
        {"term": "Fever", "meddra": "10002272", "soc": "General", "g1": "a"},
    ]
    path = _write(tmp_path / "d.json", json.dumps(entries, indent=1))
    parsed = parse_ctcae_json(path)
    assert [t.term for t in parsed.terms] == ["Anemia"]
    assert [(e.line, e.entry, e.message) for e in parsed.errors] == [
        (14, 2, "the term is missing"),
        (20, 3, "MedDRA code 10002272 repeats entry 1"),
    ]
    assert str(parsed.errors[0]) == "line 14: the term is missing"


def test_loaded_json_data_reports_entry_numbers_instead_of_lines():
    parsed = parse_ctcae_json([{"term": "X", "meddra": "12345678", "soc": "S"}, "not an object"])
    assert [str(e) for e in parsed.errors] == ["entry 1: no grade is defined",
                                               "entry 2: an entry must be an object with term, meddra, soc, g1..g5"]


def test_malformed_json_is_refused_with_its_line(tmp_path):
    parsed = parse_ctcae_json(_write(tmp_path / "broken.json", '[\n {"term": "A",\n  "meddra": }\n]'))
    assert parsed.terms == [] and parsed.errors[0].line == 3
