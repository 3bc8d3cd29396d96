"""API authentication: Django's session cookie, with CSRF protection on unsafe methods
(users.authentication)."""

from config.settings.base import REST_FRAMEWORK

REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "{{ cookiecutter.project_slug }}.users.authentication.SessionAuthentication",
    ],
}

# The session cookie travels with cross-origin requests from the allowed origins only.
CORS_ALLOW_CREDENTIALS = True
