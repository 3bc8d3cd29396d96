"""The schema's components work for clients generated from it, in any language."""

from typing import Any

from drf_spectacular.generators import SchemaGenerator


def references(node: Any) -> set[str]:
    """The names of the components ``node`` refers to, directly or through others."""
    if isinstance(node, dict):
        found = {node["$ref"].rsplit("/", 1)[1]} if "$ref" in node else set()
        return found.union(*(references(value) for value in node.values()))
    if isinstance(node, list):
        return set().union(*(references(item) for item in node))
    return set()


def test_no_component_is_both_a_request_and_a_response() -> None:
    """A shared one makes the fields a client sends and those it reads required alike."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    operations = [
        operation for path_item in schema["paths"].values() for operation in path_item.values()
    ]

    requests = set().union(*(references(op.get("requestBody", {})) for op in operations))
    responses = set().union(*(references(op["responses"]) for op in operations))

    assert requests
    assert not requests & responses


def test_request_components_have_no_read_only_fields() -> None:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    components = schema["components"]["schemas"]
    operations = [
        operation for path_item in schema["paths"].values() for operation in path_item.values()
    ]

    for name in set().union(*(references(op.get("requestBody", {})) for op in operations)):
        properties = components[name].get("properties", {})
        assert not [field for field, spec in properties.items() if spec.get("readOnly")], name
