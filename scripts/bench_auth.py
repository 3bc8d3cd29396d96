"""What verifying a Supabase token costs a request, next to a simplejwt token.

GET /api/v1/auth/me/ (authenticate, load the user and the roles, answer), served by gunicorn
(2 workers) from two renders of the defaults: auth=jwt, signed in with its own token
endpoint, and auth=supabase, with a token of the project's stand-in Supabase Auth
(tests/support/auth_server.py: ES256, its keys fetched over HTTP by each worker once, then
cached). Rounds alternate between the two; each figure is the median of the rounds.

A benchmark, not a test.
"""

from __future__ import annotations

import statistics
from contextlib import ExitStack
from pathlib import Path

import httpx

from bench_http import gunicorn, load, production_env
from bench_overhead import USER, prepare
from prodstarter_tools.smoke import supabase_auth

ROUNDS = 3
SECONDS_PER_ROUND = 5.0
UNREACHED_RATE = "1000000000/minute"
ME_URL = "/api/v1/auth/me/"


def serve_me(project: Path, base_env: dict[str, str], stack: ExitStack, *, auth: str) -> tuple[int, dict]:
    """``project`` migrated and served, with a superuser; the port and that user's headers."""
    env = production_env(
        base_env, **{f"THROTTLE_{kind}_RATE": UNREACHED_RATE for kind in ("ANON", "USER", "LOGIN")}
    )
    stand_in = stack.enter_context(supabase_auth(project)) if auth == "supabase" else None
    if stand_in is not None:
        env["SUPABASE_URL"] = stand_in.url
    prepare(project, env)
    port = stack.enter_context(gunicorn(project, env, project / "bench-auth.log"))
    if stand_in is not None:
        token = stand_in.token(email=USER["email"], email_verified=True)
    else:
        response = httpx.post(
            f"http://127.0.0.1:{port}/api/v1/auth/token/",
            json=USER,
            headers={"X-Forwarded-Proto": "https"},
            timeout=60,
        )
        token = response.json()["access"]
    return port, {"Authorization": f"Bearer {token}"}


def auth_figures(installed, defaults: dict[str, str]) -> dict[str, object]:
    """``installed(name, answers) -> (project, env)`` renders and installs a variant."""
    renders = {auth: installed(f"auth-{auth}", {**defaults, "auth": auth}) for auth in ("jwt", "supabase")}
    samples: dict[str, list[dict[str, object]]] = {auth: [] for auth in renders}
    with ExitStack() as stack:
        servers = {auth: serve_me(project, env, stack, auth=auth) for auth, (project, env) in renders.items()}
        for _ in range(ROUNDS):
            for auth, (port, headers) in servers.items():
                samples[auth].append(load(port, "GET", ME_URL, headers=headers, seconds=SECONDS_PER_ROUND))
    figures: dict[str, object] = {}
    for auth, runs in samples.items():
        assert all(set(run["statuses"]) == {"200"} for run in runs), runs
        figures[auth] = {
            metric: statistics.median(run[metric] for run in runs)
            for metric in ("requests_per_second", "p50_ms", "p95_ms", "p99_ms")
        }
    jwt, supabase = figures["jwt"], figures["supabase"]
    figures["p50_supabase_minus_jwt_ms"] = round(supabase["p50_ms"] - jwt["p50_ms"], 2)
    figures["throughput_supabase_vs_jwt"] = round(
        supabase["requests_per_second"] / jwt["requests_per_second"], 3
    )
    return figures
