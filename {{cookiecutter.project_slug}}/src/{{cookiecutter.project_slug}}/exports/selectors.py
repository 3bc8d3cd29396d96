import uuid

from {{ cookiecutter.project_slug }}.common.exceptions import NotFoundError
from {{ cookiecutter.project_slug }}.exports.models import BookmarkExport
from {{ cookiecutter.project_slug }}.users.models import User


def bookmark_export_get(*, user: User, export_id: uuid.UUID) -> BookmarkExport:
    """One of ``user``'s own exports; admins too see only theirs, as an export copies its
    owner's data."""
    try:
        return BookmarkExport.objects.get(pk=export_id, owner=user)
    except BookmarkExport.DoesNotExist as exc:
        raise NotFoundError("Export not found.") from exc
