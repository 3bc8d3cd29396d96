from drf_spectacular.generators import SchemaGenerator

from {{ cookiecutter.project_slug }}.bookmarks.selectors import BookmarkFilter


def test_the_list_documents_every_filter_and_the_pagination() -> None:
    schema = SchemaGenerator().get_schema(request=None, public=True)

    parameters = schema["paths"]["/api/v1/bookmarks/"]["get"]["parameters"]

    assert {parameter["name"] for parameter in parameters} == {
        *BookmarkFilter.base_filters,
        "page",
        "page_size",
    }
