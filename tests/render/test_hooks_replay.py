"""Refused answers: one line each, no traceback, then a command that renders once fixed."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys

from prodstarter_tools.harness import TEMPLATE_DIR, load_hook

OPTIONS = json.loads((TEMPLATE_DIR / "cookiecutter.json").read_text())


def load_pre_gen_hook():
    return load_hook("pre_gen_project")


def typed_answers(typed: dict[str, str]) -> str:
    """What a user types at the 19 prompts: `typed` where given, Enter elsewhere. A choice
    is typed as its number, as cookiecutter asks for it."""
    lines = []
    for name in (name for name in OPTIONS if not name.startswith("_")):
        value = typed.get(name, "")
        if value and isinstance(OPTIONS[name], list):
            value = str(OPTIONS[name].index(value) + 1)
        lines.append(value)
    return "\n".join(lines) + "\n"


def public(answers: dict) -> dict[str, str]:
    return {name: value for name, value in answers.items() if not name.startswith("_")}


def test_refused_answers_come_back_as_a_command_that_renders_once_fixed(tmp_path):
    # The user's cookiecutter config offers another author than cookiecutter.json; it keeps
    # the renders' replay files out of the home folder too.
    config = tmp_path / "cookiecutterrc.yaml"
    config.write_text(
        f"cookiecutters_dir: {tmp_path / 'cookiecutters'}\n"
        f"replay_dir: {tmp_path / 'replay'}\n"
        "default_context:\n  author_name: Acme Ltd\n"
    )
    env = {**os.environ, "COOKIECUTTER_CONFIG": str(config), "PWD": str(tmp_path)}
    output_dir = tmp_path / "out"
    typed = {
        "project_name": "Acme Orders",
        "project_slug": "django",
        "author_name": "Jane Doe",  # cookiecutter.json's default, but not the one offered
        "author_email": "nope",
        "domain_name": "orders.example.com",
        "license": "Apache-2.0",
        "auth": "session",
        "task_queue": "none",
    }

    result = subprocess.run(
        [sys.executable, "-m", "cookiecutter", "--output-dir", str(output_dir), str(TEMPLATE_DIR)],
        input=typed_answers(typed),
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        check=False,
    )

    assert result.returncode != 0
    assert "Traceback" not in result.stdout + result.stderr
    assert "Stopping generation" not in result.stdout + result.stderr
    assert not output_dir.exists() or list(output_dir.iterdir()) == []
    # The answers given, which cookiecutter recorded before the hook ran.
    (replay_file,) = (tmp_path / "replay").glob("*.json")
    given = public(json.loads(replay_file.read_text())["cookiecutter"])
    assert given.items() >= typed.items()
    slug_error, email_error, blank, hint, command = result.stderr.strip().splitlines()
    assert slug_error.startswith("ERROR: project_slug 'django' would shadow"), result.stderr
    assert email_error.startswith("ERROR: author_email 'nope' is not a valid email"), result.stderr
    assert blank == ""
    assert hint == (
        "To render again without the prompts, fix the last 2 answers of this command "
        "(project_slug, author_email) and run it:"
    )
    # In alphabetical order, every answer that differs from what the prompt offered, then the
    # wrong ones; no derived default, so github_repository follows the slug once it is fixed.
    assert command == (
        f"cookiecutter --no-input {shlex.quote(str(TEMPLATE_DIR))}"
        f" --output-dir {shlex.quote(str(output_dir))}"
        " auth=session author_name='Jane Doe' domain_name=orders.example.com license=Apache-2.0"
        " project_name='Acme Orders' task_queue=none project_slug=django author_email=nope"
    )

    fixes = {"project_slug": "acme_orders", "author_email": "jane@acme.example"}
    words = shlex.split(command)
    for index, word in enumerate(words):
        name = word.partition("=")[0]
        if name in fixes:
            words[index] = f"{name}={fixes[name]}"
    again = subprocess.run(
        [sys.executable, "-m", "cookiecutter", *words[1:]],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        check=False,
    )

    assert again.returncode == 0, again.stdout + again.stderr
    rendered = json.loads((output_dir / "acme_orders" / ".cruft.json").read_text())["context"]["cookiecutter"]
    assert public(rendered) == given | fixes | {"github_repository": "jane-doe/acme-orders"}


def test_the_command_quotes_answers_and_skips_private_ones():
    hook = load_pre_gen_hook()
    answers = {
        "_template": "gh:acme/prodstarter",
        "_checkout": "v1.0",
        "_output_dir": "/home/jane/My Projects",
        "_extensions": ["prodstarter_extensions.QuietHookRefusal"],
        "__description_literal": '"x"',
        "project_name": "O'Brien's Service",
        "project_slug": "o_brien_s_service",
        "version": "v1",
        "auth": "jwt",
    }
    defaults = {"project_name": "Acme", "project_slug": "o_brien_s_service", "version": "1", "auth": "jwt"}

    command = hook.replay_command(answers, ["version"], [defaults], cwd="/home/jane")

    assert command == (
        "cookiecutter --no-input gh:acme/prodstarter --checkout v1.0 --output-dir '/home/jane/My Projects'"
        " project_name='O'\"'\"'Brien'\"'\"'s Service' version=v1"
    )
    assert shlex.split(command)[-2:] == ["project_name=O'Brien's Service", "version=v1"]
    # Started where it renders: no --output-dir. Without defaults (cookiecutter.json not
    # found) every answer goes in, derived ones too.
    assert hook.replay_command(answers, ["version"], [], cwd="/home/jane/My Projects") == (
        "cookiecutter --no-input gh:acme/prodstarter --checkout v1.0"
        " project_name='O'\"'\"'Brien'\"'\"'s Service' project_slug=o_brien_s_service auth=jwt version=v1"
    )


def test_derived_defaults_follow_the_other_answers():
    hook = load_pre_gen_hook()
    answers = {name: value[0] if isinstance(value, list) else value for name, value in OPTIONS.items()}
    answers |= {"project_name": "Acme Orders", "project_slug": "acme_orders", "author_name": "Acme Ltd"}

    defaults = hook.defaults(OPTIONS, answers)

    assert defaults["project_slug"] == "acme_orders"
    assert defaults["github_repository"] == "acme-ltd/acme-orders"
    assert defaults["auth"] == "jwt"
    assert defaults["project_name"] == "My Service"
    assert not [name for name in defaults if name.startswith("_")]
