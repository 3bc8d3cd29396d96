"""The documentation says what the code does: the facts that can drift are checked here.

- docs/configuration.md lists exactly the variables the code reads (and .env.example),
  and exactly those compose reads; "required in production" is what production.py
  requires; a default it states is the one .env.example sets.
- README.md's table of make targets is the Makefile's documented targets.
{%- if cookiecutter.use_prometheus == "y" %}
- docs/operations.md has a section for each alert rule, and no other.
{%- endif %}
- Links between the documents lead somewhere, and the files they name exist.
"""

import ast
import re
import tomllib
from pathlib import Path

import pytest

from tests.test_env_contract import PROJECT_DIR, variables_in_code, variables_in_env_example

DOCS = [
    "README.md",
    "ARCHITECTURE.md",
    "TUTORIAL.md",
    "CONTRIBUTING.md",
    "SECURITY.md",
    "CHANGELOG.md",
    "docs/configuration.md",
    "docs/deployment.md",
    "docs/operations.md",
]
# A table row: its cells, without the outer pipes.
ROW = re.compile(r"^\|(.*)\|$")
# A variable's row starts with its name in backticks.
VARIABLE = re.compile(r"`([A-Z][A-Z0-9_]*)`")
# The H2 sections of docs/configuration.md that hold the variables' tables.
CONFIGURATION_SECTIONS = {
    "## The service's variables": "service",
    "## Compose's variables": "compose",
}
# A Makefile rule that `make help` lists: `name: ... ## what it does`.
DOCUMENTED_TARGET = re.compile(r"^([a-z][a-z0-9-]*):[^=]*?## ", re.MULTILINE)
FENCED_BLOCK = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)
LINK = re.compile(r"\]\(([^)\s]+)\)")
HEADING = re.compile(r"^#{1,6} (.+)$", re.MULTILINE)
# `make` and its targets in the text (`make lint typecheck`), and on a command line.
MAKE_COMMAND = re.compile(r"`make((?: [a-z][a-z0-9-]*)+)[^`]*`")
MAKE_COMMAND_LINE = re.compile(r"(?:^|&&|;)\s*make((?: [a-z][a-z0-9-]*)+)", re.MULTILINE)


def read(name: str) -> str:
    return (PROJECT_DIR / name).read_text()


def prose(text: str) -> str:
    """The text without its fenced code blocks: a `#` comment there is not a heading."""
    return FENCED_BLOCK.sub("", text)


def cells(line: str) -> list[str] | None:
    match = ROW.match(line.strip())
    if not match:
        return None
    return [cell.strip() for cell in match[1].split("|")]


def configuration_tables() -> dict[str, dict[str, list[str]]]:
    """Each variable row of docs/configuration.md by the section it is in: {"service":
    {name: cells}, "compose": {...}}."""
    sections: dict[str, dict[str, list[str]]] = {"service": {}, "compose": {}}
    section = ""
    for line in read("docs/configuration.md").splitlines():
        if line.startswith("## "):
            section = CONFIGURATION_SECTIONS.get(line, "")
        row = cells(line)
        if row and section and (match := VARIABLE.fullmatch(row[0])):
            name = match[1]
            assert name not in sections[section], f"{name} is documented twice"
            sections[section][name] = row
    return sections


