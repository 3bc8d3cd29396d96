import contextlib
from urllib.parse import urlsplit, urlunsplit

import structlog
from django.db import IntegrityError, transaction
from django.utils.encoding import iri_to_uri, punycode

{% if cookiecutter.use_prometheus == "y" -%}
from {{ cookiecutter.project_slug }}.bookmarks.metrics import BOOKMARKS_CREATED
{% endif -%}
from {{ cookiecutter.project_slug }}.bookmarks.models import Bookmark
from {{ cookiecutter.project_slug }}.common.exceptions import ConflictError
from {{ cookiecutter.project_slug }}.users.models import User

logger = structlog.get_logger(__name__)

DUPLICATE_URL_MESSAGE = "You already have a bookmark for this URL."


def normalize_url(url: str) -> str:
    """``url`` in ASCII: an IDNA host name and %-escapes for the rest (RFC 3987's mapping).

    The URL's length limit counts characters, but the (owner, url) index limits bytes:
    once every character is one byte the limit bounds both, and an address typed as an
    IRI is the same bookmark as its URI. What cannot be converted is left for validation
    to reject.
    """
    try:
        parts = urlsplit(url)
    except ValueError:
        return iri_to_uri(url)
    if not parts.netloc.isascii():
        userinfo, at, host_and_port = parts.netloc.rpartition("@")
        host, colon, port = host_and_port.partition(":")
        with contextlib.suppress(UnicodeError):
            host = punycode(host)
        url = urlunsplit(parts._replace(netloc=f"{userinfo}{at}{host}{colon}{port}"))
    return iri_to_uri(url)


def bookmark_create(
    *,
    owner: User,
    title: str,
    url: str,
    notes: str = "",
    is_favorite: bool = False,
) -> Bookmark:
    bookmark = Bookmark(
        owner=owner, title=title, url=normalize_url(url), notes=notes, is_favorite=is_favorite
    )
    _save(bookmark)
{%- if cookiecutter.use_prometheus == "y" %}
    # Counted once the bookmark is committed: a rolled-back request created nothing.
    transaction.on_commit(BOOKMARKS_CREATED.inc)
{%- endif %}
    logger.info("bookmark.created", bookmark_id=str(bookmark.pk), owner_id=str(owner.pk))
    return bookmark


def bookmark_update(
    *,
    bookmark: Bookmark,
    title: str | None = None,
    url: str | None = None,
    notes: str | None = None,
    is_favorite: bool | None = None,
) -> Bookmark:
    """Change the fields given; ``None`` leaves a field as it is."""
    changes = {
        "title": title,
        "url": normalize_url(url) if url is not None else None,
        "notes": notes,
        "is_favorite": is_favorite,
    }
    updated_fields = [field for field, value in changes.items() if value is not None]
    if not updated_fields:
        return bookmark
    for field in updated_fields:
        setattr(bookmark, field, changes[field])
    _save(bookmark, update_fields=[*updated_fields, "updated_at"])
    logger.info("bookmark.updated", bookmark_id=str(bookmark.pk), fields=updated_fields)
    return bookmark


def bookmark_delete(*, bookmark: Bookmark) -> None:
    bookmark_id = bookmark.pk
    bookmark.delete()
    logger.info("bookmark.deleted", bookmark_id=str(bookmark_id))


def _save(bookmark: Bookmark, *, update_fields: list[str] | None = None) -> None:
    # The (owner, url) constraint is left to the database: checking first would race
    # with a concurrent request, and a duplicate is a conflict (409), not bad input.
    bookmark.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            bookmark.save(update_fields=update_fields)
    except IntegrityError as exc:
        raise ConflictError(DUPLICATE_URL_MESSAGE) from exc
