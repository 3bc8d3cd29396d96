from django.urls import path

from {{ cookiecutter.project_slug }}.users.apis import UserMeApi
{%- if cookiecutter.auth == "jwt" %}
from {{ cookiecutter.project_slug }}.users.apis_jwt import (
    UserLogoutApi,
    UserTokenObtainApi,
    UserTokenRefreshApi,
)
{%- else %}
from {{ cookiecutter.project_slug }}.users.apis_session import (
    UserCsrfApi,
    UserLoginApi,
    UserLogoutApi,
)
{%- endif %}

app_name = "users"

urlpatterns = [
{%- if cookiecutter.auth == "jwt" %}
    path("token/", UserTokenObtainApi.as_view(), name="token-obtain"),
    path("token/refresh/", UserTokenRefreshApi.as_view(), name="token-refresh"),
{%- else %}
    path("csrf/", UserCsrfApi.as_view(), name="csrf"),
    path("login/", UserLoginApi.as_view(), name="login"),
{%- endif %}
    path("logout/", UserLogoutApi.as_view(), name="logout"),
    path("me/", UserMeApi.as_view(), name="me"),
]
