"""The health token: lets a monitoring system read /health/detailed without a user account."""

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from rest_framework import authentication
from rest_framework.request import Request

from {{ cookiecutter.project_slug }}.common.access import bearer_token_matches

# request.auth of a caller that presented the health token.
MONITOR = "monitor"


class HealthTokenAuthentication(authentication.BaseAuthentication):
    """``Authorization: Bearer <HEALTH_TOKEN>`` authenticates the caller as the monitor.

    Any other bearer token is left to the API's own authentication, so staff users log in
    as they do everywhere else.
    """

    def authenticate(self, request: Request) -> tuple[AnonymousUser, str] | None:
        if bearer_token_matches(request._request, token=settings.HEALTH_TOKEN):
            return AnonymousUser(), MONITOR
        return None

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="health"'
