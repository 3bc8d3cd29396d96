"""The environment contract: .env.example lists exactly the variables the code reads, then
exactly the ones compose.yaml reads; compose sets only variables the code reads."""

import ast
import re
from collections.abc import Iterator
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[1]
# Commented-out assignments count: they document an optional variable.
ASSIGNMENT = re.compile(r"#?\s*([A-Z][A-Z0-9_]*)=")
# The line of .env.example after which come the variables docker compose reads.
COMPOSE_MARKER = "# ---- Read by docker compose (compose.yaml), not by the service ----"
SECTION = "# ---- "
# ${NAME}, ${NAME:-default}, ${NAME:?error}: a variable compose substitutes.
INTERPOLATION = re.compile(r"\$\{([A-Z][A-Z0-9_]*)")
# A `key:` or `key: value` line of compose.yaml.
COMPOSE_KEY = re.compile(r"(?P<indent> *)(?P<key>[^\s#:-][^:]*?):(?: (?P<value>.*))?")


def source_files() -> Iterator[Path]:
    yield PROJECT_DIR / "manage.py"
    yield PROJECT_DIR / "gunicorn.conf.py"
    yield PROJECT_DIR / "deploy" / "healthcheck.py"
    for path in (PROJECT_DIR / "src").rglob("*.py"):
        if "tests" not in path.parts and path.name != "conftest.py":
            yield path


def dotted_name(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{dotted_name(node.value)}.{node.attr}"
    return ""


def first_string_argument(call: ast.Call) -> str | None:
    if call.args and isinstance(call.args[0], ast.Constant) and isinstance(call.args[0].value, str):
        return call.args[0].value
    return None


READERS = {"env", "os.getenv", "os.environ.get", "required", "optional_secret"}


def variables_read(tree: ast.AST) -> Iterator[str]:
    """Names read through django-environ (env(...), env.str(...), ...), os.environ and os.getenv,
    and the production settings' required(...) and optional_secret(...)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            function = dotted_name(node.func)
            reader = function in READERS or (
                function.startswith("env.") and function != "env.db_url_config"
            )
            if reader and (name := first_string_argument(node)):
                yield name
        elif (
            isinstance(node, ast.Subscript)
            and dotted_name(node.value) == "os.environ"
            and isinstance(node.slice, ast.Constant)
            and isinstance(node.slice.value, str)
        ):
            yield node.slice.value


# Set by pytest-xdist in each process of a parallel test run; no deployment sets it.
SET_BY_PYTEST = {"PYTEST_XDIST_WORKER"}


def variables_in_code() -> set[str]:
    read = {name for path in source_files() for name in variables_read(ast.parse(path.read_text()))}
    return read - SET_BY_PYTEST


def variables_in_env_example() -> tuple[list[str], list[str]]:
    """The variables .env.example lists for the service, and those it lists for compose."""
    lines = (PROJECT_DIR / ".env.example").read_text().splitlines()
    marker = lines.index(COMPOSE_MARKER)
    # A later section, if any, is for neither (a self-hosted stack's keys, say).
    later = [i for i, line in enumerate(lines) if line.startswith(SECTION) and i > marker]
    end = later[0] if later else len(lines)

    def assigned(part: list[str]) -> list[str]:
        return [match[1] for line in part if (match := ASSIGNMENT.match(line))]

    return assigned(lines[:marker]), assigned(lines[marker + 1 : end])


def compose_keys() -> list[tuple[tuple[str, ...], str]]:
    """Each key of compose.yaml with the keys it is nested in, and its value, if on its line:
    (("services", "web", "command"), '["web"]'). compose.yaml nests block mappings only,
    so indentation says where a key belongs; list items are skipped."""
    keys = []
    parents: list[tuple[int, str]] = []
    for line in (PROJECT_DIR / "compose.yaml").read_text().splitlines():
        if not (match := COMPOSE_KEY.fullmatch(line)):
            continue
        indent = len(match["indent"])
        while parents and parents[-1][0] >= indent:
            parents.pop()
        parents.append((indent, match["key"]))
        keys.append((tuple(key for _, key in parents), match["value"] or ""))
    return keys


def variables_compose_reads() -> set[str]:
    """Names compose substitutes into compose.yaml, and those its secrets are read from."""
    text = (PROJECT_DIR / "compose.yaml").read_text()
    # secrets: {name: {environment: VARIABLE}}
    secrets = {value for path, value in compose_keys() if path[::2] == ("secrets", "environment")}
    return set(INTERPOLATION.findall(text)) | secrets


def variables_compose_sets() -> set[str]:
    """The variables compose.yaml sets for the service's own containers: those of the
    services that merge in the shared x-app settings, and of x-app itself."""
    keys = compose_keys()
    # services: {name: {<<: *app}}
    app = {path[1] for path, value in keys if path[::2] == ("services", "<<") and value == "*app"}
    # x-app: {environment: {NAME: value}}, services: {name: {environment: {NAME: value}}}
    environments = {("x-app", "environment")} | {("services", name, "environment") for name in app}
    return {path[-1] for path, _ in keys if path[:-1] in environments}


def test_env_example_lists_every_variable_the_code_reads_and_no_other() -> None:
    documented, for_compose = variables_in_env_example()

    assert set(documented) == variables_in_code()
    every = documented + for_compose
    assert len(every) == len(set(every)), "a variable is listed twice"


def test_env_example_lists_every_variable_compose_reads_and_no_other() -> None:
    documented, for_compose = variables_in_env_example()
    read = variables_compose_reads()

    assert read - set(documented) - set(for_compose) == set(), "compose reads these unlisted"
    assert set(for_compose) == read - set(documented)


def test_compose_sets_only_variables_the_code_reads() -> None:
    """A typo in a variable compose sets for the service would go unnoticed: nothing reads it."""
    variables = variables_compose_sets()

    assert "DATABASE_URL" in variables, "compose.yaml no longer reads as this test expects"
    assert variables <= variables_in_code()


def test_every_variable_in_env_example_is_explained() -> None:
    lines = (PROJECT_DIR / ".env.example").read_text().splitlines()
    for index, line in enumerate(lines):
        if (match := ASSIGNMENT.match(line)) and not line.startswith("#"):
            previous = lines[index - 1]
            assert previous.startswith("#") or ASSIGNMENT.match(previous), (
                f"{match[1]} has no comment above it or above its group"
            )


def test_the_scanner_finds_every_kind_of_read() -> None:
    source = """
env("A")
env.str("B", default="x")
env.list("C")
os.environ["D"]
os.environ.get("E")
os.getenv("F")
required("G")
env.db_url_config(url)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.development")
"""
    assert set(variables_read(ast.parse(source))) == {"A", "B", "C", "D", "E", "F", "G"}
