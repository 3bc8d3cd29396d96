"""`make demo`: render the default project into build/demo, install it and serve it.

Development settings and SQLite, so it runs on a bare machine. A demo superuser is
created so the admin and the authenticated endpoints can be tried at once.
"""

from __future__ import annotations

import os
import sys

from prodstarter_tools.harness import BUILD_DIR, render, run, uv_env
from prodstarter_tools.matrix import DEFAULTS

DEMO_USER = {"email": "demo@example.com", "password": "demo-password-change-me"}


def main() -> int:
    port = os.environ.get("DEMO_PORT", "8000")
    project = render(DEFAULTS, BUILD_DIR / "demo")
    env = uv_env(DEFAULTS["python_version"], DJANGO_SETTINGS_MODULE="config.settings.development")
    env.pop("DATABASE_URL", None)
    print(f"Rendered {project}; installing with uv ...", flush=True)
    run(["uv", "sync"], project, env)
    manage = [str(project / ".venv/bin/python"), "manage.py"]
    run([*manage, "migrate", "--noinput"], project, env)
    run(
        [*manage, "createsuperuser", "--noinput"],
        project,
        {
            **env,
            "DJANGO_SUPERUSER_EMAIL": DEMO_USER["email"],
            "DJANGO_SUPERUSER_PASSWORD": DEMO_USER["password"],
        },
    )
    base = f"http://127.0.0.1:{port}"
    print(
        f"""
Demo service: {project}
  API docs (Swagger UI)  {base}/api/docs/
  API docs (ReDoc)       {base}/api/redoc/
  OpenAPI schema         {base}/api/schema/
  Admin                  {base}/admin/
  Probes                 {base}/livez  {base}/readyz  {base}/healthz
  Demo login             {DEMO_USER["email"]} / {DEMO_USER["password"]}
Press Ctrl+C to stop.
""",
        flush=True,
    )
    os.chdir(project)
    os.execve(manage[0], [*manage, "runserver", f"127.0.0.1:{port}"], env)


if __name__ == "__main__":
    sys.exit(main())
