"""The hooks as modules: their rules tested directly, without rendering.

Cookiecutter renders the answers into each hook's main() only, so the files import as
they stand in the template.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import shutil
import stat
from pathlib import Path

import pytest

from prodstarter_tools.harness import TEMPLATE_DIR, load_hook

pre_gen = load_hook("pre_gen_project")
post_gen = load_hook("post_gen_project")

PROJECT_TEMPLATE = TEMPLATE_DIR / "{{cookiecutter.project_slug}}"
MANIFEST = post_gen.without_notes(json.loads((PROJECT_TEMPLATE / post_gen.MANIFEST_NAME).read_text()))
OPTIONS = json.loads((TEMPLATE_DIR / "cookiecutter.json").read_text())
# A valid set of answers, as cookiecutter passes them to the hooks.
ANSWERS = {
    "project_name": "Acme Orders",
    "project_slug": "acme_orders",
    "author_email": "jane@example.com",
    "domain_name": "api.example.com",
    "version": "0.1.0",
    "github_repository": "acme/acme-orders",
    "auth": "jwt",
    "task_queue": "celery",
    "_template": "gh:acme/prodstarter",
    "_output_dir": "/tmp/out",
}


# Pre-gen: the answers


@pytest.mark.parametrize("slug", ["acme", "acme_orders", "a1_b2", "x" * pre_gen.SLUG_MAX_LENGTH])
def test_valid_slugs_pass(slug):
    assert pre_gen.slug_error(slug) is None


@pytest.mark.parametrize(
    ("slug", "reason"),
    [
        ("Acme", "not a lowercase Python identifier"),
        ("acme-orders", "not a lowercase Python identifier"),
        ("acme_", "not a lowercase Python identifier"),
        ("acme__orders", "not a lowercase Python identifier"),
        ("1acme", "not a lowercase Python identifier"),
        ("x" * (pre_gen.SLUG_MAX_LENGTH + 1), "longer than"),
        ("class", "Python keyword"),
        ("match", "Python keyword"),
        ("json", "standard library"),
        ("celery", "which the project imports"),
        ("config", "which the project imports"),
    ],
)
def test_bad_slugs_are_refused_with_the_reason_and_a_fix(slug, reason):
    error = pre_gen.slug_error(slug)
    assert error is not None
    assert reason in error
    assert "choose another project_slug" in error


@pytest.mark.parametrize(
    ("answer", "value"),
    [
        ("project_name", "  "),
        ("author_email", "jane@localhost"),
        ("author_email", "not-an-email"),
        ("domain_name", "https://example.com"),
        ("domain_name", "Example.com"),
        ("version", "v1"),
        ("github_repository", "acme"),
        ("github_repository", "acme/.."),
    ],
)
def test_each_wrong_answer_gets_its_own_error(answer, value):
    errors = pre_gen.answer_errors({**ANSWERS, answer: value})
    assert list(errors) == [answer]
    assert repr(value) in errors[answer] or answer == "project_name"


def test_right_answers_get_no_error():
    assert pre_gen.answer_errors(ANSWERS) == {}


def test_replay_command_repeats_what_a_default_would_not_give_wrong_answers_last():
    answers = {**ANSWERS, "project_slug": "Bad Slug"}
    defaults = {**ANSWERS, "auth": "jwt", "project_name": "My Service"}
    command = pre_gen.replay_command(answers, ["project_slug"], [defaults], cwd="/elsewhere")
    assert command.startswith("cookiecutter --no-input gh:acme/prodstarter --output-dir /tmp/out ")
    assert "project_name='Acme Orders'" in command
    assert "auth=" not in command, "an answer equal to its default is left out"
    assert command.endswith("project_slug='Bad Slug'")


# Post-gen: the manifest


def test_manifest_paths_fill_in_the_slug_and_the_chart_name():
    assert post_gen.manifest_path("src/{slug}/users", "acme_orders") == "src/acme_orders/users"
    assert post_gen.manifest_path("charts/{chart}", "acme_orders") == "charts/acme-orders"


def test_a_condition_holds_when_any_option_has_a_listed_value():
    conditions = {"cache": ["redis"], "task_queue": ["celery"]}
    assert post_gen.wanted(conditions, {"cache": "postgres", "task_queue": "celery"})
    assert not post_gen.wanted(conditions, {"cache": "postgres", "task_queue": "none"})


def make_tree(root: Path, files: list[str]) -> None:
    for name in files:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(name)


def test_the_chosen_version_is_renamed_into_place_and_the_others_go(tmp_path):
    make_tree(tmp_path, ["src/acme/users/auth_apis.jwt.py", "src/acme/users/auth_apis.session.py"])
    alternatives = {"src/{slug}/users/auth_apis.py": {"auth": ["jwt", "session"]}}

    post_gen.choose_alternatives(alternatives, {"project_slug": "acme", "auth": "session"}, tmp_path)

    assert sorted(p.name for p in (tmp_path / "src/acme/users").iterdir()) == ["auth_apis.py"]
    assert (tmp_path / "src/acme/users/auth_apis.py").read_text() == "src/acme/users/auth_apis.session.py"


def test_a_value_without_a_version_gives_no_file(tmp_path):
    make_tree(tmp_path, ["tests/worker.celery.py", "tests/worker.postgres.py", "tests/keep.py"])
    alternatives = {"tests/worker.py": {"task_queue": ["celery", "postgres"]}}

    post_gen.choose_alternatives(alternatives, {"project_slug": "acme", "task_queue": "none"}, tmp_path)

    assert sorted(p.name for p in (tmp_path / "tests").iterdir()) == ["keep.py"]


def test_pruning_removes_paths_not_wanted_and_the_folders_they_leave_empty(tmp_path):
    make_tree(tmp_path, ["charts/acme/values.yaml", "charts/acme/templates/a.yaml", "src/acme/app.py"])
    paths = {"charts/{chart}": {"use_helm": ["y"]}, "src/{slug}/app.py": {"use_helm": ["n", "y"]}}

    post_gen.prune(
        post_gen.paths_to_remove(paths, {"project_slug": "acme", "use_helm": "n"}, tmp_path), tmp_path
    )

    assert not (tmp_path / "charts").exists(), "charts/ left empty is a trace of the option"
    assert (tmp_path / "src/acme/app.py").exists()


def test_shape_project_is_a_no_op_without_the_manifest(tmp_path):
    make_tree(tmp_path, ["tests/worker.celery.py"])
    post_gen.shape_project({"project_slug": "acme", "task_queue": "none"}, tmp_path)
    assert (tmp_path / "tests/worker.celery.py").exists()


# Post-gen: ports, secrets, cruft


def test_port_blocks_are_stable_aligned_and_in_range():
    ports = post_gen.host_ports("acme_orders")
    assert ports == post_gen.host_ports("acme_orders")
    assert list(ports) == post_gen.PUBLISHED_PORTS
    first = ports["WEB_PORT"]
    assert (first - post_gen.FIRST_PORT) % post_gen.BLOCK_SIZE == 0
    assert first >= post_gen.FIRST_PORT
    assert max(ports.values()) <= post_gen.LAST_PORT
    assert list(ports.values()) == list(range(first, first + len(ports)))
    assert post_gen.host_ports("acme_billing") != ports


def test_ports_are_written_into_env_example_and_compose(tmp_path):
    (tmp_path / ".env.example").write_text("WEB_PORT=8000\nOTHER=8000\n")
    (tmp_path / "compose.yaml").write_text('ports: ["${WEB_PORT:-8000}:8000"]\n')

    post_gen.assign_host_ports({"WEB_PORT": 61234}, tmp_path)

    assert (tmp_path / ".env.example").read_text() == "WEB_PORT=61234\nOTHER=8000\n"
    assert (tmp_path / "compose.yaml").read_text() == 'ports: ["${WEB_PORT:-61234}:8000"]\n'


def project_with_env_script(root: Path, example: str, *, auth: str = "jwt") -> Path:
    """A project's scripts/ as rendered for ``auth``, and the .env.example given."""
    from cookiecutter.environment import StrictEnvironment

    (root / "scripts").mkdir(parents=True)
    template = (PROJECT_TEMPLATE / "scripts" / "write_env.py").read_text()
    rendered = StrictEnvironment().from_string(template).render(cookiecutter={"auth": auth})
    (root / "scripts" / "write_env.py").write_text(rendered + "\n")
    shutil.copy(PROJECT_TEMPLATE / "scripts" / "self_hosted_auth_keys.py", root / "scripts")
    (root / ".env.example").write_text(example)
    return root


