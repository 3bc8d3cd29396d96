"""Render tier: every supported combination renders clean, and bad input is refused."""

from __future__ import annotations

import ast
import fnmatch
import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml
from cookiecutter.main import cookiecutter

from prodstarter_tools.harness import (
    TEMPLATE_DIR,
    find_python,
    load_hook,
    load_manifest,
    manifest_path,
    wanted,
)
from prodstarter_tools.matrix import CHOICES, VARIANTS, with_derived

MANIFEST = load_manifest()
# The answers file cruft reads (tested by test_project_records_its_template_for_cruft).
CRUFT_STATE = Path(".cruft.json")
BINARY_SUFFIXES = {".png", ".ico", ".gif", ".jpg", ".woff", ".woff2", ".sqlite3"}


def project_files(project: Path) -> list[Path]:
    return [
        path for path in sorted(project.rglob("*")) if path.is_file() and path.suffix not in BINARY_SUFFIXES
    ]


def relative(path: Path, project: Path) -> str:
    return str(path.relative_to(project))


def leftover_markers(path: Path) -> tuple[str, ...]:
    """What must not survive rendering in ``path``.

    Django templates use the same delimiters as Jinja on purpose, so in them only a
    mention of cookiecutter itself counts as a leftover.
    """
    if "templates" in path.parts:
        return ("cookiecutter",)
    # cruft's record of the template: every answer under the key "cookiecutter".
    if path == CRUFT_STATE:
        return ("{{", "{%", "{#")
    # Workflows use `${{ ... }}` (GitHub's expressions) and `{{version}}`
    # (docker/metadata-action's patterns) on purpose.
    if path.parts[:2] == (".github", "workflows"):
        return ("{%", "{#", "cookiecutter")
    return ("{{", "{%", "{#", "cookiecutter")


@pytest.mark.parametrize("variant", VARIANTS)
def test_no_template_syntax_left(rendered, variant):
    project = rendered(variant)
    leftovers = [
        f"{relative(path, project)}: {marker}"
        for path in project_files(project)
        for marker in leftover_markers(path.relative_to(project))
        if marker in path.read_text()
    ]
    assert leftovers == []


