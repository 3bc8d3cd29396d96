"""The environment contract: .env.example lists exactly the variables the code reads."""

import ast
import re
from collections.abc import Iterator
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[1]
# Commented-out assignments count: they document an optional variable.
ASSIGNMENT = re.compile(r"#?\s*([A-Z][A-Z0-9_]*)=")


def source_files() -> Iterator[Path]:
    yield PROJECT_DIR / "manage.py"
    yield PROJECT_DIR / "gunicorn.conf.py"
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


def variables_in_code() -> set[str]:
    return {name for path in source_files() for name in variables_read(ast.parse(path.read_text()))}


def variables_in_env_example() -> list[str]:
    lines = (PROJECT_DIR / ".env.example").read_text().splitlines()
    return [match[1] for line in lines if (match := ASSIGNMENT.match(line))]


def test_env_example_lists_every_variable_the_code_reads_and_no_other() -> None:
    documented = variables_in_env_example()

    assert set(documented) == variables_in_code()
    assert len(documented) == len(set(documented)), "a variable is listed twice"


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
