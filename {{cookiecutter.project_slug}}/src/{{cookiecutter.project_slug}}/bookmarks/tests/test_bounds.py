"""A bookmark's every text column is bounded in the database, and so is a page of them.

Without the bounds, 40 bookmarks with 2.6 MB of notes each made one list response of
104 MB, and five concurrent lists took the workers from 762 MiB to 2.5 GiB.
"""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from rest_framework.test import APIClient

from {{ cookiecutter.project_slug }}.bookmarks.models import NOTES_MAX_LENGTH, Bookmark
from {{ cookiecutter.project_slug }}.bookmarks.tests.factories import BookmarkFactory
from {{ cookiecutter.project_slug }}.common.pagination import DefaultPagination
from {{ cookiecutter.project_slug }}.users.models import User

pytestmark = pytest.mark.django_db

TEXT_FIELDS = [
    field
    for field in Bookmark._meta.concrete_fields
    if isinstance(field, (models.CharField, models.TextField))
]
# The most a character of a text column takes in a JSON response: a control character
# is written as \u0001. (PostgreSQL stores no NUL; any other character takes at most
# four bytes in UTF-8.)
MAX_JSON_BYTES_PER_CHARACTER = 6
# Everything in a row but its text: keys, ids, dates, booleans.
ROW_OVERHEAD = 512
# The bound the model's comment promises for the largest page.
LARGEST_PAGE_BOUND = 8 * 1024 * 1024


def test_every_text_column_has_a_length_limit() -> None:
    assert {field.name for field in TEXT_FIELDS} == {"title", "url", "notes"}
    assert all(field.max_length for field in TEXT_FIELDS)


def test_notes_over_the_limit_are_refused_by_the_database_itself(user: User) -> None:
    # A TextField's max_length binds forms only; the check constraint binds any writer.
    with pytest.raises(IntegrityError), transaction.atomic():
        BookmarkFactory.create(owner=user, notes="x" * (NOTES_MAX_LENGTH + 1))

    BookmarkFactory.create(owner=user, notes="x" * NOTES_MAX_LENGTH)


def test_model_validation_reports_notes_over_the_limit(user: User) -> None:
    # As the admin's form does, which also shows the limit on the notes field.
    bookmark = BookmarkFactory.build(owner=user, notes="x" * (NOTES_MAX_LENGTH + 1))

    with pytest.raises(ValidationError, match="bookmarks_notes_max_length"):
        bookmark.full_clean()


def test_the_largest_page_of_the_largest_rows_stays_bounded(
    member_client: APIClient, user: User
) -> None:
    page_size = DefaultPagination.max_page_size
    longest = {field.name: field.max_length or 0 for field in TEXT_FIELDS}
    # Every character the costliest to write; each URL unique, as the owner's must be.
    Bookmark.objects.bulk_create(
        Bookmark(
            owner=user,
            title="\x01" * longest["title"],
            url=f"{n:04}" + "\x01" * (longest["url"] - 4),
            notes="\x01" * longest["notes"],
        )
        for n in range(page_size)
    )
    row_bound = MAX_JSON_BYTES_PER_CHARACTER * sum(longest.values()) + ROW_OVERHEAD

    response = member_client.get("/api/v1/bookmarks/", {"page_size": page_size})

    assert response.status_code == 200
    assert len(response.json()["results"]) == page_size
    size = len(response.content)
    assert size <= page_size * row_bound <= LARGEST_PAGE_BOUND
    # The rows really were the worst case: the bound is not loose.
    assert size >= 0.95 * page_size * (row_bound - ROW_OVERHEAD)
