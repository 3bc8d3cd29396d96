"""The ledger against a model of it in memory: any sequence of operations, same outcome."""

from datetime import timedelta

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, consumes, invariant, rule

from {{ cookiecutter.project_slug }}.credits.models import CreditTransfer
from {{ cookiecutter.project_slug }}.credits.selectors import (
    credit_balance,
    credit_ledger_mismatches,
)
from {{ cookiecutter.project_slug }}.credits.services import (
    HoldResolvedError,
    InsufficientCreditsError,
    credit_adjust,
    credit_capture,
    credit_grant,
    credit_release,
    credit_reserve,
)
from {{ cookiecutter.project_slug }}.users.tests.factories import UserFactory

amounts = st.integers(min_value=1, max_value=50)


class Ledger(RuleBasedStateMachine):
    """Posted and held credits in plain integers, beside the real account."""

    holds = Bundle("holds")

    def __init__(self) -> None:
        super().__init__()
        self.user = UserFactory.create()
        self.posted = 0
        self.held: dict[str, int] = {}
        self.keys = 0

    def key(self) -> str:
        self.keys += 1
        return f"op-{self.keys}"

    @property
    def available(self) -> int:
        return self.posted - sum(self.held.values())

    @rule(amount=amounts)
    def grant(self, amount: int) -> None:
        credit_grant(user=self.user, amount=amount, idempotency_key=self.key())
        self.posted += amount

    @rule(amount=st.integers(min_value=-50, max_value=50).filter(bool))
    def adjust(self, amount: int) -> None:
        try:
            credit_adjust(user=self.user, amount=amount, reason="test", idempotency_key=self.key())
        except InsufficientCreditsError:
            assert -amount > self.available
        else:
            self.posted += amount

    @rule(target=holds, amount=amounts)
    def reserve(self, amount: int) -> CreditTransfer | None:
        try:
            hold = credit_reserve(
                user=self.user,
                amount=amount,
                idempotency_key=self.key(),
                timeout=timedelta(hours=1),
            )
        except InsufficientCreditsError:
            assert amount > self.available
            return None
        self.held[str(hold.pk)] = amount
        return hold

    @rule(hold=consumes(holds), share=st.floats(min_value=0.01, max_value=1))
    def capture(self, hold: CreditTransfer | None, share: float) -> None:
        if hold is None:
            return
        amount = max(1, round(hold.amount * share))
        credit_capture(hold=hold, amount=amount)
        self.posted -= amount
        del self.held[str(hold.pk)]
        with pytest.raises(HoldResolvedError):
            credit_release(hold=hold)

    @rule(hold=consumes(holds))
    def release(self, hold: CreditTransfer | None) -> None:
        if hold is None:
            return
        credit_release(hold=hold)
        del self.held[str(hold.pk)]

    @invariant()
    def balances_agree(self) -> None:
        balance = credit_balance(user=self.user)
        assert (balance.posted, balance.held, balance.available) == (
            self.posted,
            sum(self.held.values()),
            self.available,
        )
        assert balance.available >= 0

    def teardown(self) -> None:
        assert credit_ledger_mismatches() == []


@pytest.mark.django_db
def test_the_ledger_behaves_as_its_model() -> None:
    machine = Ledger.TestCase
    machine.settings = settings(
        max_examples=15, stateful_step_count=20, deadline=None, derandomize=True
    )
    machine().runTest()