def production_calls(function: str) -> set[str]:
    """The variables production.py passes to ``function``: required() or optional_secret()."""
    tree = ast.parse(read("src/config/settings/production.py"))
    return {
        node.args[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == function
        and node.args
        and isinstance(node.args[0], ast.Constant)
        and isinstance(node.args[0].value, str)
    }


def optional_secret_minimum() -> int:
    tree = ast.parse(read("src/config/settings/production.py"))
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == "optional_secret":
            default = node.args.kw_defaults[0]
            assert isinstance(default, ast.Constant)
            assert isinstance(default.value, int)
            return default.value
    raise AssertionError("production.py no longer defines optional_secret")


def test_configuration_documents_exactly_the_variables_the_service_reads() -> None:
    documented = configuration_tables()["service"]
    in_env_example, _ = variables_in_env_example()

    assert set(documented) == variables_in_code()
    assert set(documented) == set(in_env_example)


def test_configuration_documents_exactly_the_variables_compose_reads() -> None:
    documented = configuration_tables()["compose"]
    _, for_compose = variables_in_env_example()

    assert set(documented) == set(for_compose)


def test_required_in_production_is_what_production_settings_require() -> None:
    required = production_calls("required")
    optional_secrets = production_calls("optional_secret")
    minimum = optional_secret_minimum()
    assert "DATABASE_URL" in required, "production.py no longer reads as this test expects"

    for name, row in configuration_tables()["service"].items():
        mark = row[2]
        assert mark.startswith("yes") == (name in required), f"{name}: {mark!r}"
        if name in optional_secrets:
            assert f"{minimum}+ characters" in mark, f"{name} should say what production refuses"


def test_documented_defaults_are_those_of_env_example() -> None:
    """A value .env.example sets (not a commented-out example, not an empty secret) is the
    default, and the page says so."""
    lines = read(".env.example").splitlines()
    service = configuration_tables()["service"]
    for line in lines:
        if line.startswith("#") or "=" not in line:
            continue
        name, value = line.split("=", 1)
        if name in service and value:
            assert f"`{value}`" in service[name][1], f"{name}: the default is {value}"


def documented_targets() -> set[str]:
    return set(DOCUMENTED_TARGET.findall(read("Makefile")))


def test_readme_lists_exactly_the_documented_make_targets() -> None:
    listed: list[str] = []
    for line in read("README.md").splitlines():
        row = cells(line)
        if row:
            listed += re.findall(r"`make ([a-z][a-z0-9-]*)`", row[0])

    assert sorted(listed) == sorted(set(listed)), "a target is listed twice"
    assert set(listed) == documented_targets()


def test_every_make_target_the_documents_name_exists() -> None:
    named = set()
    for document in DOCS:
        text = read(document)
        code = "\n".join(FENCED_BLOCK.findall(text))
        for targets in MAKE_COMMAND.findall(text) + MAKE_COMMAND_LINE.findall(code):
            named |= {(document, target) for target in targets.split()}

    assert {"install", "test"} <= {target for _, target in named}, "no longer finds them"
    targets = documented_targets()
    unknown = [f"{document}: make {target}" for document, target in named if target not in targets]
    assert unknown == []


def anchor(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to dashes."""
    text = re.sub(r"[^\w\- ]", "", heading.replace("`", "").strip().lower())
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    seen: dict[str, int] = {}
    found = set()
    for heading in HEADING.findall(prose(path.read_text())):
        slug = anchor(heading)
        found.add(f"{slug}-{seen[slug]}" if slug in seen else slug)
        seen[slug] = seen.get(slug, 0) + 1
    return found


@pytest.mark.parametrize("document", DOCS)
def test_links_between_documents_lead_somewhere(document: str) -> None:
    source = PROJECT_DIR / document
    for target in LINK.findall(prose(source.read_text())):
        if re.match(r"[a-z]+:", target):
            continue
        path, _, fragment = target.partition("#")
        linked = (source.parent / path).resolve() if path else source
        assert linked.exists(), f"{document} links to {target}"
        if fragment:
            assert fragment in anchors(linked), f"{document} links to {target}: no such heading"


@pytest.mark.parametrize("document", [name for name in DOCS if name != "TUTORIAL.md"])
def test_the_files_the_documents_name_exist(document: str) -> None:
    """A path in backticks under one of the project's own folders names a real file or
    folder. (The tutorial names the files it has the reader create.)"""
    top_level = {path.name for path in PROJECT_DIR.iterdir()}
    for name in re.findall(r"`([^`\s<>*]+/[^`\s<>*]*)`", read(document)):
        if name.split("/")[0] in top_level and "://" not in name:
            assert (PROJECT_DIR / name).exists(), f"{document} names {name}"


def test_the_changelog_has_a_section_for_the_current_version() -> None:
    version = tomllib.loads(read("pyproject.toml"))["project"]["version"]
    headings = HEADING.findall(read("CHANGELOG.md"))

    assert "[Unreleased]" in headings
    assert any(heading.startswith(f"[{version}] - ") for heading in headings), (
        f"CHANGELOG.md has no section for {version}, the version in pyproject.toml"
    )
{%- if cookiecutter.use_prometheus == "y" %}


def alert_rules() -> dict[str, str]:
    """Each alert of alerts.yml with its severity."""
    text = read("observability/prometheus/alerts.yml")
    names = re.findall(r"^\s*- alert: (\w+)$", text, re.MULTILINE)
    severities = re.findall(r"^\s*severity: (\w+)$", text, re.MULTILINE)
    assert len(names) == len(severities), "every alert has a severity"
    return dict(zip(names, severities, strict=True))


def alert_sections() -> dict[str, str]:
    """The H3 sections under "## Alerts" in docs/operations.md, with their text."""
    text = prose(read("docs/operations.md")).split("\n## Alerts\n", 1)[1].split("\n## ", 1)[0]
    parts = re.split(r"^### (.+)$", text, flags=re.MULTILINE)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def test_operations_explains_every_alert_and_no_other() -> None:
    rules = alert_rules()
    sections = alert_sections()

    assert rules, "alerts.yml no longer reads as this test expects"
    assert list(sections) == list(rules)
    for name, severity in rules.items():
        assert sections[name].strip().lower().startswith(severity), f"{name} is {severity}"
{%- endif %}
