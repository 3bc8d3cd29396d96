"""Validate the answers before anything is written: one line per problem, then the
command that renders again with the same answers, and exit 1.

Cookiecutter deletes the output folder when this hook fails, so bad input leaves
nothing behind.
"""

import json
import keyword
import os
import re
import shlex
import sys
from pathlib import Path

# Package names the project must not take: each would shadow a package the rendered
# project imports or a top-level name of its own layout.
SHADOWED_NAMES = {
    "argon2", "asgiref", "billiard", "celery", "config", "conftest", "corsheaders", "csp",
    "django", "django_celery_beat", "django_filters", "django_stubs_ext", "drf_spectacular",
    "drf_spectacular_sidecar", "environ", "factory", "gunicorn", "kombu", "manage", "mypy",
    "opentelemetry", "procrastinate", "psycopg", "psycopg_pool", "pytest", "pytest_django",
    "redis", "rest_framework", "rest_framework_simplejwt", "ruff", "sentry_sdk", "src",
    "structlog", "test", "tests", "whitenoise", "django_prometheus", "prometheus_client",
    "schemathesis", "hypothesis", "jwt", "cryptography", "self_hosted_auth_keys", "write_env",
}  # fmt: skip
# Underscores only between letters and digits: a trailing or doubled one makes an invalid
# distribution or image name.
SLUG_PATTERN = re.compile(r"[a-z][a-z0-9]*(_[a-z0-9]+)*")
# Dotted paths built from the slug (settings, imports) must fit ruff's line length.
SLUG_MAX_LENGTH = 30
EMAIL_PATTERN = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@(?P<domain>[^@\s]+)")
DOMAIN_LABEL_PATTERN = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")
VERSION_PATTERN = re.compile(r"\d+(\.\d+)*((a|b|rc)\d+)?(\.post\d+)?(\.dev\d+)?")
# GitHub's rules: an owner is 1-39 letters, digits and single inner hyphens; a repository
# name is letters, digits, '.', '_' and '-', other than '.' and '..'.
GITHUB_REPOSITORY_PATTERN = re.compile(
    r"(?=[A-Za-z0-9-]{1,39}/)[A-Za-z0-9](?:-?[A-Za-z0-9])*/(?!\.{1,2}$)[A-Za-z0-9._-]{1,100}"
)


def slug_error(slug: str) -> str | None:
    fix = "choose another project_slug, e.g. 'acme_orders'"
    if not SLUG_PATTERN.fullmatch(slug):
        return (
            f"project_slug {slug!r} is not a lowercase Python identifier "
            f"(letters, digits and single underscores between them, starting with a letter): {fix}"
        )
    if len(slug) > SLUG_MAX_LENGTH:
        return f"project_slug {slug!r} is longer than {SLUG_MAX_LENGTH} characters: {fix}"
    if keyword.iskeyword(slug) or keyword.issoftkeyword(slug):
        return f"project_slug {slug!r} is a Python keyword: {fix}"
    if slug in sys.stdlib_module_names:
        return f"project_slug {slug!r} would shadow the standard library module {slug!r}: {fix}"
    if slug in SHADOWED_NAMES:
        return f"project_slug {slug!r} would shadow {slug!r}, which the project imports: {fix}"
    return None


def is_domain(domain: str) -> bool:
    labels = domain.split(".")
    return (
        len(domain) <= 253
        and len(labels) >= 2
        and all(DOMAIN_LABEL_PATTERN.fullmatch(label) for label in labels)
        and labels[-1].isalpha()
    )


