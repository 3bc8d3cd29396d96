"""The template's own tooling, shared by its test tiers (tests/) and scripts (scripts/).

- harness: rendering, uv environments and subprocesses
- matrix: the supported combinations (presets and a pairwise covering set), VARIANTS
- services: PostgreSQL and Redis URLs and databases per test
- smoke: a logged-in client of a served project and the checks it runs
- image: the Docker engine, the debootstrap base image and the image builds
- generated_client: a typed client generated from a served project's schema
- workflow_checks: GitHub Actions checks shared by the template's and rendered workflows
- tutorial: TUTORIAL.md as steps to apply and run
- find_python: interpreter discovery (runnable standalone by a bare python3)

uv installs this package into the template's virtualenv (editable, `make setup`).
"""
