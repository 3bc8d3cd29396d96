from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)

from {{ cookiecutter.project_slug }}.common.problem_views import problem_type, problem_types
from {{ cookiecutter.project_slug }}.common.throttling import DocsRateThrottle
from {{ cookiecutter.project_slug }}.common.views import favicon
from {{ cookiecutter.project_slug }}.health.apis import DetailedHealthApi

# The admin's pages are titled with the service's name.
admin.site.site_header = {{ cookiecutter.__project_name_literal }}
admin.site.site_title = {{ cookiecutter.__project_name_literal }}

# Swagger UI and ReDoc style their widgets inline, and ReDoc runs its search in a blob:
# worker: these two pages, and only they, get those allowances. Swagger UI's start-up
# code comes as a script file from the split view, so no page needs an inline script.
docs_csp = csp_update({"style-src": [UNSAFE_INLINE], "worker-src": ["blob:"]})
# The schema and the docs pages have a generous rate of their own ("docs"), instead of
# the anonymous API rate: a page load is several requests, and reading the docs must
# neither spend nor be starved by a client's API budget.
docs_throttle = {"throttle_classes": [DocsRateThrottle]}

urlpatterns = [
    # health.middleware.ProbeMiddleware answers these before the host check; they are
    # listed here too, so that the URL map is complete and reverse() knows them.
    path("", include("{{ cookiecutter.project_slug }}.health.urls")),
    # Behind the host check and the API's authentication, unlike the probes.
    path("health/detailed", DetailedHealthApi.as_view(), name="health-detailed"),
    path(settings.ADMIN_URL, admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(**docs_throttle), name="schema"),
    path(
        "api/docs/",
        docs_csp(SpectacularSwaggerSplitView.as_view(url_name="schema", **docs_throttle)),
        name="swagger-ui",
    ),
    path(
        "api/redoc/",
        docs_csp(
            SpectacularRedocView.as_view(
                url_name="schema", template_name="api_docs/redoc.html", **docs_throttle
            )
        ),
        name="redoc",
    ),
    # What each problem type means: the problems' type URIs point here.
    path("problems/", problem_types, name="problem-types"),
    path("problems/<slug:type_slug>", problem_type, name="problem-type"),
    path("favicon.ico", favicon, name="favicon"),
    path("api/v1/auth/", include("{{ cookiecutter.project_slug }}.users.urls")),
{%- if cookiecutter.example_app == "y" %}
    path("api/v1/bookmarks/", include("{{ cookiecutter.project_slug }}.bookmarks.urls")),
{%- endif %}
{%- if cookiecutter.__has_bookmark_exports == "y" %}
    path("api/v1/bookmarks/exports/", include("{{ cookiecutter.project_slug }}.exports.urls")),
{%- endif %}
{%- if cookiecutter.credits == "y" %}
    path("api/v1/credits/", include("{{ cookiecutter.project_slug }}.credits.urls")),
{%- endif %}
]

handler400 = "{{ cookiecutter.project_slug }}.common.views.bad_request"
handler403 = "{{ cookiecutter.project_slug }}.common.views.permission_denied"
handler404 = "{{ cookiecutter.project_slug }}.common.views.page_not_found"
handler500 = "{{ cookiecutter.project_slug }}.common.views.server_error"