def test_env_gets_a_fresh_value_for_each_empty_secret_by_the_projects_own_rule(tmp_path):
    project = project_with_env_script(
        tmp_path, "DJANGO_SECRET_KEY=\nHEALTH_TOKEN=\nDB_PASSWORD=set\nLOG_LEVEL=\nWEB_PORT=8000\n"
    )

    post_gen.write_env(project)

    env = dict(line.split("=", 1) for line in (project / ".env").read_text().splitlines())
    assert len(env["DJANGO_SECRET_KEY"]) >= 50
    assert len(env["HEALTH_TOKEN"]) >= 50
    assert env["DJANGO_SECRET_KEY"] != env["HEALTH_TOKEN"]
    assert env["DB_PASSWORD"] == "set", "a value .env.example gives is kept"
    assert env["LOG_LEVEL"] == ""
    assert env["WEB_PORT"] == "8000"
    assert stat.S_IMODE((project / ".env").stat().st_mode) & 0o077 == 0


def test_env_gets_the_self_hosted_keys_signed_with_its_own_secret(tmp_path):
    names = ["SUPABASE_JWT_SECRET", "SUPABASE_ANON_KEY", "SUPABASE_SERVICE_ROLE_KEY"]
    project = project_with_env_script(
        tmp_path, "".join(f"{name}=\n" for name in names) + "SUPABASE_URL=x\n", auth="supabase"
    )

    post_gen.write_env(project)

    env = dict(line.split("=", 1) for line in (project / ".env").read_text().splitlines())
    secret, anon = env["SUPABASE_JWT_SECRET"], env["SUPABASE_ANON_KEY"]
    header, claims, signature = anon.split(".")
    signed = hmac.new(secret.encode(), f"{header}.{claims}".encode(), hashlib.sha256).digest()
    assert base64.urlsafe_b64encode(signed).rstrip(b"=").decode() == signature
    assert json.loads(base64.urlsafe_b64decode(claims + "=="))["role"] == "anon"
    assert env["SUPABASE_SERVICE_ROLE_KEY"].count(".") == 2
    assert env["SUPABASE_URL"] == "x", "a value .env.example gives is kept"


