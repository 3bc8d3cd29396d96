import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from io import StringIO
from typing import Any

from {{ cookiecutter.project_slug }}.common.logging import processor_formatter


class LogCapture:
    """The lines the service logs, formatted exactly as production's handler does."""

    def __init__(self, stream: StringIO) -> None:
        self.stream = stream

    def records(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.stream.getvalue().splitlines()]

    def events(self, event: str) -> list[dict[str, Any]]:
        return [record for record in self.records() if record["event"] == event]


@contextmanager
def capture_json_logs() -> Iterator[LogCapture]:
    stream = StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(processor_formatter(json=True))
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield LogCapture(stream)
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
