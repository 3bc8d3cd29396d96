"""The multiprocess directory: fresh at every start, pruned of dead processes, removed."""

import os
import tempfile
from pathlib import Path

import pytest

from {{ cookiecutter.project_slug }}.metrics import multiprocess


@pytest.fixture
def temporary_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    # Restored when the test ends: the suite itself counts in memory.
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", "")
    return tmp_path


def test_every_start_gets_an_empty_directory_of_its_own(
    temporary_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = multiprocess.use_fresh_directory()
    (first / "counter_1.db").write_bytes(b"")
    second = multiprocess.use_fresh_directory()

    assert first != second
    assert second.parent == temporary_dir
    assert list(second.iterdir()) == []
    assert os.environ["PROMETHEUS_MULTIPROC_DIR"] == str(second)

    multiprocess.remove_directory()

    assert not second.exists()


def test_a_dead_process_leaves_its_counters_and_takes_its_live_gauges(
    temporary_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(temporary_dir))
    for name in ("counter_123.db", "gauge_livesum_123.db", "gauge_livesum_456.db"):
        (temporary_dir / name).write_bytes(b"")

    multiprocess.mark_process_dead(123)

    assert sorted(path.name for path in temporary_dir.iterdir()) == [
        "counter_123.db",
        "gauge_livesum_456.db",
    ]


def test_without_a_directory_there_is_nothing_to_do(temporary_dir: Path) -> None:
    multiprocess.mark_process_dead(123)
    multiprocess.remove_directory()
