"""Read a CTCAE v5.0 dictionary from the shared JSON transcription or from a CSV export of NCI's spreadsheet.

Both readers validate every entry and keep going: a bad entry is left out and reported with its line
number, so an import can show the data manager everything that is wrong in one pass.
"""
from __future__ import annotations

import csv
import json
import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Iterable, Iterator, NamedTuple

GRADES = (1, 2, 3, 4, 5)

UNDEFINED_MARKERS = frozenset({"", "-", "\u2013", "\u2014", "n/a", "— (n/a)"})
"""How a source says "this grade is not defined for the term" (CTCAE prints an em dash; exports vary)."""

OTHER_SPECIFY_SUFFIX = "Other, specify"

_MEDDRA = re.compile(r"^\d{8}$")
_EXCEL_FLOAT = re.compile(r"^(\d{8})\.0+$")

CSV_COLUMNS: dict[str, tuple[str, ...]] = {
    "meddra": ("meddra code", "meddra llt code", "meddra v20.1 code"),
    "soc": ("meddra soc", "soc", "system organ class"),
    "term": ("ctcae term", "ctcae v5.0 term", "term"),
    "g1": ("grade 1",),
    "g2": ("grade 2",),
    "g3": ("grade 3",),
    "g4": ("grade 4",),
    "g5": ("grade 5",),
    "def": ("definition",),
    "nav": ("navigational note",),
}
"""Accepted header spellings (compared case-insensitively) for each column of NCI's spreadsheet."""

_REQUIRED_COLUMNS = ("meddra", "soc", "term", "g1", "g2", "g3", "g4", "g5")


@dataclass(frozen=True)
class CtcaeTerm:
    """One CTCAE term: its MedDRA LLT code, SOC and the grades defined for it (grade -> description)."""

    meddra: str
    term: str
    soc: str
    grades: dict[int, str] = field(hash=False)
    definition: str | None = None
    nav: str | None = None
    soc_code: str | None = None

    @property
    def other_specify(self) -> bool:
        """An "<SOC> - Other, specify" term: needs a verbatim description (its code is the SOC code)."""
        return self.term.endswith(OTHER_SPECIFY_SUFFIX)

    @property
    def defined_grades(self) -> tuple[int, ...]:
        return tuple(sorted(self.grades))

    def as_entry(self) -> dict[str, Any]:
        """The term as the AE form's ``dictionary`` context expects it."""
        return {
            "meddra": self.meddra,
            "soc": self.soc,
            "soc_code": self.soc_code,
            "grades": {str(grade): text for grade, text in sorted(self.grades.items())},
            "definition": self.definition,
            "other_specify": self.other_specify,
        }


@dataclass(frozen=True)
class ParseIssue:
    """A rejected entry (or a whole-file problem): where it is and what is wrong."""

    line: int | None
    entry: int | None
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}" if self.line is not None else f"entry {self.entry}" if self.entry else "file"
        return f"{where}: {self.message}"


class CtcaeParse(NamedTuple):
    terms: list[CtcaeTerm]
    errors: list[ParseIssue]


def is_undefined(text: Any) -> bool:
    return text is None or (isinstance(text, str) and text.strip().lower() in UNDEFINED_MARKERS)


def _optional_text(text: Any) -> str | None:
    if is_undefined(text) or not isinstance(text, str):
        return None
    return text.strip()


def _meddra_code(raw: Any) -> str:
    text = str(raw).strip() if raw is not None else ""
    excel = _EXCEL_FLOAT.match(text)
    return excel.group(1) if excel else text


def _entry_to_term(raw: dict[str, Any]) -> tuple[CtcaeTerm | None, list[str]]:
    """Validate one raw entry keyed like the JSON (term, meddra, soc, g1..g5, def, nav)."""
    problems: list[str] = []
    term = raw.get("term")
    if not isinstance(term, str) or not term.strip():
        problems.append("the term is missing")
    elif len(term.strip()) > 200:
        problems.append("the term is longer than 200 characters")
    meddra = _meddra_code(raw.get("meddra"))
    if not _MEDDRA.match(meddra):
        problems.append(f"MedDRA code {meddra or '(blank)'!r} is not an 8-digit code")
    soc = raw.get("soc")
    if not isinstance(soc, str) or not soc.strip():
        problems.append("the system organ class is missing")
    grades: dict[int, str] = {}
    for grade in GRADES:
        text = raw.get(f"g{grade}")
        if text is not None and not isinstance(text, str):
            problems.append(f"grade {grade} description is not text")
        elif not is_undefined(text):
            grades[grade] = text.strip()
    if not grades and not problems:
        problems.append("no grade is defined")
    if problems:
        return None, problems
    return (
        CtcaeTerm(
            meddra=meddra,
            term=term.strip(),
            soc=soc.strip(),
            grades=grades,
            definition=_optional_text(raw.get("def")),
            nav=_optional_text(raw.get("nav")),
        ),
        [],
    )


def _collect(entries: Iterable[tuple[int | None, int, Any]]) -> CtcaeParse:
    """Validate entries (line, 1-based index, raw) and refuse duplicate terms and codes."""
    terms: list[CtcaeTerm] = []
    errors: list[ParseIssue] = []
    seen_terms: dict[str, int] = {}
    seen_codes: dict[str, int] = {}
    for line, index, raw in entries:
        if not isinstance(raw, dict):
            errors.append(ParseIssue(line, index, "an entry must be an object with term, meddra, soc, g1..g5"))
            continue
        term, problems = _entry_to_term(raw)
        if term is None:
            errors.extend(ParseIssue(line, index, problem) for problem in problems)
            continue
        key = term.term.casefold()
        if key in seen_terms:
            errors.append(ParseIssue(line, index, f"term {term.term!r} repeats entry {seen_terms[key]}"))
            continue
        if term.meddra in seen_codes:
            errors.append(ParseIssue(line, index, f"MedDRA code {term.meddra} repeats entry {seen_codes[term.meddra]}"))
            continue
        seen_terms[key] = index
        seen_codes[term.meddra] = index
        terms.append(term)
    return CtcaeParse(with_soc_codes(terms), errors)


