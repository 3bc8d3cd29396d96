"""TUTORIAL.md followed to the letter with its commands run, and every gate it promises
passing at the end (project tier); its steps are described in prodstarter_tools.tutorial."""

from __future__ import annotations

import re

import pytest

from prodstarter_tools.harness import BUILD_DIR, render, run, uv_env
from prodstarter_tools.matrix import VARIANTS
from prodstarter_tools.tutorial import follow

# The presets the tutorial is followed in: the default answers, the one without the
# example app (the tutorial must not lean on it), with session auth and another slug, and
# the one with credits, whose tutorial goes on to charge for notes.
PRESETS = ["default", "minimal", "py312"]
# What the tutorial promises to pass at the end.
GATES = "make lint typecheck check test"


@pytest.mark.parametrize("preset", PRESETS)
def test_following_the_tutorial_keeps_every_gate_green(preset):
    answers = VARIANTS[preset]
    project = render(answers, BUILD_DIR / "tutorial" / preset)
    # SQLite and in-process stand-ins: the new resource needs no service, and a shared
    # DATABASE_URL or REQUIRE_SERVICES=1 from the caller would point the suite at
    # databases other presets use, or fail the service tests of the untouched code.
    env = uv_env(answers["python_version"])
    for name in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "RABBITMQ_URL", "REQUIRE_SERVICES"):
        env.pop(name, None)
    run(["uv", "sync", "--all-groups"], project, env)

    outputs = follow(project, env)

    slug = project.name
    assert (project / "src" / slug / "notes" / "migrations" / "0001_initial.py").exists()
    own_tests = next(output for command, output in outputs.items() if "pytest" in command)
    assert re.search(r"\d+ passed", own_tests), own_tests[-2000:]
    assert "skipped" not in own_tests
    gates = next(output for command, output in outputs.items() if GATES in command)
    assert re.search(r"\d+ passed", gates), gates[-2000:]
