from django.urls import path

from {{ cookiecutter.project_slug }}.users.apis import UserMeApi
from {{ cookiecutter.project_slug }}.users.auth_apis import (
    UserLogoutApi,
    UserTokenObtainApi,
    UserTokenRefreshApi,
)

app_name = "users"

urlpatterns = [
    path("token/", UserTokenObtainApi.as_view(), name="token-obtain"),
    path("token/refresh/", UserTokenRefreshApi.as_view(), name="token-refresh"),
    path("logout/", UserLogoutApi.as_view(), name="logout"),
    path("me/", UserMeApi.as_view(), name="me"),
]
