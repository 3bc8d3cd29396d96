from django.urls import path

from {{ cookiecutter.project_slug }}.credits.apis import (
    CreditAdjustApi,
    CreditBalanceApi,
    CreditGrantApi,
    CreditTransferListApi,
)

app_name = "credits"

urlpatterns = [
    path("balance/", CreditBalanceApi.as_view(), name="balance"),
    path("transfers/", CreditTransferListApi.as_view(), name="transfers"),
    path("grants/", CreditGrantApi.as_view(), name="grants"),
    path("adjustments/", CreditAdjustApi.as_view(), name="adjustments"),
]
