from django.urls import path

from {{ cookiecutter.project_slug }}.users.apis import UserMeApi

app_name = "users"

# Users sign in with Supabase Auth: this service only answers who they are.
urlpatterns = [
    path("me/", UserMeApi.as_view(), name="me"),
]
