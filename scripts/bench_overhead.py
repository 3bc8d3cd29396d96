"""What the observability stack costs: the same endpoints served with it off and on.

Three renders of the default project, served side by side by gunicorn (2 workers each):

- off:    use_prometheus=n, use_opentelemetry=n, use_sentry=n
- on:     all three y; tracing and Sentry installed but inert (no endpoint, no DSN)
- active: the "on" render with OTEL_EXPORTER_OTLP_ENDPOINT and SENTRY_DSN pointing at a
          local sink that accepts and discards what is sent, so every span is exported
- sampled: as active, keeping one trace in ten (OTEL_TRACES_SAMPLER=parentbased_traceidratio)

Rounds alternate between the configurations, so that a busy moment of the machine hurts
them alike; each figure is the median of the rounds. A benchmark, not a test.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
from contextlib import ExitStack
from pathlib import Path

import httpx

from bench_http import free_port, gunicorn, load, production_env

ROUNDS = 3
SECONDS_PER_ROUND = 5.0
BOOKMARKS = 20
UNREACHED_RATE = "1000000000/minute"
USER = {"email": "bench@example.com", "password": "bench-password-4k9x"}
ENDPOINTS = {"bookmark list": "/api/v1/bookmarks/", "livez": "/livez"}

# Accepts any POST (OTLP/HTTP export, Sentry envelope) with an empty 200.
SINK = """
import http.server, sys

class Sink(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass

http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Sink).serve_forever()
"""


def observability_answers(defaults: dict[str, str], value: str) -> dict[str, str]:
    return {**defaults, "use_prometheus": value, "use_opentelemetry": value, "use_sentry": value}


def prepare(project: Path, env: dict[str, str]) -> None:
    python = str(project / ".venv/bin/python")
    for command in (["migrate", "--noinput"], ["collectstatic", "--noinput"]):
        subprocess.run([python, "manage.py", *command], cwd=project, env=env, check=True, capture_output=True)
    subprocess.run(
        [python, "manage.py", "createsuperuser", "--noinput"],
        cwd=project,
        env={**env, "DJANGO_SUPERUSER_EMAIL": USER["email"], "DJANGO_SUPERUSER_PASSWORD": USER["password"]},
        check=True,
        capture_output=True,
    )


def authorise(port: int) -> dict[str, str]:
    """Log in, create the bookmarks the list shows, and return the request headers."""
    base = f"http://127.0.0.1:{port}"
    proxy = {"X-Forwarded-Proto": "https"}
    # The first request loads the application and hashes a password: seconds on a busy machine.
    token = httpx.post(f"{base}/api/v1/auth/token/", json=USER, headers=proxy, timeout=60).json()["access"]
    headers = {**proxy, "Authorization": f"Bearer {token}"}
    for number in range(BOOKMARKS):
        created = httpx.post(
            f"{base}/api/v1/bookmarks/",
            json={"title": f"Bookmark {number}", "url": f"https://example.com/{number}"},
            headers=headers,
            timeout=30,
        )
        created.raise_for_status()
    return {"Authorization": headers["Authorization"]}


def overhead_figures(installed, defaults: dict[str, str]) -> dict[str, object]:
    """``installed(name, answers) -> (project, env)`` renders and installs a variant."""
    variants = {
        "off": installed("overhead-off", observability_answers(defaults, "n")),
        "on": installed("overhead-on", observability_answers(defaults, "y")),
    }
    sink_port = free_port()
    rates = {f"THROTTLE_{kind}_RATE": UNREACHED_RATE for kind in ("ANON", "USER", "LOGIN")}
    sending = {
        "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{sink_port}",
        "SENTRY_DSN": f"http://public@127.0.0.1:{sink_port}/1",
    }
    configurations = {
        "off": (variants["off"], {}),
        "on": (variants["on"], {}),
        "active": (variants["on"], sending),
        "sampled": (
            variants["on"],
            {**sending, "OTEL_TRACES_SAMPLER": "parentbased_traceidratio", "OTEL_TRACES_SAMPLER_ARG": "0.1"},
        ),
    }
    samples: dict[str, dict[str, list[dict[str, object]]]] = {
        name: {endpoint: [] for endpoint in ENDPOINTS} for name in configurations
    }
    with ExitStack() as stack:
        sink = subprocess.Popen([sys.executable, "-c", SINK, str(sink_port)])
        stack.callback(sink.wait, timeout=10)
        stack.callback(sink.terminate)
        ports, headers = {}, {}
        envs: dict[str, dict[str, str]] = {}
        for name, ((project, base_env), extra) in configurations.items():
            if name in ("active", "sampled"):
                # The "on" render, its database and its signing key (the token stays valid).
                env = {**envs["on"], **extra}
            else:
                env = production_env(base_env, **rates)
                prepare(project, env)
            envs[name] = env
            ports[name] = stack.enter_context(gunicorn(project, env, project / f"bench-{name}.log"))
            headers[name] = headers["on"] if name in ("active", "sampled") else authorise(ports[name])
        for _ in range(ROUNDS):
            for endpoint, path in ENDPOINTS.items():
                for name in configurations:
                    samples[name][endpoint].append(
                        load(ports[name], "GET", path, headers=headers[name], seconds=SECONDS_PER_ROUND)
                    )
    figures: dict[str, object] = {}
    for endpoint in ENDPOINTS:
        row = {}
        for name in configurations:
            runs = samples[name][endpoint]
            assert all(set(run["statuses"]) == {"200"} for run in runs), runs
            row[name] = {
                "requests_per_second": statistics.median(run["requests_per_second"] for run in runs),
                "p99_ms": statistics.median(run["p99_ms"] for run in runs),
            }
        off = row["off"]["requests_per_second"]
        for name in ("on", "active", "sampled"):
            row[name]["throughput_vs_off"] = round(row[name]["requests_per_second"] / off, 3)
        figures[endpoint] = row
    return figures
