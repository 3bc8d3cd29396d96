"""Run a settings layer afresh, the way a process starting with it would.

The ``environment`` fixture in the root conftest.py decides what the layer reads.
"""

import importlib
import sys
from types import ModuleType
from typing import Any

import config.settings

PACKAGE = "config.settings"
# Reads .env: not settings itself, and the ``environment`` fixture points it elsewhere.
KEPT = {f"{PACKAGE}.dotenv"}


def settings_modules() -> dict[str, ModuleType]:
    return {
        name: module
        for name, module in sys.modules.items()
        if name.startswith(f"{PACKAGE}.") and name not in KEPT
    }


def load(layer: str) -> dict[str, Any]:
    """The settings ``layer`` gives, with base and every integration module run afresh
    too; the modules the running suite uses are put back afterwards."""
    running = settings_modules()
    for name in running:
        del sys.modules[name]
    try:
        return dict(vars(importlib.import_module(f"{PACKAGE}.{layer}")))
    finally:
        for name in settings_modules():
            del sys.modules[name]
        sys.modules.update(running)
        # Importing binds each submodule on its package too: bind the running ones again.
        for name, module in running.items():
            setattr(config.settings, name.removeprefix(f"{PACKAGE}."), module)


def load_base() -> dict[str, Any]:
    """The settings every layer shares, integrations included."""
    return load("base")
