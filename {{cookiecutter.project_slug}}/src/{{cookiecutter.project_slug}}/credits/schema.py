"""OpenAPI: an operation that charges credits (credits.charging) documents its 402."""

from typing import Any

from {{ cookiecutter.project_slug }}.common.schema import problem_response
from {{ cookiecutter.project_slug }}.credits.charging import COST_EXTENSION


def add_credit_costs(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """A drf-spectacular postprocessing hook: each charged operation says what it costs
    and that it answers 402 when the caller has too few credits."""
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            cost = operation.get(COST_EXTENSION) if isinstance(operation, dict) else None
            if cost is None:
                continue
            operation["description"] = (
                f"{operation.get('description', '')}\n\nCosts {cost} credit"
                f"{'' if cost == 1 else 's'}; a call that fails is not charged."
            ).strip()
            operation.setdefault("responses", {}).setdefault(
                "402", problem_response("The caller has too few credits available.")
            )
    return result
