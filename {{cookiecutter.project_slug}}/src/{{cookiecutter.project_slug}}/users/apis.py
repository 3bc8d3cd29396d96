from typing import cast

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

{% if cookiecutter.auth != "supabase" %}from {{ cookiecutter.project_slug }}.common.exceptions import PROBLEM_CONTENT_TYPE
from {{ cookiecutter.project_slug }}.common.schema import problem_documentation
{% endif %}from {{ cookiecutter.project_slug }}.users.models import Role, User
from {{ cookiecutter.project_slug }}.users.selectors import user_roles
{%- if cookiecutter.auth != "supabase" %}

# The errors a login endpoint answers besides those every operation shares (common.schema).
BAD_CREDENTIALS = problem_documentation(
    "The email or password is wrong, or the account is inactive."
)
# Refused before the password is checked (users.backends), whether the account exists or not.
LOGIN_THROTTLED = problem_documentation(
    "Too many login attempts from this address, or failed ones for this account: "
    "retry after Retry-After seconds, when the window ends."
)
{%- if cookiecutter.cache == "redis" %}
LOGIN_UNAVAILABLE = problem_documentation(
    "The login limits cannot be checked (the cache is unreachable), so no login is "
    "attempted: retry after Retry-After seconds."
)
{%- endif %}
LOGIN_ERROR_RESPONSES = {
    (401, PROBLEM_CONTENT_TYPE): BAD_CREDENTIALS,
    (429, PROBLEM_CONTENT_TYPE): LOGIN_THROTTLED,
{%- if cookiecutter.cache == "redis" %}
    (503, PROBLEM_CONTENT_TYPE): LOGIN_UNAVAILABLE,
{%- endif %}
}
{%- endif %}


class UserOutputSerializer(serializers.Serializer[User]):
    id = serializers.UUIDField()
    email = serializers.EmailField()
    full_name = serializers.CharField()
    roles = serializers.SerializerMethodField()

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(choices=Role.choices)))
    def get_roles(self, user: User) -> list[str]:
        return [str(role) for role in user_roles(user=user)]


class UserMeApi(APIView):
    @extend_schema(
        operation_id="auth_me",
        summary="The logged-in user and their roles",
        tags=["auth"],
        responses={200: UserOutputSerializer},
    )
    def get(self, request: Request) -> Response:
        return Response(UserOutputSerializer(cast(User, request.user)).data)