def answer_errors(answers: dict) -> dict[str, str]:
    """The wrong answers, each with the line that says what is wrong and how to fix it."""
    errors = {}
    if not answers["project_name"].strip():
        errors["project_name"] = "project_name is empty: give the project a name, e.g. 'Acme Orders'"
    if error := slug_error(answers["project_slug"]):
        errors["project_slug"] = error
    email = EMAIL_PATTERN.fullmatch(answers["author_email"])
    if email is None or not is_domain(email["domain"].lower()):
        errors["author_email"] = (
            f"author_email {answers['author_email']!r} is not a valid email address: "
            "use something like 'jane@example.com'"
        )
    if not is_domain(answers["domain_name"]):
        errors["domain_name"] = (
            f"domain_name {answers['domain_name']!r} is not a valid lowercase domain name: "
            "use something like 'api.example.com' (no scheme, port or path)"
        )
    if not VERSION_PATTERN.fullmatch(answers["version"]):
        errors["version"] = (
            f"version {answers['version']!r} is not a PEP 440 release version: use something like '0.1.0'"
        )
    if not GITHUB_REPOSITORY_PATTERN.fullmatch(answers["github_repository"]):
        errors["github_repository"] = (
            f"github_repository {answers['github_repository']!r} is not a GitHub owner/name: "
            "use something like 'acme/orders-service'"
        )
    return errors


def defaults(options: dict, answers: dict) -> dict[str, str]:
    """What a prompt-less render gives each option of `options` (cookiecutter.json's form):
    a choice's first value, a text rendered as cookiecutter renders it, so that a derived
    default such as project_slug follows the other answers."""
    # Cookiecutter runs this hook with its own interpreter.
    from cookiecutter.environment import StrictEnvironment

    render = StrictEnvironment().from_string
    return {
        name: value[0] if isinstance(value, list) else render(str(value)).render(cookiecutter=answers)
        for name, value in options.items()
        if not name.startswith("_")
    }


def replay_command(answers: dict, wrong: list[str], unchanged: list[dict[str, str]], cwd: str = "") -> str:
    """`cookiecutter --no-input` with every answer that a default in each of `unchanged`
    would not give again, and the wrong ones last, where they are quick to edit."""
    words = ["cookiecutter", "--no-input", shlex.quote(answers["_template"])]
    if answers.get("_checkout"):
        words += ["--checkout", shlex.quote(answers["_checkout"])]
    if not cwd or os.path.realpath(answers["_output_dir"]) != os.path.realpath(cwd):
        words += ["--output-dir", shlex.quote(answers["_output_dir"])]
    given = [
        name
        for name, value in answers.items()
        if not name.startswith("_")
        and name not in wrong
        and not (unchanged and all(default.get(name) == value for default in unchanged))
    ]
    words += [f"{name}={shlex.quote(answers[name])}" for name in given + wrong]
    return " ".join(words)


def main() -> int:
    # tojson escapes quotes, so no answer can close the raw string early.
    answers = json.loads(r"""{{ cookiecutter | tojson }}""")
    errors = answer_errors(answers)
    if not errors:
        return 0
    for error in errors.values():
        print(f"ERROR: {error}", file=sys.stderr)
    # An answer is left out of the command when leaving it out gives it again: it is both
    # cookiecutter.json's default and what cookiecutter offered (the user's config and the
    # command line's key=value change that). Both are rendered with these answers.
    offered = json.loads(r"""{{ _cookiecutter | default({}) | tojson }}""")
    # _repo_dir is as cookiecutter found it, maybe relative to where it started, which the
    # shell's PWD names; this hook runs in the new project's folder. Without cookiecutter.json
    # every answer goes in the command.
    started_in = os.environ.get("PWD", "")
    options_file = Path(started_in, answers["_repo_dir"], "cookiecutter.json")
    unchanged = []
    if options_file.is_file():
        unchanged = [defaults(json.loads(options_file.read_text()), answers), defaults(offered, answers)]
    wrong = list(errors)
    last = f"last {len(wrong)} answers" if len(wrong) > 1 else "last answer"
    print(
        f"\nTo render again without the prompts, fix the {last} of this command ({', '.join(wrong)})"
        f" and run it:\n{replay_command(answers, wrong, unchanged, started_in)}\n",
        file=sys.stderr,
    )
    return 1


if __name__ == "__main__":
    sys.exit(main())