@pytest.mark.parametrize("variant", VARIANTS)
def test_python_compiles(rendered, variant):
    """Every module compiles under the interpreter the project targets, not the harness's own."""
    project = rendered(variant)
    python_version = VARIANTS[variant]["python_version"]
    interpreter = find_python(python_version)
    assert interpreter, f"Python {python_version} is needed to check {variant} but was not found"
    compile_all = (
        "import pathlib, sys\n"
        "for path in sorted(pathlib.Path(sys.argv[1]).rglob('*.py')):\n"
        "    compile(path.read_text(), str(path), 'exec')\n"
    )
    result = subprocess.run([interpreter, "-c", compile_all, str(project)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("variant", VARIANTS)
def test_ruff_clean(rendered, variant):
    project = rendered(variant)
    for command in (["check", "--no-cache", "."], ["format", "--check", "--no-cache", "."]):
        result = subprocess.run(
            [sys.executable, "-m", "ruff", *command],
            cwd=project,
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, f"ruff {command[0]}:\n{result.stdout}{result.stderr}"


def is_helm_template(path: Path) -> bool:
    return path.parts[0] == "charts" and "templates" in path.parts


@pytest.mark.parametrize("variant", VARIANTS)
def test_data_files_parse(rendered, variant):
    project = rendered(variant)
    parsers = {
        ".json": json.loads,
        ".toml": tomllib.loads,
        ".yaml": lambda text: list(yaml.safe_load_all(text)),
        ".yml": lambda text: list(yaml.safe_load_all(text)),
    }
    checked = 0
    for path in project_files(project):
        # A Helm chart's templates are Go templates, YAML only once Helm renders them:
        # test_helm.py renders and parses them.
        if path.suffix in parsers and not is_helm_template(path.relative_to(project)):
            parsers[path.suffix](path.read_text())
            checked += 1
    assert checked > 0, "expected at least pyproject.toml to be parsed"


def kept_folders(path: str, answers: dict[str, str]) -> bool:
    """Whether every folder of the manifest that holds ``path`` is kept: a path goes with it."""
    return all(
        wanted(folder_conditions, answers)
        for folder, folder_conditions in MANIFEST["paths"].items()
        if path.startswith(f"{folder}/")
    )


@pytest.mark.parametrize("variant", VARIANTS)
def test_manifest_paths_follow_the_options(rendered, variant):
    project = rendered(variant)
    answers = VARIANTS[variant]
    for path, conditions in MANIFEST["paths"].items():
        exists = (project / manifest_path(path, project.name)).exists()
        assert exists == (wanted(conditions, answers) and kept_folders(path, answers)), (
            f"{path} with {answers}"
        )
    assert not (project / ".prodstarter-manifest.json").exists()


@pytest.mark.parametrize("variant", VARIANTS)
def test_the_chosen_version_of_each_alternative_is_in_place(rendered, variant):
    """The version for the chosen value under the file's own name; no version under its
    template name, chosen or not."""
    project = rendered(variant)
    answers = VARIANTS[variant]
    hook = load_hook("post_gen_project")
    for target, conditions in MANIFEST["alternatives"].items():
        ((option, values),) = conditions.items()
        expected = answers[option] in values and kept_folders(target, answers)
        assert (project / manifest_path(target, project.name)).is_file() == expected, (
            f"{target} with {answers}"
        )
        for value in values:
            version = manifest_path(hook.variant_source(target, value), project.name)
            assert not (project / version).exists(), f"{version} left under its template name"


# Option values a file name might carry; y/n, licenses and Python versions are not words
# that could name a file's purpose by accident.
NAMED_VALUES = sorted(
    {value for option in ("auth", "task_queue", "cache") for value in CHOICES[option]} | {"procrastinate"}
)


@pytest.mark.parametrize("variant", VARIANTS)
def test_no_file_name_carries_an_option_value(rendered, variant):
    """Names say what a file does, never which choice produced it (auth_apis.py, not
    apis_jwt.py). The modules that configure a library itself bear its name, as its own
    documentation has them: config/celery.py and config/procrastinate.py."""
    project = rendered(variant)
    pattern = re.compile(rf"(^|_)({'|'.join(NAMED_VALUES)})(_|$)")
    carrying = [
        relative(path, project)
        for path in project.rglob("*")
        if pattern.search(path.name.split(".")[0])
        and relative(path, project) not in {"src/config/celery.py", "src/config/procrastinate.py"}
    ]
    assert carrying == []


@pytest.mark.parametrize("variant", VARIANTS)
def test_import_layers_hold(rendered, variant):
    """The project's import-linter contracts (make lint) hold in every render."""
    project = rendered(variant)
    result = subprocess.run(
        [str(Path(sys.executable).with_name("lint-imports")), "--no-cache"],
        cwd=project,
        env={**os.environ, "PYTHONPATH": str(project / "src")},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize("variant", VARIANTS)
def test_disabled_options_leave_no_trace(rendered, variant):
    project = rendered(variant)
    answers = VARIANTS[variant]
    forbidden = [text for text, conditions in MANIFEST["traces"].items() if not wanted(conditions, answers)]
    # License texts are fixed legal wording ("Redistribution ..."), not option code; the
    # cruft record names every option, chosen or not ("use_prometheus": "n").
    scanned = [
        path
        for path in project_files(project)
        if path.name != "LICENSE" and path.relative_to(project) != CRUFT_STATE
    ]
    found = [
        f"{relative(path, project)} mentions {text!r}"
        for path in scanned
        for text in forbidden
        if text in path.read_text() or text in relative(path, project)
    ]
    assert found == []


@pytest.mark.parametrize("variant", VARIANTS)
def test_no_folder_is_left_empty(rendered, variant):
    """A pruned path's folder goes with it (charts/ without the chart)."""
    project = rendered(variant)

    folders = [path for path in project.rglob("*") if path.is_dir()]
    empty = [relative(path, project) for path in folders if not any(path.iterdir())]

    assert empty == []


def test_every_option_is_in_the_matrix():
    for option, values in json.loads((TEMPLATE_DIR / "cookiecutter.json").read_text()).items():
        if isinstance(values, list) and not option.startswith("_"):
            rendered_values = {answers[option] for answers in VARIANTS.values()}
            assert rendered_values == set(values), option


def test_manifest_names_only_real_options_and_template_paths():
    options = json.loads((TEMPLATE_DIR / "cookiecutter.json").read_text())
    template_root = TEMPLATE_DIR / "{{cookiecutter.project_slug}}"
    for section in ("alternatives", "paths", "traces"):
        for entry, conditions in MANIFEST[section].items():
            assert conditions, f"{section}: {entry} has no conditions"
            for option, values in conditions.items():
                # A derived answer (__has_task_queue, ...) is y or n.
                choices = options[option] if isinstance(options[option], list) else ["y", "n"]
                assert set(values) <= set(choices), f"{section}: {entry} names {option}={values}"
    for path in MANIFEST["paths"]:
        in_template = template_root / path.format(
            slug="{{cookiecutter.project_slug}}", chart="{{cookiecutter.project_slug.replace('_', '-')}}"
        )
        assert in_template.exists(), f"manifest names a path the template lacks: {path}"


def test_derived_answers_follow_the_options_they_come_from():
    derived = with_derived({"task_queue": "none", "cache": "redis", "example_app": "y"})
    assert (derived["__has_task_queue"], derived["__uses_redis"], derived["__has_bookmark_exports"]) == (
        "n",
        "y",
        "n",
    )
    derived = with_derived({"task_queue": "celery", "cache": "postgres", "use_prometheus": "n"})
    assert (derived["__has_task_queue"], derived["__uses_redis"], derived["__has_worker_metrics"]) == (
        "y",
        "y",
        "n",
    )


def test_env_file_gets_fresh_secrets_and_is_ignored(rendered):
    project = rendered("default")
    env = dict(
        line.split("=", 1)
        for line in (project / ".env").read_text().splitlines()
        if line and not line.startswith("#")
    )
    example = dict(
        line.split("=", 1)
        for line in (project / ".env.example").read_text().splitlines()
        if line and not line.startswith("#")
    )
    assert env.keys() == example.keys()
    generated = {name for name in env if env[name] != example[name]}
    assert generated == {name for name in example if re.fullmatch(r".+(_SECRET_KEY|_TOKEN|_PASSWORD)", name)}
    assert "DJANGO_SECRET_KEY" in generated
    assert all(len(env[name]) >= 50 for name in generated)
    assert (project / ".env").stat().st_mode & 0o077 == 0, ".env must be private to its owner"
    assert ".env" in (project / ".gitignore").read_text().splitlines()


def test_two_renders_get_different_secrets(rendered):
    other = rendered("py312")
    assert (rendered("default") / ".env").read_text() != (other / ".env").read_text()


def test_project_records_its_template_for_cruft(rendered):
    state = json.loads((rendered("default") / ".cruft.json").read_text())
    head = subprocess.run(
        ["git", "-C", str(TEMPLATE_DIR), "rev-parse", "HEAD"], capture_output=True, text=True, check=True
    )
    assert state["template"] == str(TEMPLATE_DIR)
    assert state["commit"] == head.stdout.strip()
    assert state["directory"] is None
    answers = state["context"]["cookiecutter"]
    assert answers["_commit"] == state["commit"]
    assert answers["project_slug"] == "my_service"
    assert "_output_dir" not in answers, "the render machine's paths must not be recorded"


def test_post_gen_hook_runs_again_over_its_own_output(tmp_path):
    """Rendering over an existing project (cookiecutter -f) keeps its secrets and ports."""
    first = Path(cookiecutter(str(TEMPLATE_DIR), no_input=True, output_dir=str(tmp_path)))
    before = {name: (first / name).read_text() for name in (".env", ".env.example", "compose.yaml")}
    (first / "docs-of-our-own.md").write_text("kept\n")

    again = cookiecutter(str(TEMPLATE_DIR), no_input=True, output_dir=str(tmp_path), overwrite_if_exists=True)

    assert Path(again) == first
    assert {name: (first / name).read_text() for name in before} == before
    assert (first / "docs-of-our-own.md").exists()
    assert not (first / ".prodstarter-manifest.json").exists()
    assert (first / ".cruft.json").exists()


BAD_INPUT = [
    ({"project_slug": "My-Service"}, "is not a lowercase Python identifier"),
    ({"project_slug": "1service"}, "is not a lowercase Python identifier"),
    ({"project_slug": "class"}, "is a Python keyword"),
    ({"project_slug": "a" * 31}, "is longer than 30 characters"),
    ({"project_slug": "match"}, "is a Python keyword"),
    ({"project_slug": "json"}, "would shadow the standard library module 'json'"),
    ({"project_slug": "django"}, "would shadow 'django'"),
    ({"project_slug": "rest_framework"}, "would shadow 'rest_framework'"),
    ({"project_slug": "config"}, "would shadow 'config'"),
    ({"project_slug": "test"}, "would shadow"),
    ({"project_slug": "tests"}, "would shadow 'tests'"),
    ({"project_slug": "celery"}, "would shadow 'celery'"),
    ({"project_name": "   ", "project_slug": "blank_name"}, "project_name is empty"),
    ({"author_email": "jane.example.com"}, "author_email 'jane.example.com' is not a valid email"),
    ({"author_email": "jane@localhost"}, "is not a valid email"),
    ({"author_email": "jane doe@example.com"}, "is not a valid email"),
    ({"domain_name": "localhost"}, "domain_name 'localhost' is not a valid"),
    ({"domain_name": "https://example.com"}, "is not a valid lowercase domain name"),
    ({"domain_name": "-bad.example.com"}, "is not a valid lowercase domain name"),
    ({"domain_name": "exa mple.com"}, "is not a valid lowercase domain name"),
    ({"version": "v1"}, "version 'v1' is not a PEP 440"),
    ({"project_slug": "orders_"}, "project_slug 'orders_' is not a lowercase Python identifier"),
    ({"project_slug": "orders__api"}, "is not a lowercase Python identifier"),
    ({"github_repository": "acme"}, "github_repository 'acme' is not a GitHub owner/name"),
    ({"github_repository": "-acme/orders"}, "is not a GitHub owner/name"),
    ({"github_repository": "ac--me/orders"}, "is not a GitHub owner/name"),
    ({"github_repository": "a" * 40 + "/orders"}, "is not a GitHub owner/name"),
    ({"github_repository": "acme/.."}, "is not a GitHub owner/name"),
    ({"github_repository": "acme/orders service"}, "is not a GitHub owner/name"),
    ({"author_name": "***", "project_slug": "starry"}, "github_repository '/starry'"),
]


@pytest.mark.parametrize(("answers", "message"), BAD_INPUT, ids=lambda value: str(value))
def test_bad_input_is_refused_and_leaves_nothing(tmp_path, answers, message):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "cookiecutter",
            "--no-input",
            "--output-dir",
            str(tmp_path),
            str(TEMPLATE_DIR),
            *(f"{key}={value}" for key, value in answers.items()),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    error_lines = [
        line for line in result.stderr.splitlines() if line.startswith("ERROR: ") and ":" in line[7:]
    ]
    assert any(message in line for line in error_lines), result.stderr
    assert list(tmp_path.iterdir()) == [], "a refused render must leave no output folder"


@pytest.mark.parametrize("variant", VARIANTS)
def test_slug_validation_knows_every_package_the_project_imports(rendered, variant):
    """A slug equal to a third-party package the project imports would shadow it."""
    project = rendered(variant)
    own = {"config", "tests", "conftest", "manage", project.name}
    imported = set()
    for path in project.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                imported |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                imported.add(node.module.split(".")[0])
    third_party = imported - own - set(sys.stdlib_module_names)
    assert third_party - load_hook("pre_gen_project").SHADOWED_NAMES == set()


JINJA = re.compile(r"\{\{|\{%|\{#")


def test_files_without_jinja_are_copied_and_only_those():
    """cookiecutter.json's _copy_without_render spares the files with nothing to render a
    Jinja compile each (a quarter of the template); a file listed there that gains Jinja
    would reach projects unrendered."""
    root = TEMPLATE_DIR / "{{cookiecutter.project_slug}}"
    patterns = json.loads((TEMPLATE_DIR / "cookiecutter.json").read_text())["_copy_without_render"]
    files = {str(path.relative_to(root)): path for path in root.rglob("*") if path.is_file()}

    def copied(name: str) -> bool:
        # cookiecutter matches each folder and file by its template path (generate.py).
        parents = [str(parent) for parent in Path(name).parents if str(parent) != "."]
        return any(
            fnmatch.fnmatch(candidate, pattern) for candidate in [name, *parents] for pattern in patterns
        )

    assert [
        pattern for pattern in patterns if not any(fnmatch.fnmatch(name, f"{pattern}*") for name in files)
    ] == []
    assert [name for name, path in files.items() if copied(name) and JINJA.search(path.read_text())] == []
    assert [
        name for name, path in files.items() if not copied(name) and not JINJA.search(path.read_text())
    ] == []
