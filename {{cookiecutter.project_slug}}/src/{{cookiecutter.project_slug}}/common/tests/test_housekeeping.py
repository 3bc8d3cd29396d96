"""The periodic housekeeping task: it deletes what has expired, and nothing else."""

{% if cookiecutter.cache == "postgres" -%}
import time
{% endif -%}
from datetime import timedelta

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone
{%- if cookiecutter.auth == "jwt" %}
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
{%- endif %}

{% if cookiecutter.cache == "postgres" -%}
from {{ cookiecutter.project_slug }}.common.models import ThrottleCounter
{% endif -%}
from {{ cookiecutter.project_slug }}.common.tasks import housekeeping

pytestmark = pytest.mark.django_db


def session(*, expires_in: timedelta) -> str:
    store = SessionStore()
    store.set_expiry(timezone.now() + expires_in)
    store.create()
    assert store.session_key is not None
    return store.session_key


def test_housekeeping_deletes_expired_sessions_only() -> None:
    expired = session(expires_in=-timedelta(seconds=1))
    live = session(expires_in=timedelta(days=1))

    housekeeping()

    assert list(Session.objects.values_list("session_key", flat=True)) == [live]
    assert expired != live
{%- if cookiecutter.auth == "jwt" %}


def test_housekeeping_deletes_expired_refresh_tokens_only() -> None:
    now = timezone.now()
    for jti, expires_at in [("expired", now), ("live", now + timedelta(days=1))]:
        token = OutstandingToken.objects.create(jti=jti, token=jti, expires_at=expires_at)
        BlacklistedToken.objects.create(token=token)

    housekeeping()

    assert list(OutstandingToken.objects.values_list("jti", flat=True)) == ["live"]
    assert list(BlacklistedToken.objects.values_list("token__jti", flat=True)) == ["live"]
{%- endif %}
{%- if cookiecutter.cache == "postgres" %}


def test_housekeeping_deletes_the_counters_of_ended_rate_limit_windows() -> None:
    now = time.time()
    ThrottleCounter.objects.create(key="ended", hits=3, ends_at=now - 1)
    ThrottleCounter.objects.create(key="open", hits=3, ends_at=now + 60)

    housekeeping()

    assert list(ThrottleCounter.objects.values_list("key", flat=True)) == ["open"]
{%- endif %}


def test_a_second_run_finds_nothing_to_do() -> None:
    session(expires_in=-timedelta(seconds=1))
    housekeeping()
    live = session(expires_in=timedelta(days=1))

    housekeeping()

    assert list(Session.objects.values_list("session_key", flat=True)) == [live]
