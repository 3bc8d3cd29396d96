"""`make bench`: the figures the closing notes quote, as a table and build/bench.json.

- the cookiecutter CLI's whole-process render time of the default project, next to the
  same CLI rendering a one-file template in the same run (its floor), and their ratio
- wall time of each test tier (each run as `make` would run it)
- the rendered default project's test count, coverage and test wall time
- with DATABASE_URL and REDIS_URL: throttled-endpoint throughput per cache backend, per
  task queue the enqueue-to-done latency and a burst's throughput (bench_queue.py), and
  the throughput and p99 of the bookmark list and /livez with the observability options
  off, on, and on with tracing and Sentry sending (bench_overhead.py)
- with those and wrk: the request path at 20, 50 and 100 connections (a bare Django
  view as the ceiling, /livez, the logged-in user, the bookmark list) for the template
  before issue 12 and for the working tree (bench_request_path.py)
- with those and a Docker engine: the default project's image size and layers, its
  rebuild time after a code change, and its start-to-ready time (bench_image.py)

- with those: the credit ledger's reserve + capture throughput on one hot account and over
  100, and a charged API call's latency next to the same call uncharged (bench_credits.py)
- with those: GET /api/v1/auth/me/ with a Supabase token (ES256, keys cached) next to a
  simplejwt token, the defaults rendered both ways (bench_auth.py)

`--only GROUP` measures one group (render, tiers, suite, throttle, queues, overhead, credits,
auth, http, image).

Benchmarks, not assertions: nothing here fails because a number is large.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench_auth import auth_figures

from bench_credits import credit_figures
from bench_http import gunicorn, load, production_env
from bench_image import image_figures
from bench_overhead import overhead_figures
from bench_request_path import request_path_figures, table
from prodstarter_tools.harness import BUILD_DIR, TEMPLATE_DIR, render, run, uv_env
from prodstarter_tools.image import DOCKER
from prodstarter_tools.matrix import DEFAULTS, PRESETS, variants
from prodstarter_tools.services import database_url_for, recreate_database, redis_url_for

GROUPS = ["render", "tiers", "suite", "throttle", "queues", "overhead", "credits", "auth", "http", "image"]
RENDER_RUNS = 15
TIERS = {
    "render": ["-n", "auto", "-m", "render"],
    "artifacts": ["-n", "auto", "-m", "artifacts"],
    "project": ["-n", "auto", "--dist", "loadscope", "-m", "project"],
}


def one_file_template(root: Path) -> Path:
    """The smallest template the CLI renders: one answer, one file. What a render costs
    on top of it is what this template costs."""
    template = root / "one-file"
    (template / "{{cookiecutter.project_slug}}").mkdir(parents=True)
    (template / "cookiecutter.json").write_text('{"project_slug": "floor"}\n')
    (template / "{{cookiecutter.project_slug}}" / "README.md").write_text(
        "# {{ cookiecutter.project_slug }}\n"
    )
    return template


def cli_render_seconds() -> dict[str, list[float]]:
    """Whole-process wall time of `cookiecutter --no-input` as users run it, for the default
    project and for the one-file floor, alternating so that both see the same machine."""
    cli = str(Path(sys.executable).with_name("cookiecutter"))
    timings: dict[str, list[float]] = {"default": [], "floor": []}
    with tempfile.TemporaryDirectory() as scratch:
        templates = {"default": TEMPLATE_DIR, "floor": one_file_template(Path(scratch))}
        for run_number in range(-1, RENDER_RUNS):  # run -1 warms the disk cache
            for name, template in templates.items():
                output = Path(scratch) / f"{name}-{run_number}"
                started = time.perf_counter()
                subprocess.run(
                    [cli, "--no-input", "-o", str(output), str(template)], check=True, capture_output=True
                )
                if run_number >= 0:
                    timings[name].append(time.perf_counter() - started)
    return timings


def tier_seconds(args: list[str]) -> tuple[float, str]:
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", *args],
        cwd=TEMPLATE_DIR,
        capture_output=True,
        text=True,
        check=False,
    )
    summary = (result.stdout.strip().splitlines() or ["(no output)"])[-1]
    if result.returncode != 0:
        summary = f"FAILED (exit {result.returncode}): {summary}"
    return time.perf_counter() - started, summary


def rendered_suite() -> dict[str, object]:
    project = render(DEFAULTS, BUILD_DIR / "bench" / "default")
    env = uv_env(DEFAULTS["python_version"])
    url = database_url_for("prodstarter_bench")
    if url:
        env["DATABASE_URL"] = url
    run(["uv", "sync", "--all-groups"], project, env)
    started = time.perf_counter()
    output = run(["make", "test"], project, env)
    seconds = time.perf_counter() - started
    passed = re.search(r"(\d+) passed", output)
    coverage = re.search(r"^TOTAL\s.*?(\d+(?:\.\d+)?)%", output, re.MULTILINE)
    return {
        "tests_passed": int(passed.group(1)) if passed else None,
        "coverage_percent": float(coverage.group(1)) if coverage else None,
        "wall_seconds": round(seconds, 1),
        "database": "postgresql" if url else "sqlite",
    }


# A limit no benchmark reaches: every request is counted by the throttle, none refused.
UNREACHED_RATE = "1000000000/minute"
THROTTLE_PRESETS = {"redis": "default", "postgres": "postgres-only"}


def installed_preset(preset: str) -> tuple[Path, dict[str, str]]:
    return installed(preset, variants()[preset])


# Redis databases from 1, one per benchmarked render: the benchmarks run after the test
# tiers, never beside them (the tiers group waits for its tiers), and reuse their numbers.
BENCH_REDIS_DATABASES = [
    *PRESETS,
    "overhead-off",
    "overhead-on",
    "image",
    "credits-charged",
    "credits-uncharged",
    "auth-jwt",
    "auth-supabase",
]
# The groups run one after another: the request path's renders reuse the overhead's numbers.
SHARED_REDIS_DATABASES = {"path-baseline": "overhead-off", "path-current": "overhead-on"}


def installed(
    name: str, answers: dict[str, str], render: Callable[[dict[str, str], Path], Path] = render
) -> tuple[Path, dict[str, str]]:
    """Render and install ``answers`` under build/bench/``name``; return it with its service env.

    ``render`` renders another copy of the template (bench_request_path's baseline).
    """
    project = render(answers, BUILD_DIR / "bench" / name)
    env = uv_env(answers["python_version"])
    run(["uv", "sync"], project, env)
    database_url = database_url_for(f"prodstarter_bench_{name}")
    recreate_database(database_url)
    env["DATABASE_URL"] = database_url
    if answers["cache"] == "redis" or answers["task_queue"] == "celery":
        redis_url = redis_url_for(1 + BENCH_REDIS_DATABASES.index(SHARED_REDIS_DATABASES.get(name, name)))
        if answers["cache"] == "redis":
            env["REDIS_URL"] = redis_url
        if answers["task_queue"] == "celery":
            env["CELERY_BROKER_URL"] = redis_url
    return project, env


def throttled_endpoint_figures() -> dict[str, object]:
    """Requests/s through the atomic throttle, per cache backend (same endpoint, same load)."""
    figures = {}
    for cache, preset in THROTTLE_PRESETS.items():
        project, env = installed_preset(preset)
        env = production_env(
            env,
            THROTTLE_ANON_RATE=UNREACHED_RATE,
            THROTTLE_LOGIN_RATE=UNREACHED_RATE,
            THROTTLE_USER_RATE=UNREACHED_RATE,
        )
        run([str(project / ".venv/bin/python"), "manage.py", "migrate", "--noinput"], project, env)
        with gunicorn(project, env, project / "bench-gunicorn.log") as port:
            # An empty login is refused with 400 after the anon and login throttles counted it,
            # so the figure is the throttle plus a validation error, without password hashing.
            figures[cache] = load(port, "POST", "/api/v1/auth/token/", body=b"{}")
    return figures


QUEUE_PRESETS = {"celery": "default", "procrastinate": "postgres-only"}
BENCH_QUEUE = Path(__file__).resolve().parent / "bench_queue.py"


def queue_figures() -> dict[str, object]:
    """Latency and burst throughput of each task queue, one worker of concurrency 1."""
    figures = {}
    for queue, preset in QUEUE_PRESETS.items():
        project, env = installed_preset(preset)
        # The project's interpreter, so that the script sets up the project's Django.
        command = [str(project / ".venv/bin/python"), str(BENCH_QUEUE), queue]
        output = run(command, project, env)
        # run() returns stdout, then stderr; the script prints its JSON object on one line.
        figures[queue] = json.loads(next(line for line in output.splitlines() if line.startswith('{"queue"')))
    return figures


def figure_groups(only: str | None) -> set[str]:
    groups = {"render", "tiers", "suite"}
    if os.environ.get("DATABASE_URL") and os.environ.get("REDIS_URL"):
        groups |= {"throttle", "queues", "overhead", "credits", "auth"}
        if shutil.which("wrk"):
            groups.add("http")
        if DOCKER.exists():
            groups.add("image")
    return groups if only is None else {only}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=GROUPS, help="measure one group of figures")
    groups = figure_groups(parser.parse_args().only)
    results: dict[str, object] = {"machine": {"cores": os.cpu_count()}}
    if "render" in groups:
        timings = cli_render_seconds()
        default, floor = statistics.median(timings["default"]), statistics.median(timings["floor"])
        results["render_default"] = {
            "median_seconds": round(default, 3),
            "min_seconds": round(min(timings["default"]), 3),
            "max_seconds": round(max(timings["default"]), 3),
            "one_file_floor_median_seconds": round(floor, 3),
            "times_the_floor": round(default / floor, 2),
            "runs": RENDER_RUNS,
        }
    if "tiers" in groups:
        results["tiers"] = {}
        for tier, args in TIERS.items():
            seconds, summary = tier_seconds(args)
            results["tiers"][tier] = {"wall_seconds": round(seconds, 1), "summary": summary}
    if "suite" in groups:
        results["rendered_default_suite"] = rendered_suite()
    if "throttle" in groups:
        results["throttled_endpoint"] = throttled_endpoint_figures()
    if "queues" in groups:
        results["task_queues"] = queue_figures()
    if "overhead" in groups:
        results["observability_overhead"] = overhead_figures(installed, DEFAULTS)
    if "credits" in groups:
        results["credits"] = credit_figures(installed, DEFAULTS)
    if "auth" in groups:
        results["auth"] = auth_figures(installed, DEFAULTS)
    if "http" in groups:
        results["request_path"] = request_path_figures(installed, DEFAULTS, TEMPLATE_DIR)
    if "image" in groups:
        results["image"] = image_figures(installed, DEFAULTS)

    BUILD_DIR.mkdir(exist_ok=True)
    (BUILD_DIR / "bench.json").write_text(json.dumps(results, indent=2) + "\n")
    render_figures = results.get("render_default")
    suite = results.get("rendered_default_suite")
    rows = [
        *(
            [
                ("render default, cookiecutter CLI (median)", f"{render_figures['median_seconds']:.3f} s"),
                (
                    "render one-file template, same CLI (median)",
                    f"{render_figures['one_file_floor_median_seconds']:.3f} s",
                ),
                ("render default / one-file floor", f"{render_figures['times_the_floor']:.2f}x"),
                (
                    "render default (min-max)",
                    f"{render_figures['min_seconds']:.3f}-{render_figures['max_seconds']:.3f} s",
                ),
            ]
            if render_figures
            else []
        ),
        *(
            (f"tier {tier}", f"{figures['wall_seconds']:.1f} s  ({figures['summary']})")
            for tier, figures in results.get("tiers", {}).items()
        ),
        *(
            [
                ("rendered default: tests", str(suite["tests_passed"])),
                ("rendered default: coverage", f"{suite['coverage_percent']}%"),
                ("rendered default: make test", f"{suite['wall_seconds']} s on {suite['database']}"),
            ]
            if suite
            else []
        ),
        *(
            (f"throttled endpoint, cache={cache}", f"{f['requests_per_second']} req/s p99 {f['p99_ms']} ms")
            for cache, f in results.get("throttled_endpoint", {}).items()
        ),
        *(
            (
                f"task queue {queue}, 1 worker",
                f"p50 {f['latency_p50_ms']} ms p95 {f['latency_p95_ms']} ms, "
                f"burst of {f['burst_tasks']}: {f['tasks_per_second']} tasks/s",
            )
            for queue, f in results.get("task_queues", {}).items()
        ),
        *(
            (
                f"{endpoint}: observability {name}",
                f"{f['requests_per_second']} req/s p99 {f['p99_ms']} ms"
                + (f" ({f['throughput_vs_off']:.1%} of off)" if "throughput_vs_off" in f else ""),
            )
            for endpoint, row in results.get("observability_overhead", {}).items()
            for name, f in row.items()
        ),
    ]
    if credits := results.get("credits"):
        ledger, calls = credits["ledger"], credits["notes_create"]
        rows += [
            (
                "ledger reserve+capture, one hot account",
                f"{ledger['one_hot_account_pairs_per_second']} pairs/s",
            ),
            ("ledger reserve+capture, 100 accounts", f"{ledger['100_accounts_pairs_per_second']} pairs/s"),
            *(
                (
                    f"POST /api/v1/notes/ {name}",
                    f"{f['requests_per_second']} req/s p50 {f['p50_ms']} ms p95 {f['p95_ms']} ms",
                )
                for name, f in calls.items()
                if isinstance(f, dict)
            ),
            ("notes create p95, charged / uncharged", f"{calls['p95_charged_vs_uncharged']}x"),
        ]
    if auth := results.get("auth"):
        rows += [
            *(
                (
                    f"GET /api/v1/auth/me/ auth={name}",
                    f"{f['requests_per_second']} req/s p50 {f['p50_ms']} ms p95 {f['p95_ms']} ms",
                )
                for name, f in auth.items()
                if isinstance(f, dict)
            ),
            ("me p50, supabase - jwt", f"{auth['p50_supabase_minus_jwt_ms']} ms"),
        ]
    if image := results.get("image"):
        rows += [
            ("image (default project)", f"{image['size_mb']} MB"),
            *((f"  layer: {layer['instruction'][:60]}", layer["size"]) for layer in image["layers"]),
            ("image first build", f"{image['first_build_seconds']} s (with whatever the cache held)"),
            ("image rebuild after a code change", f"{image['rebuild_after_code_change_seconds']} s"),
            (
                "image start to ready (median)",
                f"{image['start_to_ready_median_seconds']} s of {image['start_to_ready_seconds']}",
            ),
        ]
    width = max((len(name) for name, _ in rows), default=0)
    for name, value in rows:
        print(f"{name:<{width}}  {value}")
    if request_path := results.get("request_path"):
        print("\n".join(table(request_path)))
    print(f"\nwritten to {BUILD_DIR / 'bench.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
