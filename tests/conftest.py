"""Fixtures shared by the template's test tiers."""

from __future__ import annotations

import os
import sys

import pytest

from harness import TEMPLATE_DIR
from matrix import variants

VARIANTS = variants()
# cookiecutter's entry points put the template on the path for its `_extensions`;
# pytest-cookies renders the context without them.
sys.path.append(str(TEMPLATE_DIR))


def pytest_report_header(config: pytest.Config) -> list[str]:
    required = "required (a missing service fails)" if services_required() else "optional"
    return [f"prodstarter: {len(VARIANTS)} variants; services {required}"]


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
