"""The supported combinations: named presets plus a pairwise covering set.

Options and their values come from cookiecutter.json (a list means a choice; its first
item is the default), so an option added there is in the matrix the day it appears.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path

TEMPLATE_DIR = Path(__file__).resolve().parent.parent
COOKIECUTTER_JSON = json.loads((TEMPLATE_DIR / "cookiecutter.json").read_text())

# option -> its values, for every choice option (free-text answers are not combinatorial).
CHOICES: dict[str, list[str]] = {
    name: values
    for name, values in COOKIECUTTER_JSON.items()
    if isinstance(values, list) and not name.startswith("_")
}
DEFAULTS: dict[str, str] = {name: values[0] for name, values in CHOICES.items()}

# Named presets: overrides on top of the defaults.
# "minimal" also carries free-text answers with quotes, backslashes and non-ASCII, and a
# slug other than the default, so the project tier proves they survive into running code.
PRESETS: dict[str, dict[str, str]] = {
    "default": {},
    "minimal": {
        "auth": "session",
        "example_app": "n",
        "use_prometheus": "n",
        "use_opentelemetry": "n",
        "use_helm": "n",
        "project_name": 'Zoë\'s "Quoted" \\ Orders',
        "project_slug": "zoe_orders",
        "description": 'Says "hi", with a backslash \\ and más.',
        "author_name": 'Seán O\'Brien "Bob"',
    },
    # The longest slug the pre-gen hook accepts: generated lines must still fit ruff's limit.
    "py312": {
        "python_version": "3.12",
        "project_slug": "py312_service_with_a_long_name",
        "use_sentry": "y",
        "credits": "y",
    },
    "postgres-only": {"task_queue": "postgres", "cache": "postgres", "use_sentry": "y", "auth": "supabase"},
    "no-tasks": {"task_queue": "none", "use_opentelemetry": "n", "use_sentry": "y"},
}

# Presets whose rendered project is installed, linted, type-checked, tested and served.
PROJECT_PRESETS = ["default", "minimal", "py312", "postgres-only", "no-tasks"]


def is_supported(answers: dict[str, str]) -> bool:
    """Whether the pre-gen hook accepts this combination (all are, for now)."""
    return True


def pairwise(choices: dict[str, list[str]]) -> list[dict[str, str]]:
    """A small set of full combinations in which every pair of values appears together.

    Greedy: repeatedly take the supported combination that covers the most pairs not yet
    covered. Deterministic, so a failing row keeps its name between runs.
    """
    names = list(choices)
    combos = [
        dict(zip(names, values, strict=True))
        for values in itertools.product(*(choices[name] for name in names))
    ]
    combos = [combo for combo in combos if is_supported(combo)]

    def pairs_of(combo: dict[str, str]) -> set[tuple[str, str, str, str]]:
        return {(a, combo[a], b, combo[b]) for a, b in itertools.combinations(names, 2)}

    uncovered = set().union(*(pairs_of(combo) for combo in combos))
    rows = []
    while uncovered:
        best = max(combos, key=lambda combo: len(pairs_of(combo) & uncovered))
        rows.append(best)
        uncovered -= pairs_of(best)
    return rows


def variants() -> dict[str, dict[str, str]]:
    """Every combination the render tier renders, by name (presets may add free-text answers)."""
    named = {name: {**DEFAULTS, **overrides} for name, overrides in PRESETS.items()}
    extra = [combo for combo in pairwise(CHOICES) if combo not in named.values()]
    for number, combo in enumerate(extra, start=1):
        named[f"pairwise-{number:02d}"] = combo
    return named


# Computed once per process: the test modules parametrize over it and the `rendered`
# fixture (tests/conftest.py) renders from it.
VARIANTS: dict[str, dict[str, str]] = variants()


def with_derived(answers: dict[str, str]) -> dict[str, str]:
    """``answers`` completed as cookiecutter completes them: every option not answered at its
    default, then the private answers cookiecutter.json derives (``__has_task_queue``, ...),
    rendered by cookiecutter's own Jinja environment from the same expressions."""
    from cookiecutter.environment import StrictEnvironment

    render = StrictEnvironment().from_string
    context: dict[str, str] = {}
    for name, value in COOKIECUTTER_JSON.items():
        if name.startswith("_") and not name.startswith("__"):
            continue
        if name in answers:
            context[name] = answers[name]
        elif isinstance(value, list):
            context[name] = value[0]
        elif isinstance(value, str):
            context[name] = render(value).render(cookiecutter=context)
    return {**context, **answers}
