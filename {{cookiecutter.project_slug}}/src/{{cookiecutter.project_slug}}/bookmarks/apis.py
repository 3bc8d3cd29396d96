import uuid
from datetime import datetime
from typing import Any, cast

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from {{ cookiecutter.project_slug }}.bookmarks.models import NOTES_MAX_LENGTH, Bookmark
from {{ cookiecutter.project_slug }}.bookmarks.selectors import (
    ORDERING_CHOICES,
    bookmark_get,
    bookmark_list,
)
from {{ cookiecutter.project_slug }}.bookmarks.services import (
    bookmark_create,
    bookmark_delete,
    bookmark_update,
)
from {{ cookiecutter.project_slug }}.common.exceptions import PROBLEM_CONTENT_TYPE
from {{ cookiecutter.project_slug }}.common.fields import (
    NO_NUL_PATTERN,
    StrictBooleanField,
    StrictCharField,
    StrictURLField,
)
from {{ cookiecutter.project_slug }}.common.pagination import DefaultPagination, paginated_response
from {{ cookiecutter.project_slug }}.common.schema import problem_documentation
from {{ cookiecutter.project_slug }}.users.models import User
from {{ cookiecutter.project_slug }}.users.permissions import HasRoleAccess


class BookmarkOutputSerializer(serializers.Serializer[Bookmark]):
    id = serializers.UUIDField()
    owner = serializers.UUIDField(source="owner_id")
    title = serializers.CharField()
    url = serializers.URLField()
    notes = serializers.CharField()
    is_favorite = serializers.BooleanField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    def to_representation(self, instance: Bookmark) -> dict[str, Any]:
        # What the fields above give (tests/test_output.py compares the two), without DRF's
        # generic per-field work: most of the list's serialization time.
        zone = timezone.get_current_timezone()
        return {
            "id": str(instance.id),
            "owner": str(instance.owner_id),
            "title": instance.title,
            "url": instance.url,
            "notes": instance.notes,
            "is_favorite": instance.is_favorite,
            "created_at": iso_8601(instance.created_at.astimezone(zone)),
            "updated_at": iso_8601(instance.updated_at.astimezone(zone)),
        }


def iso_8601(value: datetime) -> str:
    """As DRF's DateTimeField writes an aware datetime: ISO 8601, UTC as Z."""
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


class BookmarkCreateInputSerializer(serializers.Serializer[Any]):
    title = StrictCharField(max_length=255)
    url = StrictURLField(max_length=2048)
    notes = StrictCharField(required=False, allow_blank=True, max_length=NOTES_MAX_LENGTH)
    is_favorite = StrictBooleanField(required=False)


class BookmarkUpdateInputSerializer(serializers.Serializer[Any]):
    title = StrictCharField(max_length=255, required=False)
    url = StrictURLField(max_length=2048, required=False)
    notes = StrictCharField(required=False, allow_blank=True, max_length=NOTES_MAX_LENGTH)
    is_favorite = StrictBooleanField(required=False)


# Documents the query parameters of BookmarkFilter, which validates them.
# Django refuses NUL in text parameters, as PostgreSQL cannot store it; the pattern says so.
TEXT_PARAMETER = {"type": "string", "pattern": NO_NUL_PATTERN}
LIST_PARAMETERS = [
    OpenApiParameter("search", TEXT_PARAMETER, description="Text in the title, notes or URL."),
    OpenApiParameter("title", TEXT_PARAMETER, description="Text in the title (case-insensitive)."),
    OpenApiParameter("is_favorite", bool),
    OpenApiParameter(
        "created_after", OpenApiTypes.DATETIME, description="Created at or after (ISO 8601)."
    ),
    OpenApiParameter(
        "created_before", OpenApiTypes.DATETIME, description="Created before (ISO 8601)."
    ),
    OpenApiParameter(
        "ordering",
        str,
        enum=[value for value, _ in ORDERING_CHOICES],
        description="Sort key; a leading '-' sorts descending. Newest first by default.",
    ),
]


# common.schema documents the error responses every operation shares; this one is ours.
DUPLICATE_URL = problem_documentation("You already have a bookmark for this URL.")


class BookmarkListCreateApi(APIView):
    permission_classes = (HasRoleAccess,)
    pagination_class = DefaultPagination

    @extend_schema(
        operation_id="bookmarks_list",
        summary="List the bookmarks you can see",
        tags=["bookmarks"],
        parameters=LIST_PARAMETERS,
        responses={200: BookmarkOutputSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        bookmarks = bookmark_list(user=cast(User, request.user), filters=request.query_params)
        return paginated_response(
            queryset=bookmarks,
            serializer_class=BookmarkOutputSerializer,
            request=request,
            view=self,
        )

    @extend_schema(
        operation_id="bookmarks_create",
        summary="Create a bookmark",
        tags=["bookmarks"],
        request=BookmarkCreateInputSerializer,
        responses={
            201: BookmarkOutputSerializer,
            (409, PROBLEM_CONTENT_TYPE): DUPLICATE_URL,
        },
    )
    def post(self, request: Request) -> Response:
        serializer = BookmarkCreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        bookmark = bookmark_create(owner=cast(User, request.user), **serializer.validated_data)
        return Response(BookmarkOutputSerializer(bookmark).data, status=status.HTTP_201_CREATED)


class BookmarkDetailApi(APIView):
    permission_classes = (HasRoleAccess,)

    def get_bookmark(self, request: Request, bookmark_id: uuid.UUID) -> Bookmark:
        bookmark = bookmark_get(user=cast(User, request.user), bookmark_id=bookmark_id)
        self.check_object_permissions(request, bookmark)
        return bookmark

    @extend_schema(
        operation_id="bookmarks_retrieve",
        summary="Get a bookmark",
        tags=["bookmarks"],
        responses={200: BookmarkOutputSerializer},
    )
    def get(self, request: Request, bookmark_id: uuid.UUID) -> Response:
        bookmark = self.get_bookmark(request, bookmark_id)
        return Response(BookmarkOutputSerializer(bookmark).data)

    @extend_schema(
        operation_id="bookmarks_update",
        summary="Change some fields of a bookmark",
        tags=["bookmarks"],
        request=BookmarkUpdateInputSerializer,
        responses={
            200: BookmarkOutputSerializer,
            (409, PROBLEM_CONTENT_TYPE): DUPLICATE_URL,
        },
    )
    def patch(self, request: Request, bookmark_id: uuid.UUID) -> Response:
        bookmark = self.get_bookmark(request, bookmark_id)
        serializer = BookmarkUpdateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        bookmark = bookmark_update(bookmark=bookmark, **serializer.validated_data)
        return Response(BookmarkOutputSerializer(bookmark).data)

    @extend_schema(
        operation_id="bookmarks_delete",
        summary="Delete a bookmark",
        tags=["bookmarks"],
        responses={204: None},
    )
    def delete(self, request: Request, bookmark_id: uuid.UUID) -> Response:
        bookmark = self.get_bookmark(request, bookmark_id)
        bookmark_delete(bookmark=bookmark)
        return Response(status=status.HTTP_204_NO_CONTENT)
