import uuid
from typing import cast

{% if cookiecutter.credits == "y" %}from django.conf import settings
{% endif %}from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

{% if cookiecutter.credits == "y" %}from {{ cookiecutter.project_slug }}.credits.charging import COST_EXTENSION
{% endif %}from {{ cookiecutter.project_slug }}.exports.models import BookmarkExport
from {{ cookiecutter.project_slug }}.exports.selectors import bookmark_export_get
from {{ cookiecutter.project_slug }}.exports.services import bookmark_export_create
from {{ cookiecutter.project_slug }}.users.models import User
from {{ cookiecutter.project_slug }}.users.permissions import HasRoleAccess


class BookmarkExportOutputSerializer(serializers.Serializer[BookmarkExport]):
    id = serializers.UUIDField()
    status = serializers.ChoiceField(choices=BookmarkExport.Status.choices)
    bookmark_count = serializers.IntegerField(
        allow_null=True, help_text="How many bookmarks the file holds, once it is done."
    )
    csv = serializers.SerializerMethodField(
        help_text="The CSV file, with a header row, once the export is done; otherwise null."
    )
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)

    def get_csv(self, export: BookmarkExport) -> str | None:
        return export.csv if export.status == BookmarkExport.Status.DONE else None


class BookmarkExportCreateApi(APIView):
    permission_classes = (HasRoleAccess,)

    @extend_schema(
        operation_id="bookmarks_exports_create",
        summary="Export your bookmarks as CSV",
        description=(
            "Starts building the file in the background and answers at once, with the "
            "export pending; poll the URL in the Location header until it is done."
        ),
        tags=["bookmarks"],
        request=None,
        responses={202: BookmarkExportOutputSerializer},
{%- if cookiecutter.credits == "y" %}
        # credits.schema states the cost, and the 402 of a caller without enough credits.
        extensions={COST_EXTENSION: settings.EXPORT_CREDIT_COST},
{%- endif %}
    )
    def post(self, request: Request) -> Response:
        export = bookmark_export_create(owner=cast(User, request.user))
        location = reverse("exports:detail", kwargs={"export_id": export.pk}, request=request)
        return Response(
            BookmarkExportOutputSerializer(export).data,
            status=status.HTTP_202_ACCEPTED,
            headers={"Location": location},
        )


class BookmarkExportDetailApi(APIView):
    permission_classes = (HasRoleAccess,)

    @extend_schema(
        operation_id="bookmarks_exports_retrieve",
        summary="Get one of your exports",
        tags=["bookmarks"],
        responses={200: BookmarkExportOutputSerializer},
    )
    def get(self, request: Request, export_id: uuid.UUID) -> Response:
        export = bookmark_export_get(user=cast(User, request.user), export_id=export_id)
        return Response(BookmarkExportOutputSerializer(export).data)
