"""The options reference matches cookiecutter.json exactly."""

from __future__ import annotations

import json
import re

from prodstarter_tools.harness import TEMPLATE_DIR

ROW = re.compile(r"^\| `(?P<option>[a-z_]+)` \| (?P<values>[^|]+) \|", re.MULTILINE)


def documented_options() -> dict[str, str]:
    text = (TEMPLATE_DIR / "docs" / "options.md").read_text()
    reference = text.split("## Presets")[0]
    return {match["option"]: match["values"] for match in ROW.finditer(reference)}


def test_options_reference_lists_exactly_the_options():
    options = json.loads((TEMPLATE_DIR / "cookiecutter.json").read_text())
    public = [name for name in options if not name.startswith("_")]
    assert list(documented_options()) == public


def test_options_reference_lists_exactly_the_choices_in_order():
    options = json.loads((TEMPLATE_DIR / "cookiecutter.json").read_text())
    documented = documented_options()
    for name, values in options.items():
        if isinstance(values, list) and not name.startswith("_"):
            assert re.findall(r"`([^`]+)`", documented[name]) == values, name
