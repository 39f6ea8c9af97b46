"""The small JSON store that carries a browser verification run's progress."""
from __future__ import annotations

import pytest

from edc.services.verification_runs import RunStore, UnknownRun


def test_a_written_state_reads_back(tmp_path):
    store = RunStore(tmp_path / "runs")
    store.write("0123456789abcdef", {"state": "running", "done": 5})
    assert store.read("0123456789abcdef") == {"state": "running", "done": 5}
    assert store.recent() == [{"state": "running", "done": 5}]


@pytest.mark.parametrize("run_id", ["../secret", "0123456789ABCDEF", "0123456789abcde", "0123456789abcdef0", ""])
def test_ids_other_than_sixteen_lowercase_hex_digits_are_refused(tmp_path, run_id):
    with pytest.raises(UnknownRun):
        RunStore(tmp_path).read(run_id)
    with pytest.raises(UnknownRun):
        RunStore(tmp_path).write(run_id, {})


def test_an_unknown_run_is_refused(tmp_path):
    with pytest.raises(UnknownRun):
        RunStore(tmp_path).read("0123456789abcdef")
