"""The WSGI and ASGI applications load with the project's settings and answer requests."""

import asyncio

from django.core.handlers.asgi import ASGIHandler
from django.core.handlers.wsgi import WSGIHandler
from django.test import AsyncClient

from config.asgi import application as asgi_application
from config.wsgi import application as wsgi_application


def test_the_wsgi_application_is_django() -> None:
    assert isinstance(wsgi_application, WSGIHandler)


def test_the_asgi_application_is_django() -> None:
    assert isinstance(asgi_application, ASGIHandler)


def test_the_asgi_stack_answers_with_a_request_id() -> None:
    response = asyncio.run(AsyncClient().get("/livez", headers={"X-Request-ID": "async-1"}))

    assert response.status_code == 200
    assert response["X-Request-ID"] == "async-1"