def with_soc_codes(terms: list[CtcaeTerm]) -> list[CtcaeTerm]:
    """Fill each term's SOC code from its SOC's "Other, specify" term, whose MedDRA code is the SOC code."""
    codes = {t.soc: t.meddra for t in terms if t.other_specify}
    return [t if t.soc_code or t.soc not in codes else replace(t, soc_code=codes[t.soc]) for t in terms]


def _json_array_items(text: str) -> Iterator[tuple[int, Any]]:
    """Yield (line, item) for each element of a top-level JSON array, so errors can name their line.

    :raises json.JSONDecodeError: when the text is not a JSON array.
    """
    decoder = json.JSONDecoder()
    length = len(text)
    idx = 0
    line = 1

    def skip_space(position: int) -> int:
        while position < length and text[position] in " \t\r\n":
            position += 1
        return position

    idx = skip_space(idx)
    if idx >= length or text[idx] != "[":
        raise json.JSONDecodeError("the file must hold a JSON array of terms", text, idx)
    line += text.count("\n", 0, idx)
    counted = idx
    idx = skip_space(idx + 1)
    if idx < length and text[idx] == "]":
        return
    while True:
        line += text.count("\n", counted, idx)
        counted = idx
        item, end = decoder.raw_decode(text, idx)
        yield line, item
        idx = skip_space(end)
        if idx < length and text[idx] == ",":
            idx = skip_space(idx + 1)
            continue
        if idx < length and text[idx] == "]":
            return
        raise json.JSONDecodeError("expected ',' or ']' after a term", text, idx)


def parse_ctcae_json(path_or_obj: str | os.PathLike[str] | list[Any] | dict[str, Any]) -> CtcaeParse:
    """Parse a dictionary shaped like ``shared/protocol/ctcae-v5.0.json``.

    ``path_or_obj`` is a file path, or the already-loaded list (or ``{"terms": [...]}``); for loaded data the
    errors name the entry number instead of the line.
    """
    if isinstance(path_or_obj, (list, dict)):
        items = path_or_obj.get("terms") if isinstance(path_or_obj, dict) else path_or_obj
        if not isinstance(items, list):
            return CtcaeParse([], [ParseIssue(None, None, 'expected a list of terms or {"terms": [...]}')])
        return _collect((None, index, raw) for index, raw in enumerate(items, start=1))
    text = Path(path_or_obj).read_text(encoding="utf-8-sig")
    try:
        located = list(_json_array_items(text))
    except json.JSONDecodeError as problem:
        if text.lstrip().startswith("{"):
            try:
                return parse_ctcae_json(json.loads(text))
            except json.JSONDecodeError as inner:
                problem = inner
        return CtcaeParse([], [ParseIssue(problem.lineno, None, f"not valid JSON: {problem.msg}")])
    return _collect((line, index, raw) for index, (line, raw) in enumerate(located, start=1))


def _csv_header_map(header: list[str]) -> tuple[dict[str, int], list[str]]:
    names = [cell.strip().lower() for cell in header]
    positions: dict[str, int] = {}
    for key, aliases in CSV_COLUMNS.items():
        for alias in aliases:
            if alias in names:
                positions[key] = names.index(alias)
                break
    missing = [CSV_COLUMNS[key][0] for key in _REQUIRED_COLUMNS if key not in positions]
    return positions, missing


def parse_ctcae_csv(path: str | os.PathLike[str]) -> CtcaeParse:
    """Parse a CSV export of NCI's CTCAE v5.0 spreadsheet (one row per term; "-" marks an undefined grade)."""
    with open(path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        try:
            header = next(reader)
        except StopIteration:
            return CtcaeParse([], [ParseIssue(1, None, "the file is empty")])
        except csv.Error as problem:
            return CtcaeParse([], [ParseIssue(1, None, f"unreadable CSV: {problem}")])
        positions, missing = _csv_header_map(header)
        if missing:
            columns = ", ".join(f'"{name.title()}"' for name in missing)
            return CtcaeParse([], [ParseIssue(1, None, f"missing column(s) {columns}")])
        rows: list[tuple[int | None, int, Any]] = []
        previous_end = reader.line_num
        try:
            for row in reader:
                start = previous_end + 1
                previous_end = reader.line_num
                if not any(cell.strip() for cell in row):
                    continue
                raw = {key: (row[pos] if pos < len(row) else None) for key, pos in positions.items()}
                rows.append((start, len(rows) + 1, raw))
        except csv.Error as problem:
            return CtcaeParse([], [ParseIssue(reader.line_num, None, f"unreadable CSV: {problem}")])
    return _collect(rows)


def write_ctcae_csv(terms: Iterable[CtcaeTerm], path: str | os.PathLike[str], undefined: str = "-") -> None:
    """Write terms in NCI's spreadsheet column layout (used to exchange dictionaries and by the tests)."""
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["MedDRA Code", "MedDRA SOC", "CTCAE Term", "Grade 1", "Grade 2", "Grade 3", "Grade 4",
                         "Grade 5", "Definition", "Navigational Note"])
        for term in terms:
            writer.writerow([term.meddra, term.soc, term.term,
                             *(term.grades.get(grade, undefined) for grade in GRADES),
                             term.definition or undefined, term.nav or undefined])
