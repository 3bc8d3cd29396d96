import pytest
from pytest_django.fixtures import Settings


@pytest.fixture(autouse=True)
def free_exports(settings: Settings) -> None:
    """Exports cost nothing in the exports' own tests, which are about exporting;
    test_export_credits.py gives them a price."""
    settings.EXPORT_CREDIT_COST = 0
