"""Write .env from .env.example, with a fresh random value for every secret: `make env`.

For a new clone (.env is never committed) and for CI, which starts the service with
compose. A secret is a variable whose name ends in _SECRET_KEY, _TOKEN or _PASSWORD and
whose value .env.example leaves empty{% if cookiecutter.auth == "supabase" %}, or one of the Supabase keys that
scripts/self_hosted_auth_keys.py generates together (the API keys are signed with the JWT secret){% endif %}.
An existing .env is kept: its secrets may already be in use, by a database volume for
instance.
"""

import re
import secrets
import sys
from pathlib import Path
{%- if cookiecutter.auth == "supabase" %}

from self_hosted_auth_keys import self_hosted_keys
{%- endif %}

PROJECT_DIR = Path(__file__).resolve().parents[1]
SECRET = re.compile(r"^(?P<name>[A-Z][A-Z0-9_]*(?:_SECRET_KEY|_TOKEN|_PASSWORD))=$")
# 50 random bytes: more than Django asks of its SECRET_KEY, and than any password needs.
SECRET_BYTES = 50


def with_secrets(example: str) -> str:
    """``example`` with each empty secret given a fresh value, all else unchanged."""
    lines = []
{%- if cookiecutter.auth == "supabase" %}
    generated_keys = self_hosted_keys()
{%- endif %}
    for line in example.splitlines():
        match = SECRET.match(line)
        if match:
            line = f"{match['name']}={secrets.token_urlsafe(SECRET_BYTES)}"
{%- if cookiecutter.auth == "supabase" %}
        elif (name := line.removesuffix("=")) in generated_keys:
            line = f"{name}={generated_keys[name]}"
{%- endif %}
        lines.append(line)
    return "\n".join(lines) + "\n"


def write_env(project_dir: Path) -> bool:
    """Write ``project_dir``/.env from its .env.example; False when a .env is already there.

    The template's post-generation hook calls this too, so a new project's .env and one
    written later by `make env` follow the same rule."""
    env_file = project_dir / ".env"
    if env_file.exists():
        return False
    content = with_secrets((project_dir / ".env.example").read_text())
    # Created private to its owner, before a secret is written into it.
    env_file.touch(mode=0o600)
    env_file.write_text(content)
    return True


def main() -> int:
    env_file = PROJECT_DIR / ".env"
    if write_env(PROJECT_DIR):
        print(f"Wrote {env_file} with fresh secrets.")
    else:
        print(f"{env_file} exists and is kept; delete it first to start afresh.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
