from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tests.support.commands import command_output

from {{ cookiecutter.project_slug }}.credits.models import CreditAccount, CreditTransfer
from {{ cookiecutter.project_slug }}.credits.selectors import credit_balance
from {{ cookiecutter.project_slug }}.credits.services import credit_grant, credit_reserve
from {{ cookiecutter.project_slug }}.users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    return command_output(*args)


def test_an_operator_grants_credits_once_per_key() -> None:
    user = UserFactory.create(email="ada@example.com")
    grant = ["credits", "grant", "--user", "ada@example.com", "--amount", "20", "--key", "promo"]

    first = run(*grant, "--source", "promotional", "--expires", "2030-01-31T00:00:00Z")
    second = run(*grant, "--source", "promotional", "--expires", "2030-01-31T00:00:00Z")

    assert "Granted 20 credits to ada@example.com" in first
    assert second == first
    transfer = CreditTransfer.objects.get()
    assert transfer.source == "promotional"
    assert transfer.expires_at == datetime(2030, 1, 31, tzinfo=UTC)
    assert credit_balance(user=user).available == 20
    assert run("credits", "balance", "--user", "ada@example.com") == (
        "ada@example.com: 20 available, 0 held, 20 posted\n"
    )


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--user", "nobody@example.com", "--amount", "5"], "No user has the email address"),
        (["--user", "ada@example.com", "--amount", "0"], "positive number of credits"),
        (["--user", "ada@example.com", "--amount", str(10**23)], "up to 1000000000000"),
        (
            ["--user", "ada@example.com", "--amount", "5", "--key", ""],
            "idempotency key is 1 to 255",
        ),
        (["--user", "ada@example.com", "--amount", "5", "--key", "k" * 256], "idempotency key"),
        (
            ["--user", "ada@example.com", "--amount", "5", "--expires", "2020-01-31T00:00:00Z"],
            "has passed",
        ),
    ],
)
def test_a_wrong_grant_is_refused_with_the_reason(arguments: list[str], message: str) -> None:
    UserFactory.create(email="ada@example.com")

    with pytest.raises(CommandError, match=message):
        run("credits", "grant", *arguments)

    assert not CreditTransfer.objects.exists()


def test_an_expiry_without_its_utc_offset_is_refused() -> None:
    UserFactory.create(email="ada@example.com")
    grant = ["credits", "grant", "--user", "ada@example.com", "--amount", "5"]

    with pytest.raises(CommandError, match="not a date and time with its UTC offset"):
        run(*grant, "--expires", "2030-01-31")


def test_the_check_passes_a_ledger_that_adds_up_and_names_each_mismatch() -> None:
    user = UserFactory.create(email="ada@example.com")
    run("credits", "grant", "--user", "ada@example.com", "--amount", "20")
    assert run("credits_check") == "Every credit balance matches its transfers.\n"

    CreditAccount.objects.filter(user=user).update(credits_posted=25, debits_posted=1)
    output = StringIO()
    with pytest.raises(CommandError, match="2 credit totals do not match"):
        call_command("credits_check", stdout=output, stderr=output)

    account = CreditAccount.objects.get(user=user).pk
    assert output.getvalue().splitlines() == [
        f"account {account} (ada@example.com): credits_posted is 25, its transfers add up to 20",
        f"account {account} (ada@example.com): debits_posted is 1, its transfers add up to 0",
    ]


def test_upkeep_voids_the_timed_out_holds_and_says_how_many() -> None:
    user = UserFactory.create()
    credit_grant(user=user, amount=10, idempotency_key="welcome")
    # Timed out a microsecond after it was made.
    credit_reserve(user=user, amount=4, idempotency_key="job", timeout=timedelta(microseconds=1))

    assert run("credits", "upkeep") == (
        "Holds expired: 1; grants lapsed: 0; Idempotency-Keys forgotten: 0\n"
    )
    assert credit_balance(user=user).available == 10
