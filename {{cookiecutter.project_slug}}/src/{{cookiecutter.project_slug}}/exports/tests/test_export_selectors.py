import uuid

import pytest

from {{ cookiecutter.project_slug }}.common.exceptions import NotFoundError
from {{ cookiecutter.project_slug }}.exports.models import BookmarkExport
from {{ cookiecutter.project_slug }}.exports.selectors import bookmark_export_get
from {{ cookiecutter.project_slug }}.users.models import User
from {{ cookiecutter.project_slug }}.users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_owner_gets_their_export(user: User) -> None:
    export = BookmarkExport.objects.create(owner=user)

    assert bookmark_export_get(user=user, export_id=export.pk) == export


@pytest.mark.parametrize("who", ["another member", "an admin"])
def test_nobody_else_gets_it_not_even_an_admin(user: User, admin_user: User, who: str) -> None:
    export = BookmarkExport.objects.create(owner=user)
    other = admin_user if who == "an admin" else UserFactory.create()

    with pytest.raises(NotFoundError):
        bookmark_export_get(user=other, export_id=export.pk)


def test_an_unknown_export_is_not_found(user: User) -> None:
    with pytest.raises(NotFoundError):
        bookmark_export_get(user=user, export_id=uuid.uuid4())
