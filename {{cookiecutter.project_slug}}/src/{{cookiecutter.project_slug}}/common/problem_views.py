"""The pages the problem type URIs point to: what each type means, as RFC 9457 suggests.

Plain Django views, not API views: anyone may read them, without spending an API rate,
and they stay out of the OpenAPI schema, which describes the API itself.
"""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import cache_control

from {{ cookiecutter.project_slug }}.common.exceptions import PROBLEM_TYPE_BASE, PROBLEM_TYPES

# The descriptions change only with a release.
cached = cache_control(public=True, max_age=3600)


@cached
def problem_types(request: HttpRequest) -> HttpResponse:
    entries = [
        {"uri": PROBLEM_TYPE_BASE + slug, "title": title}
        for slug, (title, _description) in PROBLEM_TYPES.items()
    ]
    return render(request, "problems/problem_types.html", {"problem_types": entries})


@cached
def problem_type(request: HttpRequest, type_slug: str) -> HttpResponse:
    try:
        title, description = PROBLEM_TYPES[type_slug]
    except KeyError:
        raise Http404 from None
    return render(
        request,
        "problems/problem_type.html",
        {"uri": PROBLEM_TYPE_BASE + type_slug, "title": title, "description": description},
    )
