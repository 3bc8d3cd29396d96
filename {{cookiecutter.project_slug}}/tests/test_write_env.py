"""`make env` (scripts/write_env.py): a new clone gets a .env with fresh secrets."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT_DIR = Path(__file__).resolve().parents[1]
# Secrets every variant's .env.example lists, empty.
SECRETS = ["DJANGO_SECRET_KEY", "HEALTH_TOKEN", "POSTGRES_PASSWORD"]


@pytest.fixture
def clone(tmp_path: Path) -> Path:
    """A checkout without .env: the scripts and .env.example, as in a fresh clone."""
    shutil.copytree(PROJECT_DIR / "scripts", tmp_path / "scripts")
    shutil.copy(PROJECT_DIR / ".env.example", tmp_path)
    return tmp_path


def write_env(clone: Path) -> str:
    result = subprocess.run(
        [sys.executable, str(clone / "scripts" / "write_env.py")],
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


def variables(path: Path) -> dict[str, str]:
    lines = path.read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))


def test_writes_every_secret_fresh_and_keeps_the_rest(clone: Path) -> None:
    write_env(clone)

    env, example = variables(clone / ".env"), variables(clone / ".env.example")
    assert env.keys() == example.keys()
    for name in SECRETS:
        assert example[name] == ""
        assert len(env[name]) >= 50, name
    assert len({env[name] for name in SECRETS}) == len(SECRETS), "each secret is its own"
    filled = {name for name in env if env[name] != example[name]}
{%- if cookiecutter.auth == "supabase" %}
    # scripts/self_hosted_auth_keys.py makes these together: the API keys are signed with
    # the secret.
    filled -= {"SUPABASE_JWT_SECRET", "SUPABASE_JWT_KEYS", "SUPABASE_JWKS"}
{%- endif %}
    assert {name for name in filled if not name.endswith(("_KEY", "_TOKEN", "_PASSWORD"))} == set()
    # Comments and blank lines stay, in place: .env reads like .env.example.
    env_lines = (clone / ".env").read_text().splitlines()
    example_lines = (clone / ".env.example").read_text().splitlines()
    assert [line.split("=")[0] for line in env_lines] == [
        line.split("=")[0] for line in example_lines
    ]


def test_the_file_is_private_to_its_owner(clone: Path) -> None:
    write_env(clone)

    assert (clone / ".env").stat().st_mode & 0o077 == 0


def test_two_clones_get_different_secrets(
    clone: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    other = tmp_path_factory.mktemp("other")
    shutil.copytree(clone / "scripts", other / "scripts")
    shutil.copy(clone / ".env.example", other)

    write_env(clone)
    write_env(other)

    assert (
        variables(clone / ".env")["DJANGO_SECRET_KEY"]
        != variables(other / ".env")["DJANGO_SECRET_KEY"]
    )


def test_an_existing_env_is_kept(clone: Path) -> None:
    (clone / ".env").write_text("DJANGO_SECRET_KEY=in-use\n")

    output = write_env(clone)

    assert (clone / ".env").read_text() == "DJANGO_SECRET_KEY=in-use\n"
    assert "kept" in output
