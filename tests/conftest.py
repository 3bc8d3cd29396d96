"""Fixtures shared by the template's test tiers, and each test's tier marker.

A test's tier is the folder it sits in: tests/render, tests/artifacts, tests/project and
tests/image; the files at the top of tests/ belong to the render tier.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from prodstarter_tools.harness import TEMPLATE_DIR
from prodstarter_tools.matrix import VARIANTS

TESTS_DIR = Path(__file__).resolve().parent
TIERS = ("render", "artifacts", "project", "image")
TOP_LEVEL_TIER = "render"


def pytest_report_header(config: pytest.Config) -> list[str]:
    required = "required (a missing service fails)" if services_required() else "optional"
    return [f"prodstarter: {len(VARIANTS)} variants; services {required}"]


def tier_of(path: Path) -> str:
    """The tier a test file belongs to, by its folder under tests/."""
    folder = path.resolve().relative_to(TESTS_DIR).parts[:-1]
    if not folder:
        return TOP_LEVEL_TIER
    if folder[0] not in TIERS:
        raise pytest.UsageError(f"{path}: tests live in tests/ or one of its tier folders {TIERS}")
    return folder[0]


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # Before pytest's own implementation deselects by `-m`, so that `-m render`,
    # `-m project`... select on these markers.
    for item in items:
        item.add_marker(tier_of(item.path))


def services_required() -> bool:
    return os.environ.get("REQUIRE_SERVICES") == "1"


@pytest.fixture(scope="session")
def rendered(cookies_session):
    """Render each variant once per session, on first use: ``rendered(name) -> Path``."""
    projects = {}

    def render_variant(name: str):
        if name not in projects:
            result = cookies_session.bake(extra_context=VARIANTS[name], template=str(TEMPLATE_DIR))
            assert result.exception is None, f"{name} failed to render: {result.exception!r}"
            assert result.exit_code == 0
            projects[name] = result.project_path
        return projects[name]

    return render_variant
