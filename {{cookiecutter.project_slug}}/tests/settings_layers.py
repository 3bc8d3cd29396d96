"""Run a settings layer afresh, the way a process starting with it would.

The ``environment`` fixture in the root conftest.py decides what the layer reads.
"""

import runpy
from typing import Any

from config.settings import base


def load(layer: str) -> dict[str, Any]:
    return runpy.run_module(f"config.settings.{layer}")


def load_base() -> dict[str, Any]:
    """The base settings, run afresh (the other layers import the module already loaded)."""
    return runpy.run_path(base.__file__)
