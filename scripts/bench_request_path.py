"""The request path under load, before and after: what a request costs beyond Django's.

Served side by side by gunicorn, 2 workers of 2 threads each, and loaded by wrk:

- bare view: a Django view with no middleware answering the bookmark list's own JSON
  bytes, the ceiling any endpoint of the project could reach on this machine;
- /livez, GET /api/v1/auth/me/ and the bookmark list (20 rows, one page), each for
  - baseline: the default project rendered from the template at BASELINE_COMMIT (before
    issue 12's request-path work), and
  - current: the default project rendered from the working tree,

at 20, 50 and 100 connections. Rounds alternate between the configurations, so that a
busy moment of the machine hurts them alike; each figure is the median of the rounds.
Rate limits are set out of reach, so every request is counted and none is refused. A
benchmark, not a test: the machine's load (os.getloadavg) is reported with the figures.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import tempfile
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path

import httpx
from cookiecutter.main import cookiecutter

from bench_http import gunicorn, production_env, wrk
from bench_overhead import authorise, prepare

BASELINE_COMMIT = "186a924"
CONNECTIONS = (20, 50, 100)
ROUNDS = int(os.environ.get("BENCH_ROUNDS") or 1)
SECONDS = float(os.environ.get("BENCH_SECONDS") or 10)
WARM_UP_SECONDS = 3.0
WORKERS, THREADS = 2, 2
UNREACHED_RATE = "1000000000/minute"
BARE_PATH = "/bare/"
COLUMNS = ("req/s", "p50 ms", "p95 ms", "p99 ms", "vs bare")
ENDPOINTS = {"livez": "/livez", "me": "/api/v1/auth/me/", "bookmark list": "/api/v1/bookmarks/"}

# A Django view and nothing else: no middleware, no apps, the same bytes as the list.
BARE_APP = """
import os
import secrets

from django.conf import settings
from django.core.wsgi import get_wsgi_application
from django.http import HttpResponse
from django.urls import path

with open(os.environ["BENCH_BARE_BODY"], "rb") as body_file:
    BODY = body_file.read()


def view(request):
    return HttpResponse(BODY, content_type="application/json")


