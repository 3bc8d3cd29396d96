"""Jinja extension cookiecutter loads in its own process (`_extensions` in cookiecutter.json).

The pre-gen hook refuses bad answers with one line each and the command that renders
again with them fixed. Cookiecutter then logs its own traceback of the hook's exit status,
which adds nothing and pushes those lines off the screen. Only code running inside
cookiecutter's process can stop that, and an extension is the one such place a template
has: this one drops that log record. Cookiecutter still raises FailedHookException, so
callers of its API and its CLI's exit status see the refusal as before.
"""

import logging

from cookiecutter.exceptions import FailedHookException
from jinja2 import Environment
from jinja2.ext import Extension


def keep_unless_pre_gen_refusal(record: logging.LogRecord) -> bool:
    failure = record.exc_info[0] if record.exc_info else None
    refused = failure is not None and issubclass(failure, FailedHookException)
    return not (refused and record.args == ("pre_gen_project",))


class QuietHookRefusal(Extension):
    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        # Every render creates several environments: add the filter once per process.
        hooks_logger = logging.getLogger("cookiecutter.hooks")
        if keep_unless_pre_gen_refusal not in hooks_logger.filters:
            hooks_logger.addFilter(keep_unless_pre_gen_refusal)
