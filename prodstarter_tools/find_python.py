"""Print the path of a working CPython interpreter of the requested minor version.

uv cannot use pyenv's shims for versions that are not pyenv's current one (the shim
exits 127), and it must never download an interpreter here, so the harness and
`make demo` resolve a real binary and hand it to uv as UV_PYTHON.

Importable (``from prodstarter_tools.find_python import find_python``) and runnable by a
bare python3 before any virtualenv exists (the Makefile's TOOLS_PYTHON), so it imports
nothing but the standard library:

    python3 prodstarter_tools/find_python.py 3.13
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys


def candidates(version: str) -> list[str]:
    found = []
    pyenv_root = os.environ.get("PYENV_ROOT", os.path.expanduser("~/.pyenv"))
    found += sorted(glob.glob(f"{pyenv_root}/versions/{version}.*/bin/python{version}"), reverse=True)
    found += sorted(glob.glob(f"/usr/local/bin/python{version}")) + sorted(
        glob.glob(f"/usr/bin/python{version}")
    )
    on_path = shutil.which(f"python{version}")
    if on_path:
        found.append(on_path)
    return found


def works(interpreter: str, version: str) -> bool:
    probe = "import sys; print('%d.%d' % sys.version_info[:2])"
    try:
        result = subprocess.run([interpreter, "-c", probe], capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return result.returncode == 0 and result.stdout.strip() == version


def find_python(version: str) -> str | None:
    return next((path for path in candidates(version) if works(path, version)), None)


def main() -> int:
    version = sys.argv[1]
    interpreter = find_python(version)
    if interpreter is None:
        print(f"No working Python {version} interpreter found (looked in pyenv and on PATH)", file=sys.stderr)
        return 1
    print(interpreter)
    return 0


if __name__ == "__main__":
    sys.exit(main())