settings.configure(
    DEBUG=False,
    SECRET_KEY=secrets.token_urlsafe(50),
    ALLOWED_HOSTS=["127.0.0.1"],
    ROOT_URLCONF=__name__,
    MIDDLEWARE=[],
    INSTALLED_APPS=[],
)
urlpatterns = [path("bare/", view)]
application = get_wsgi_application()
"""

Installed = Callable[..., tuple[Path, dict[str, str]]]


def baseline_template(template_dir: Path, scratch: Path) -> Path:
    """The template as it was at BASELINE_COMMIT, extracted under ``scratch``."""
    target = scratch / f"template-{BASELINE_COMMIT}"
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    archive = subprocess.run(
        ["git", "-C", str(template_dir), "archive", "--format=tar", BASELINE_COMMIT],
        capture_output=True,
        check=True,
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    return target


def render_from(template: Path) -> Callable[[dict[str, str], Path], Path]:
    """harness.render for another copy of the template."""

    def render(answers: dict[str, str], output_dir: Path) -> Path:
        if output_dir.exists():
            shutil.rmtree(output_dir)
        output_dir.mkdir(parents=True)
        return Path(
            cookiecutter(str(template), no_input=True, extra_context=answers, output_dir=str(output_dir))
        )

    return render


def served_list_body(port: int, headers: dict[str, str]) -> bytes:
    response = httpx.get(
        f"http://127.0.0.1:{port}{ENDPOINTS['bookmark list']}",
        headers={"X-Forwarded-Proto": "https", **headers},
        timeout=30,
    )
    response.raise_for_status()
    assert response.json()["count"] == 20, response.text
    return response.content


def request_path_figures(
    installed: Installed, defaults: dict[str, str], template_dir: Path
) -> dict[str, object]:
    """``installed(name, answers, render=None) -> (project, env)`` renders and installs a variant."""
    with tempfile.TemporaryDirectory() as scratch:
        baseline = baseline_template(template_dir, Path(scratch))
        variants = {
            "baseline": installed("path-baseline", defaults, render=render_from(baseline)),
            "current": installed("path-current", defaults),
        }
    rates = {f"THROTTLE_{kind}_RATE": UNREACHED_RATE for kind in ("ANON", "USER", "LOGIN")}
    configurations = ["bare view", *variants]
    samples: dict[str, dict[str, dict[int, list[dict[str, object]]]]] = {
        name: {endpoint: {n: [] for n in CONNECTIONS} for endpoint in ENDPOINTS} for name in variants
    }
    bare_samples: dict[int, list[dict[str, object]]] = {n: [] for n in CONNECTIONS}
    with ExitStack() as stack:
        ports, headers = {}, {}
        for name, (project, base_env) in variants.items():
            env = production_env(base_env, **rates)
            prepare(project, env)
            ports[name] = stack.enter_context(
                gunicorn(project, env, project / "bench-request-path.log", WORKERS, threads=THREADS)
            )
            headers[name] = authorise(ports[name])
        current_project = variants["current"][0]
        bare_dir = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        (bare_dir / "bench_bare.py").write_text(BARE_APP)
        (bare_dir / "body.json").write_bytes(served_list_body(ports["current"], headers["current"]))
        bare_env = {
            "PATH": os.environ["PATH"],
            "BENCH_BARE_BODY": str(bare_dir / "body.json"),
            "PYTHONPATH": str(bare_dir),
        }
        ports["bare view"] = stack.enter_context(
            gunicorn(
                current_project,
                bare_env,
                bare_dir / "gunicorn.log",
                WORKERS,
                threads=THREADS,
                app="bench_bare:application",
                cwd=bare_dir,
            )
        )
        for name in variants:
            for path in ENDPOINTS.values():
                wrk(ports[name], path, headers=headers[name], seconds=WARM_UP_SECONDS)
        wrk(ports["bare view"], BARE_PATH, seconds=WARM_UP_SECONDS)
        load_before = os.getloadavg()
        for _ in range(ROUNDS):
            for connections in CONNECTIONS:
                bare_samples[connections].append(
                    wrk(ports["bare view"], BARE_PATH, connections=connections, seconds=SECONDS)
                )
                for endpoint, path in ENDPOINTS.items():
                    for name in variants:
                        samples[name][endpoint][connections].append(
                            wrk(
                                ports[name],
                                path,
                                headers=headers[name],
                                connections=connections,
                                seconds=SECONDS,
                            )
                        )
        load_after = os.getloadavg()
    figures: dict[str, object] = {
        "setup": f"gunicorn {WORKERS} workers x {THREADS} threads each, wrk 2 threads, "
        f"{SECONDS:g} s per run, {ROUNDS} round(s), baseline {BASELINE_COMMIT}",
        "load_average_before_after": [round(load_before[0], 2), round(load_after[0], 2)],
        "configurations": configurations,
    }
    rows: dict[str, dict[str, dict[str, object]]] = {"bare view": {}}
    for connections in CONNECTIONS:
        rows["bare view"][str(connections)] = median_of(bare_samples[connections])
    for endpoint in ENDPOINTS:
        for name in variants:
            row = rows.setdefault(f"{endpoint} ({name})", {})
            for connections in CONNECTIONS:
                figure = median_of(samples[name][endpoint][connections])
                ceiling = rows["bare view"][str(connections)]["requests_per_second"]
                figure["vs_bare"] = round(float(figure["requests_per_second"]) / float(ceiling), 3)  # type: ignore[arg-type]
                row[str(connections)] = figure
    figures["rows"] = rows
    return figures


def median_of(runs: list[dict[str, object]]) -> dict[str, object]:
    return {
        key: statistics.median(run[key] for run in runs)  # type: ignore[type-var]
        for key in ("requests_per_second", "p50_ms", "p95_ms", "p99_ms", "non_2xx", "socket_errors")
    }


def table(figures: dict[str, object]) -> list[str]:
    """The figures as text lines: one row per configuration and connection count."""
    lines = [
        f"request path: {figures['setup']}; load average {figures['load_average_before_after']}",
        "  "
        + " ".join(
            [f"{'endpoint':<26}", f"{'conns':>5}", *(f"{column:>8}" for column in COLUMNS), f"{'errors':>6}"]
        ),
    ]
    for name, row in figures["rows"].items():  # type: ignore[attr-defined]
        for connections, f in row.items():
            ratio = f"{f['vs_bare']:.3f}x" if "vs_bare" in f else "1x"
            errors = int(f["non_2xx"]) + int(f["socket_errors"])
            lines.append(
                f"  {name:<26} {connections:>5} {f['requests_per_second']:>8} {f['p50_ms']:>8} "
                f"{f['p95_ms']:>8} {f['p99_ms']:>8} {ratio:>8} {errors:>6}"
            )
    return lines
