from collections.abc import Iterator

import pytest
from django.test import Client

from tests.logs import LogCapture, capture_json_logs


@pytest.fixture
def json_logs() -> Iterator[LogCapture]:
    with capture_json_logs() as logs:
        yield logs


@pytest.fixture
def crash_client() -> Client:
    """A client that gets the 500 response, as a real caller would, instead of the exception."""
    return Client(raise_request_exception=False)