def test_an_existing_env_is_kept(tmp_path):
    project = project_with_env_script(tmp_path, "DJANGO_SECRET_KEY=\n")
    (project / ".env").write_text("DJANGO_SECRET_KEY=in-use\n")

    post_gen.write_env(project)

    assert (project / ".env").read_text() == "DJANGO_SECRET_KEY=in-use\n"


def test_cruft_state_is_left_to_cruft_when_it_renders(tmp_path):
    post_gen.write_cruft_state({**ANSWERS, "_commit": "abc"}, tmp_path)
    assert not (tmp_path / ".cruft.json").exists()


def test_next_steps_name_the_projects_own_web_port():
    port = post_gen.host_ports("acme_orders")["WEB_PORT"]
    assert f"http://127.0.0.1:{port}/" in post_gen.next_steps("acme_orders")


# The template's manifest


def template_path(path: str) -> Path:
    return PROJECT_TEMPLATE / path.format(
        slug="{{cookiecutter.project_slug}}", chart="{{cookiecutter.project_slug.replace('_', '-')}}"
    )


def test_every_alternative_has_its_versions_in_the_template_and_no_rendered_path():
    for target, conditions in MANIFEST["alternatives"].items():
        ((option, values),) = conditions.items()
        assert set(values) <= set(OPTIONS[option]), f"{target} names {option}={values}"
        for value in values:
            version = template_path(post_gen.variant_source(target, value))
            assert version.is_file(), f"{target} lacks its version for {option}={value}"
        assert not template_path(target).exists(), f"{target} is chosen from versions: it has none of its own"


def test_no_version_file_is_missing_from_the_manifest():
    """A file named like a version (``name.<value>.py``) is chosen by the manifest, or it
    would reach every project under its template name."""
    values = {value for name, choices in OPTIONS.items() if isinstance(choices, list) for value in choices}
    pattern = re.compile(r"^(?P<stem>[^.]+)\.(?P<value>[^.]+)(?P<suffix>\.[^.]+)$")
    listed = {
        str(template_path(post_gen.variant_source(target, value)))
        for target, conditions in MANIFEST["alternatives"].items()
        for values_ in conditions.values()
        for value in values_
    }
    stray = [
        str(path.relative_to(PROJECT_TEMPLATE))
        for path in PROJECT_TEMPLATE.rglob("*")
        if path.is_file()
        and (match := pattern.match(path.name))
        and match["value"] in values
        and str(path) not in listed
    ]
    assert stray == []


@pytest.mark.parametrize(
    "template",
    [
        "gh:acme/prodstarter",
        "gl:acme/prodstarter",
        "bb:acme/prodstarter",
        "gh",
        "https://github.com/acme/prodstarter.git",
        "git+ssh://git@example.com/acme/prodstarter",
        "git@github.com:acme/prodstarter.git",
        "file:///srv/templates/prodstarter",
        "/srv/templates/prodstarter",
        "../prodstarter",
        "prodstarter",
    ],
)
def test_the_hook_reads_a_template_location_as_cookiecutter_does(template):
    from cookiecutter.config import BUILTIN_ABBREVIATIONS
    from cookiecutter.repository import expand_abbreviations, is_repo_url

    expanded = expand_abbreviations(template, BUILTIN_ABBREVIATIONS)
    assert post_gen.expand_abbreviations(template) == expanded
    assert post_gen.is_repo_url(expanded) == is_repo_url(expanded)
