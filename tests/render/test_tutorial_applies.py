"""TUTORIAL.md applied statically in every variant (render tier); its steps are described
in prodstarter_tools.tutorial, and the project tier follows it with its commands run."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from prodstarter_tools.matrix import VARIANTS
from prodstarter_tools.tutorial import follow


@pytest.mark.parametrize("variant", VARIANTS)
def test_the_tutorial_applies_cleanly_in_every_variant(rendered, tmp_path, variant):
    """Static and quick, for every variant (the longest slug included): the edits find their
    place, and the code it adds passes ruff as the project configures it."""
    source = rendered(variant)
    project = Path(shutil.copytree(source, tmp_path / source.name))
    follow(project, env=None)
    notes = project / "src" / project.name / "notes"
    assert (notes / "apis.py").exists()
    for command in (["check", "--no-cache"], ["format", "--check", "--no-cache"]):
        result = subprocess.run(
            [sys.executable, "-m", "ruff", *command, str(notes)],
            cwd=project,
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, f"ruff {command[0]}:\n{result.stdout}{result.stderr}"
