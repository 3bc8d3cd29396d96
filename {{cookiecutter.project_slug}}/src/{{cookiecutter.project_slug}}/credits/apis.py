from datetime import timedelta
from typing import Any, cast

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from {{ cookiecutter.project_slug }}.common.exceptions import NotFoundError
from {{ cookiecutter.project_slug }}.common.fields import (
    Rfc3339DateTimeField,
    StrictCharField,
    StrictIntegerField,
)
from {{ cookiecutter.project_slug }}.common.pagination import DefaultPagination, paginated_response
from {{ cookiecutter.project_slug }}.common.schema import documented_problems
from {{ cookiecutter.project_slug }}.credits.idempotency import (
    IDEMPOTENCY_KEY_PARAMETER,
    IDEMPOTENCY_PROBLEMS,
    idempotent,
)
from {{ cookiecutter.project_slug }}.credits.models import CreditTransfer
from {{ cookiecutter.project_slug }}.credits.selectors import (
    Balance,
    credit_balance,
    credit_transfers,
)
from {{ cookiecutter.project_slug }}.credits.services import MAX_AMOUNT, credit_adjust, credit_grant
from {{ cookiecutter.project_slug }}.users.models import User
from {{ cookiecutter.project_slug }}.users.permissions import HasAdminRole, HasRoleAccess
from {{ cookiecutter.project_slug }}.users.selectors import user_get_by_email


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


# The longest a grant may run before it lapses, in days: ten years.
MAX_GRANT_DAYS = 3650


class StaffCreditInputSerializer(serializers.Serializer[Any]):
    # Only looked up (any case), never stored: an address no user has is a 404.
    email = StrictCharField(
        max_length=254, help_text="The email address of the user whose credits move."
    )


class CreditGrantInputSerializer(StaffCreditInputSerializer):
    amount = StrictIntegerField(min_value=1, max_value=MAX_AMOUNT)
    source = serializers.ChoiceField(  # type: ignore[assignment]  # as in the output
        choices=CreditTransfer.Source.choices, default=CreditTransfer.Source.PAID
    )
    # A number of days, not a date: a lapse in the past is impossible to ask for, and the
    # schema says so.
    expires_in_days = StrictIntegerField(
        required=False,
        min_value=1,
        max_value=MAX_GRANT_DAYS,
        help_text="The granted credits lapse this many days from now; never, if left out.",
    )


@extend_schema_field(
    {
        "type": "integer",
        "minimum": -MAX_AMOUNT,
        "maximum": MAX_AMOUNT,
        "not": {"enum": [0]},
        "description": "Credits to add (positive) or take away (negative); not zero.",
    }
)
class AdjustmentAmountField(StrictIntegerField):
    def to_internal_value(self, data: Any) -> int:
        amount = super().to_internal_value(data)
        if amount == 0:
            raise serializers.ValidationError("An adjustment moves at least one credit.")
        return amount


class CreditAdjustInputSerializer(StaffCreditInputSerializer):
    amount = AdjustmentAmountField(min_value=-MAX_AMOUNT, max_value=MAX_AMOUNT)
    reason = StrictCharField(max_length=1000, help_text="Why: kept with the transfer.")


def account_holder(email: str) -> User:
    try:
        return user_get_by_email(email=email)
    except User.DoesNotExist:
        raise NotFoundError(f"No user has the email address {email!r}.") from None


def staff_transfer_schema(
    *, operation_id: str, summary: str, request: type, problems: dict[int, str] | None = None
) -> Any:
    return extend_schema(
        operation_id=operation_id,
        summary=summary,
        tags=["credits"],
        request=request,
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        responses={
            201: CreditTransferOutputSerializer,
            **documented_problems(
                {404: "No user has this email address.", **(problems or {}), **IDEMPOTENCY_PROBLEMS}
            ),
        },
    )


class CreditGrantApi(APIView):
    permission_classes = (HasAdminRole,)

    @staff_transfer_schema(
        operation_id="credits_grants_create",
        summary="Grant credits to a user (admins only)",
        request=CreditGrantInputSerializer,
    )
    @idempotent
    def post(self, request: Request, *, idempotency_key: str) -> Response:
        serializer = CreditGrantInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        days = data.get("expires_in_days")
        transfer = credit_grant(
            user=account_holder(data["email"]),
            amount=data["amount"],
            source=data["source"],
            expires_at=None if days is None else timezone.now() + timedelta(days=days),
            idempotency_key=idempotency_key,
        )
        return Response(
            CreditTransferOutputSerializer(transfer).data, status=status.HTTP_201_CREATED
        )


class CreditAdjustApi(APIView):
    permission_classes = (HasAdminRole,)

    @staff_transfer_schema(
        operation_id="credits_adjustments_create",
        summary="Correct a user's credits either way (admins only)",
        request=CreditAdjustInputSerializer,
        problems={402: "Taking the credits away would overdraw the account."},
    )
    @idempotent
    def post(self, request: Request, *, idempotency_key: str) -> Response:
        serializer = CreditAdjustInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        transfer = credit_adjust(
            user=account_holder(data["email"]),
            amount=data["amount"],
            reason=data["reason"],
            idempotency_key=idempotency_key,
        )
        return Response(
            CreditTransferOutputSerializer(transfer).data, status=status.HTTP_201_CREATED
        )
