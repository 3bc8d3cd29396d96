from django.urls import path

from {{ cookiecutter.project_slug }}.health.apis import HealthApi, LivenessApi, ReadinessApi

urlpatterns = [
    path("livez", LivenessApi.as_view(), name="livez"),
    path("readyz", ReadinessApi.as_view(), name="readyz"),
    path("healthz", HealthApi.as_view(), name="healthz"),
]
