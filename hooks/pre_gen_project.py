"""Validate the answers before anything is written: one line per problem, exit 1.

Cookiecutter deletes the output folder when this hook fails, so bad input leaves
nothing behind.
"""

import json
import keyword
import re
import sys

# tojson escapes quotes, so no answer can close the raw string early.
ANSWERS = json.loads(r"""{{ cookiecutter | tojson }}""")

# Package names the project must not take: each would shadow a package the rendered
# project imports or a top-level name of its own layout.
SHADOWED_NAMES = {
    "argon2", "asgiref", "billiard", "celery", "config", "conftest", "corsheaders", "csp",
    "django", "django_celery_beat", "django_filters", "django_stubs_ext", "drf_spectacular",
    "drf_spectacular_sidecar", "environ", "factory", "gunicorn", "kombu", "manage", "mypy",
    "opentelemetry", "procrastinate", "psycopg", "psycopg_pool", "pytest", "pytest_django",
    "redis", "rest_framework", "rest_framework_simplejwt", "ruff", "sentry_sdk", "src",
    "structlog", "test", "tests", "whitenoise", "django_prometheus", "prometheus_client",
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


def answer_errors(answers: dict) -> list[str]:
    errors = []
    if not answers["project_name"].strip():
        errors.append("project_name is empty: give the project a name, e.g. 'Acme Orders'")
    if error := slug_error(answers["project_slug"]):
        errors.append(error)
    email = EMAIL_PATTERN.fullmatch(answers["author_email"])
    if email is None or not is_domain(email["domain"].lower()):
        errors.append(
            f"author_email {answers['author_email']!r} is not a valid email address: "
            "use something like 'jane@example.com'"
        )
    if not is_domain(answers["domain_name"]):
        errors.append(
            f"domain_name {answers['domain_name']!r} is not a valid lowercase domain name: "
            "use something like 'api.example.com' (no scheme, port or path)"
        )
    if not VERSION_PATTERN.fullmatch(answers["version"]):
        errors.append(
            f"version {answers['version']!r} is not a PEP 440 release version: use something like '0.1.0'"
        )
    if not GITHUB_REPOSITORY_PATTERN.fullmatch(answers["github_repository"]):
        errors.append(
            f"github_repository {answers['github_repository']!r} is not a GitHub owner/name: "
            "use something like 'acme/orders-service'"
        )
    return errors


def main() -> int:
    errors = answer_errors(ANSWERS)
    for error in errors:
        print(f"ERROR: {error}", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
