"""OpenAPI: the problem responses (RFC 9457) each operation can answer with.

A drf-spectacular postprocessing hook, so that views need no error annotations: the
responses follow from what the operation accepts and requires.
"""

from typing import Any

from drf_spectacular.utils import OpenApiResponse

from {{ cookiecutter.project_slug }}.common.exceptions import PROBLEM_CONTENT_TYPE

PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "An error, as RFC 9457 problem details.",
    "properties": {
        "type": {
            "type": "string",
            "format": "uri-reference",
            "description": "What kind of problem: a page on this service describes it.",
        },
        "title": {"type": "string", "description": "Short summary of the kind of problem."},
        "status": {"type": "integer", "description": "The HTTP status code."},
        "detail": {"type": "string", "description": "What went wrong this time."},
        "instance": {"type": "string", "description": "The path that was requested."},
        "request_id": {
            "type": "string",
            "nullable": True,
            "description": "The X-Request-ID of the request, to find its log lines.",
        },
    },
    "required": ["type", "title", "status", "detail", "instance", "request_id"],
}

VALIDATION_PROBLEM_SCHEMA: dict[str, Any] = {
    "allOf": [
        {"$ref": "#/components/schemas/Problem"},
        {
            "type": "object",
            "properties": {
                "errors": {
                    "type": "object",
                    "description": "Messages by field; non_field_errors for the whole input.",
                    "additionalProperties": {"type": "array", "items": {"type": "string"}},
                },
            },
            "required": ["errors"],
        },
    ],
}


def problem_response(description: str, schema: str = "Problem") -> dict[str, Any]:
    return {
        "description": description,
        "content": {PROBLEM_CONTENT_TYPE: {"schema": {"$ref": f"#/components/schemas/{schema}"}}},
    }


def problem_documentation(description: str) -> OpenApiResponse:
    """A problem response a view documents itself, for extend_schema(responses=...) under
    (status, PROBLEM_CONTENT_TYPE)."""
    return OpenApiResponse({"$ref": "#/components/schemas/Problem"}, description=description)


def documented_problems(descriptions: dict[int, str]) -> dict[tuple[int, str], OpenApiResponse]:
    """A view's own problem responses, by status, for extend_schema(responses=...)."""
    return {
        (status, PROBLEM_CONTENT_TYPE): problem_documentation(description)
        for status, description in descriptions.items()
    }


def operation_problems(path: str, operation: dict[str, Any]) -> dict[str, dict[str, Any]]:
    problems = {}
    query_parameters = {
        parameter["name"]
        for parameter in operation.get("parameters", [])
        if parameter.get("in") == "query"
    }
    if "requestBody" in operation or query_parameters:
        problems["400"] = problem_response("The input is invalid.", "ValidationProblem")
    if "requestBody" in operation:
        problems["411"] = problem_response("The body was sent in chunks, without a length.")
        problems["413"] = problem_response("The request body is too large.")
        problems["415"] = problem_response("The request body is not JSON.")
    security = operation.get("security", [])
    if security and {} not in security:
        problems["401"] = problem_response("No valid credentials were sent.")
        problems["403"] = problem_response("The caller may not do this.")
    if "{" in path:
        problems["404"] = problem_response("Nothing exists at this address.")
    elif "page" in query_parameters:
        problems["404"] = problem_response("The page is past the last one.")
    problems["429"] = problem_response("Too many requests; retry after Retry-After seconds.")
    return problems


def add_problem_responses(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """Add the Problem schemas and, unless a view documents its own, the error responses."""
    components = result.setdefault("components", {})
    components.setdefault("schemas", {}).update(
        Problem=PROBLEM_SCHEMA, ValidationProblem=VALIDATION_PROBLEM_SCHEMA
    )
    for path, path_item in result.get("paths", {}).items():
        for operation in path_item.values():
            responses = operation.setdefault("responses", {})
            for status, response in operation_problems(path, operation).items():
                responses.setdefault(status, response)
    return result
