from django.urls import path

from {{ cookiecutter.project_slug }}.users.apis import UserMeApi
from {{ cookiecutter.project_slug }}.users.auth_apis import (
    UserCsrfApi,
    UserLoginApi,
    UserLogoutApi,
)

app_name = "users"

urlpatterns = [
    path("csrf/", UserCsrfApi.as_view(), name="csrf"),
    path("login/", UserLoginApi.as_view(), name="login"),
    path("logout/", UserLogoutApi.as_view(), name="logout"),
    path("me/", UserMeApi.as_view(), name="me"),
]
