"""The ledger against a model of it in memory: any sequence of operations, same outcome."""

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.utils import timezone
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, consumes, invariant, rule

from {{ cookiecutter.project_slug }}.credits.models import CreditLot, CreditTransfer
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
    credit_grants_lapse,
    credit_release,
    credit_reserve,
)
from {{ cookiecutter.project_slug }}.users.tests.factories import UserFactory

amounts = st.integers(min_value=1, max_value=50)
days = st.integers(min_value=1, max_value=5)


@dataclass
class Lot:
    """What is left of a grant that expires, ``day`` days after the machine started."""

    grant_id: str
    day: int
    remaining: int


class Ledger(RuleBasedStateMachine):
    """Posted and held credits in plain integers, and what is left of each expiring grant,
    beside the real account. Lapses run at a time of the machine's choosing, days ahead."""

    holds = Bundle("holds")

    def __init__(self) -> None:
        super().__init__()
        self.user = UserFactory.create()
        self.started = timezone.now()
        self.posted = 0
        self.held: dict[str, int] = {}
        self.lots: list[Lot] = []
        # What each hold drew from the lots, soonest-expiring first.
        self.draws: dict[str, list[tuple[Lot, int]]] = {}
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

    @rule(amount=amounts, day=days)
    def grant_expiring(self, amount: int, day: int) -> None:
        grant = credit_grant(
            user=self.user,
            amount=amount,
            idempotency_key=self.key(),
            expires_at=self.started + timedelta(days=day),
        )
        self.posted += amount
        self.lots.append(Lot(str(grant.pk), day, amount))

    def draw(self, amount: int) -> list[tuple[Lot, int]]:
        drawn = []
        for lot in sorted(self.lots, key=lambda lot: lot.day):  # stable: oldest grant first
            take = min(lot.remaining, amount)
            if take:
                lot.remaining -= take
                amount -= take
                drawn.append((lot, take))
        return drawn

    def give_back(self, drawn: list[tuple[Lot, int]], amount: int) -> None:
        for lot, took in reversed(drawn):
            given = min(took, amount)
            lot.remaining += given
            amount -= given

    @rule(day=days)
    def lapse(self, day: int) -> None:
        credit_grants_lapse(now=self.started + timedelta(days=day, seconds=1))
        for lot in self.lots:
            if lot.day <= day:
                self.posted -= lot.remaining
                lot.remaining = 0

    @rule(amount=st.integers(min_value=-50, max_value=50).filter(bool))
    def adjust(self, amount: int) -> None:
        try:
            credit_adjust(user=self.user, amount=amount, reason="test", idempotency_key=self.key())
        except InsufficientCreditsError:
            assert -amount > self.available
        else:
            self.posted += amount
            if amount < 0:
                self.draw(-amount)

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
        self.draws[str(hold.pk)] = self.draw(amount)
        return hold

    @rule(hold=consumes(holds), share=st.floats(min_value=0.01, max_value=1))
    def capture(self, hold: CreditTransfer | None, share: float) -> None:
        if hold is None:
            return
        amount = max(1, round(hold.amount * share))
        credit_capture(hold=hold, amount=amount)
        self.posted -= amount
        del self.held[str(hold.pk)]
        self.give_back(self.draws.pop(str(hold.pk)), hold.amount - amount)
        with pytest.raises(HoldResolvedError):
            credit_release(hold=hold)

    @rule(hold=consumes(holds))
    def release(self, hold: CreditTransfer | None) -> None:
        if hold is None:
            return
        credit_release(hold=hold)
        del self.held[str(hold.pk)]
        self.give_back(self.draws.pop(str(hold.pk)), hold.amount)

    @invariant()
    def balances_agree(self) -> None:
        balance = credit_balance(user=self.user)
        assert (balance.posted, balance.held, balance.available) == (
            self.posted,
            sum(self.held.values()),
            self.available,
        )
        assert balance.available >= 0
        lots = CreditLot.objects.filter(account__user=self.user)
        remaining = dict(lots.values_list("grant_id", "remaining"))
        assert {str(grant): left for grant, left in remaining.items()} == {
            lot.grant_id: lot.remaining for lot in self.lots
        }

    def teardown(self) -> None:
        assert credit_ledger_mismatches() == []


@pytest.mark.django_db
def test_the_ledger_behaves_as_its_model() -> None:
    machine = Ledger.TestCase
    machine.settings = settings(
        max_examples=15, stateful_step_count=20, deadline=None, derandomize=True
    )
    machine().runTest()
