from typing import Any, cast

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from {{ cookiecutter.project_slug }}.common.fields import Rfc3339DateTimeField
from {{ cookiecutter.project_slug }}.common.pagination import DefaultPagination, paginated_response
from {{ cookiecutter.project_slug }}.credits.models import CreditTransfer
from {{ cookiecutter.project_slug }}.credits.selectors import (
    Balance,
    credit_balance,
    credit_transfers,
)
from {{ cookiecutter.project_slug }}.users.models import User
from {{ cookiecutter.project_slug }}.users.permissions import HasRoleAccess


class CreditBalanceOutputSerializer(serializers.Serializer[Balance]):
    available = serializers.IntegerField(
        help_text="Credits that can still be spent: posted minus held."
    )
    held = serializers.IntegerField(help_text="Credits reserved for work under way.")
    posted = serializers.IntegerField(help_text="Credits granted minus credits charged.")


class CreditTransferOutputSerializer(serializers.Serializer[CreditTransfer]):
    id = serializers.UUIDField()
    kind = serializers.ChoiceField(choices=CreditTransfer.Kind.choices)
    amount = serializers.IntegerField(
        help_text="Credits moved; an adjustment that takes credits away is negative."
    )
    hold = serializers.UUIDField(
        source="hold_id",
        allow_null=True,
        help_text="The hold a capture, release or expiry resolves; otherwise null.",
    )
    # The stubs know Field.source (the attribute a field reads), not a field named so.
    source = serializers.CharField(  # type: ignore[assignment]
        help_text="A grant's source: paid or promotional; else empty."
    )
    reason = serializers.CharField(help_text="An adjustment's reason; otherwise empty.")
    expires_at = serializers.DateTimeField(
        allow_null=True, help_text="When a hold times out, or a grant lapses; otherwise null."
    )
    created_at = serializers.DateTimeField()


class CreditTransferFilterSerializer(serializers.Serializer[Any]):
    kind = serializers.ChoiceField(choices=CreditTransfer.Kind.choices, required=False)
    created_after = Rfc3339DateTimeField(required=False)
    created_before = Rfc3339DateTimeField(required=False)


TRANSFER_PARAMETERS = [
    OpenApiParameter("kind", str, enum=CreditTransfer.Kind.values, description="Only this kind."),
    OpenApiParameter(
        "created_after",
        OpenApiTypes.DATETIME,
        description="Only transfers made at or after this RFC 3339 date-time.",
    ),
    OpenApiParameter(
        "created_before",
        OpenApiTypes.DATETIME,
        description="Only transfers made before this RFC 3339 date-time.",
    ),
]


class CreditBalanceApi(APIView):
    permission_classes = (HasRoleAccess,)

    @extend_schema(
        operation_id="credits_balance_retrieve",
        summary="Your credit balance",
        tags=["credits"],
        responses={200: CreditBalanceOutputSerializer},
    )
    def get(self, request: Request) -> Response:
        balance = credit_balance(user=cast(User, request.user))
        return Response(CreditBalanceOutputSerializer(balance).data)


class CreditTransferListApi(APIView):
    permission_classes = (HasRoleAccess,)
    pagination_class = DefaultPagination

    @extend_schema(
        operation_id="credits_transfers_list",
        summary="Your credit transfers, newest first",
        tags=["credits"],
        parameters=TRANSFER_PARAMETERS,
        responses={200: CreditTransferOutputSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        # A plain dict: from a QueryDict, DRF reads "?kind=" as no filter at all, and a
        # parameter given without a value is a client's bug to hear about.
        filters = CreditTransferFilterSerializer(data=request.query_params.dict())
        filters.is_valid(raise_exception=True)
        transfers = credit_transfers(user=cast(User, request.user), **filters.validated_data)
        return paginated_response(
            queryset=transfers,
            serializer_class=CreditTransferOutputSerializer,
            request=request,
            view=self,
        )
