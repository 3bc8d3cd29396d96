"""What credits cost: the ledger's throughput, and a charged API call next to the same call
uncharged.

- ledger: reserve + capture pairs per second on PostgreSQL, on one hot account and over 100
  accounts (bench_ledger.py, in the rendered project's interpreter);
- call: POST /api/v1/notes/ of TUTORIAL.md, served by gunicorn (2 workers), charged one
  credit (the tutorial's last step, with credits=y) and uncharged (the same tutorial with
  credits=n). Rounds alternate between the two; each figure is the median of the rounds.

A benchmark, not a test.
"""

from __future__ import annotations

import json
import statistics
import subprocess
from contextlib import ExitStack
from pathlib import Path

import httpx

from bench_http import gunicorn, load, production_env
from prodstarter_tools.harness import run
from prodstarter_tools.tutorial import follow

ROUNDS = 3
SECONDS_PER_ROUND = 5.0
UNREACHED_RATE = "1000000000/minute"
USER = {"email": "bench@example.com", "password": "bench-password-4k9x"}
BENCH_LEDGER = Path(__file__).resolve().parent / "bench_ledger.py"


def manage(project: Path, env: dict[str, str], *arguments: str) -> str:
    return run([str(project / ".venv/bin/python"), "manage.py", *arguments], project, env)


def ledger_figures(project: Path, env: dict[str, str], slug: str) -> dict[str, object]:
    manage(project, env, "migrate", "--noinput")
    output = run(
        [str(project / ".venv/bin/python"), str(BENCH_LEDGER)], project, {**env, "PROJECT_SLUG": slug}
    )
    return json.loads(next(line for line in output.splitlines() if line.startswith('{"ledger"')))["ledger"]


def serve_notes(
    project: Path, base_env: dict[str, str], stack: ExitStack, *, charged: bool
) -> tuple[int, dict]:
    """The tutorial's notes, migrated and served; the port and a signed-in user's headers."""
    follow(project, None)  # its files and edits; its commands are run here, as needed
    env = production_env(
        base_env, **{f"THROTTLE_{kind}_RATE": UNREACHED_RATE for kind in ("ANON", "USER", "LOGIN")}
    )
    manage(project, env, "makemigrations", "notes")
    manage(project, env, "migrate", "--noinput")
    manage(project, env, "collectstatic", "--noinput")
    subprocess.run(
        [str(project / ".venv/bin/python"), "manage.py", "createsuperuser", "--noinput"],
        cwd=project,
        env={**env, "DJANGO_SUPERUSER_EMAIL": USER["email"], "DJANGO_SUPERUSER_PASSWORD": USER["password"]},
        check=True,
        capture_output=True,
    )
    if charged:
        manage(project, env, "credits", "grant", "--user", USER["email"], "--amount", str(10**9))
    port = stack.enter_context(gunicorn(project, env, project / "bench-notes.log"))
    base = f"http://127.0.0.1:{port}"
    proxy = {"X-Forwarded-Proto": "https"}
    token = httpx.post(f"{base}/api/v1/auth/token/", json=USER, headers=proxy, timeout=60).json()["access"]
    return port, {"Authorization": f"Bearer {token}"}


def credit_figures(installed, defaults: dict[str, str]) -> dict[str, object]:
    """``installed(name, answers) -> (project, env)`` renders and installs a variant."""
    charged_project, charged_env = installed("credits-charged", {**defaults, "credits": "y"})
    plain_project, plain_env = installed("credits-uncharged", {**defaults, "credits": "n"})
    figures: dict[str, object] = {
        "ledger": ledger_figures(charged_project, charged_env, charged_project.name)
    }
    samples: dict[str, list[dict[str, object]]] = {"charged": [], "uncharged": []}
    with ExitStack() as stack:
        servers = {
            "charged": serve_notes(charged_project, charged_env, stack, charged=True),
            "uncharged": serve_notes(plain_project, plain_env, stack, charged=False),
        }
        for _ in range(ROUNDS):
            for name, (port, headers) in servers.items():
                samples[name].append(
                    load(
                        port,
                        "POST",
                        "/api/v1/notes/",
                        body=b'{"title": "bench"}',
                        headers=headers,
                        seconds=SECONDS_PER_ROUND,
                    )
                )
    calls = {}
    for name, runs in samples.items():
        assert all(set(run["statuses"]) == {"201"} for run in runs), runs
        calls[name] = {
            metric: statistics.median(run[metric] for run in runs)
            for metric in ("requests_per_second", "p50_ms", "p95_ms", "p99_ms")
        }
    calls["p95_charged_vs_uncharged"] = round(calls["charged"]["p95_ms"] / calls["uncharged"]["p95_ms"], 2)
    figures["notes_create"] = calls
    return figures
