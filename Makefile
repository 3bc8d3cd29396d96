# Prodstarter template: set-up, demo and the render-and-test matrix.
# Everything installs itself: uv comes from PyPI, Python interpreters are discovered.

PYTHON ?= python3
# A working uv on PATH, else one installed from PyPI into build/tools (a virtualenv, so
# distributions that protect their system Python with PEP 668 are fine too).
UV ?= $(shell uv --version >/dev/null 2>&1 && command -v uv || echo build/tools/bin/uv)
# The harness parses rendered code (PEP 695 generics and all), so it runs on the newest
# interpreter a rendered project may target, found outside pyenv's shims.
# Run as a plain script: it needs nothing but the standard library, and no venv exists yet.
TOOLS_PYTHON ?= $(shell $(PYTHON) prodstarter_tools/find_python.py 3.13)
PYTEST = $(UV) run --locked pytest
# Two presets, built side by side; -rP prints each image's size and layers.
IMAGE_TIER = -n 2 --dist loadscope -m image -rP
DEMO_PORT ?= 8000

# Never let uv download an interpreter: only the registries are reachable.
export UV_PYTHON_DOWNLOADS = never

.DEFAULT_GOAL := help
.PHONY: help setup promtool wrk docker-engine demo test test-fast test-render test-artifacts test-project test-image bench lint clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-15s %s\n", $$1, $$2}'

setup: ## Install uv (from PyPI), the template's own dev dependencies and its tooling (prodstarter_tools)
	@$(UV) --version >/dev/null 2>&1 || { $(PYTHON) -m venv build/tools && build/tools/bin/pip install --quiet uv; }
	@test -n "$(TOOLS_PYTHON)" || { echo "Python 3.13 is needed to run the template's tests; install it (pyenv install 3.13) or set TOOLS_PYTHON"; exit 1; }
	$(UV) sync --locked --python $(TOOLS_PYTHON)

# The package also installs a Prometheus server, which may start on :9090 (where no
# policy-rc.d forbids it): it is stopped and disabled, the tests need only promtool.
promtool: ## Install promtool (Debian's prometheus package) unless it is on PATH; needs root
	@command -v promtool >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" != 0 ]; then \
	    echo "promtool is missing and installing it needs root: run 'sudo apt-get install --no-install-recommends prometheus' (or put a promtool binary on PATH), then run make again"; \
	    exit 1; \
	  fi; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null; \
	  systemctl disable --now prometheus >/dev/null 2>&1 || service prometheus stop >/dev/null 2>&1 || true; \
	}

# The load generator of `make bench`'s request-path group (scripts/bench_request_path.py).
wrk: ## Install wrk (Debian's package) unless it is on PATH; needs root
	@command -v wrk >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" != 0 ]; then \
	    echo "wrk is missing and installing it needs root: run 'sudo apt-get install wrk' (or put a wrk binary on PATH), then run make again"; \
	    exit 1; \
	  fi; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends wrk >/dev/null; \
	}

# The image tier needs a Docker engine with BuildKit (Debian's docker.io; its dockerd is
# started by the tier when it is not running) and debootstrap, which builds the base image
# from Debian packages, since no container registry need be reachable.
docker-engine: ## Install Docker (Debian's docker.io) and debootstrap unless present; needs root
	@{ test -x /usr/sbin/dockerd || test -x /usr/bin/dockerd; } && test -x /usr/bin/docker -a -x /usr/sbin/debootstrap || { \
	  if [ "$$(id -u)" != 0 ]; then \
	    echo "the image tier needs Docker and debootstrap, and installing them needs root: run 'sudo apt-get install --no-install-recommends docker.io debootstrap', then run make again"; \
	    exit 1; \
	  fi; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker.io debootstrap >/dev/null; \
	}

demo: setup ## Render the default project into build/demo and serve it on 127.0.0.1:$(DEMO_PORT)
	DEMO_PORT=$(DEMO_PORT) $(UV) run --locked python scripts/demo.py

test: setup promtool docker-engine ## Every test tier: render, artifacts, project, image
	$(PYTEST) -n auto -m "render or artifacts"
	$(PYTEST) -n auto --dist loadscope -m project
	$(PYTEST) $(IMAGE_TIER)

test-fast: setup promtool ## The static tiers only: render and artifacts
	$(PYTEST) -n auto -m "render or artifacts"

test-render: setup ## Render tier only
	$(PYTEST) -n auto -m render

test-project: setup promtool ## Project tier only (needs DATABASE_URL for PostgreSQL)
	$(PYTEST) -n auto --dist loadscope -m project

test-image: setup docker-engine ## Image tier only: build and run the image (needs PostgreSQL, Redis)
	$(PYTEST) $(IMAGE_TIER)

bench: setup ## Measure render time, tier wall times, the rendered suite and the request path; writes build/bench.json
	@command -v wrk >/dev/null 2>&1 || [ "$$(id -u)" != 0 ] || $(MAKE) --no-print-directory wrk
	@command -v wrk >/dev/null 2>&1 || echo "wrk is missing (sudo make wrk): the request-path group is skipped"
	$(UV) run --locked python scripts/bench.py $(BENCH_ARGS)

lint: setup ## Lint the template's own code (hooks, tests, scripts, prodstarter_tools)
	$(UV) run --locked ruff check hooks tests scripts prodstarter_tools prodstarter_extensions.py
	$(UV) run --locked ruff format --check hooks tests scripts prodstarter_tools prodstarter_extensions.py

clean: ## Remove renders, bench results, the bootstrapped uv and caches
	rm -rf build .pytest_cache .ruff_cache
