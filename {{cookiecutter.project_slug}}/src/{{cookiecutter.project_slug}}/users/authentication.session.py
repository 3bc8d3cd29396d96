"""Session authentication for the API, answering 401 (not 403) to anonymous requests."""

from drf_spectacular.authentication import SessionScheme
from rest_framework import authentication
from rest_framework.request import Request


class SessionAuthentication(authentication.SessionAuthentication):
    """DRF's session authentication with a ``WWW-Authenticate`` challenge.

    DRF reports "not authenticated" as 403 when the authentication class offers no
    challenge, which a client cannot tell apart from "not allowed". With the challenge
    an anonymous request is a 401, and the client knows to log in first.
    """

    def authenticate_header(self, request: Request) -> str:
        return 'Session realm="api"'


class SessionAuthenticationScheme(SessionScheme):
    """Documents the subclass as drf-spectacular documents DRF's own: a session cookie."""

    target_class = "{{ cookiecutter.project_slug }}.users.authentication.SessionAuthentication"
    priority = 0
