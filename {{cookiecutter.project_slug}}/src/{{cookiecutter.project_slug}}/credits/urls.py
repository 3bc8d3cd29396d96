from django.urls import path

from {{ cookiecutter.project_slug }}.credits.apis import CreditBalanceApi, CreditTransferListApi

app_name = "credits"

urlpatterns = [
    path("balance/", CreditBalanceApi.as_view(), name="balance"),
    path("transfers/", CreditTransferListApi.as_view(), name="transfers"),
]
