"""The API's JSON parser: DRF's, with a bound on how deeply the input may nest.

Python's JSON decoder recurses once per level: a body such as {"email": [[[[...]]]]},
100,000 levels deep, raises RecursionError, which DRF's parser does not catch (a 500
and a long traceback per request), and a body just shallow enough to be decoded can
still exhaust the stack in the code that validates it. No input of this API nests more
than a few levels, so a body nesting deeper than MAX_DEPTH is refused as the parse
error it is, with the same problem document as a body that is not JSON at all.

Cheaply: Python's decoder gives up a body nested deeper than its recursion limit within
the first thousand levels, in a millisecond, and that is refused at once. A body it
could decode is then measured on its text, without recursion: strings removed (a
bracket inside one is no structure), the running sum of the brackets left is compared
with the limit, in C loops (itertools). A body with fewer brackets than the limit, as
almost every one is, skips even that.
"""

import re
from collections.abc import Mapping
from itertools import accumulate
from typing import IO, Any

from django.conf import settings
from rest_framework import parsers
from rest_framework.exceptions import ParseError
from rest_framework.utils import json

MAX_DEPTH = 32
# A JSON string (escapes included), matched without backtracking.
STRING = re.compile(r'"[^"\\]*+(?:\\.[^"\\]*+)*+"', re.DOTALL)
NOT_BRACKETS = re.compile(r"[^\[\]{}]+")
BRACKET_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


def nesting_exceeds(text: str, limit: int) -> bool:
    """Whether the JSON text nests arrays and objects more than ``limit`` (>= 1) levels deep."""
    if text.count("[") + text.count("{") <= limit:
        return False
    brackets = NOT_BRACKETS.sub("", STRING.sub("", text))
    # With the values gone, every innermost array or object is an empty pair: dropping
    # them all takes exactly one level off the depth, and makes the walk below short for
    # a body of many small containers.
    brackets = brackets.replace("{", "[").replace("}", "]").replace("[]", "")
    depths = accumulate(map(BRACKET_STEP.__getitem__, brackets))
    return any(map((limit - 1).__lt__, depths))


class JSONParser(parsers.JSONParser):
    """JSON bodies, refused with a parse error when they nest deeper than ``max_depth``."""

    max_depth = MAX_DEPTH

    def parse(
        self,
        stream: IO[Any],
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = stream.read().decode(encoding)
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from exc
        too_deep = ParseError(
            f"JSON parse error - arrays and objects nest more than {self.max_depth} levels deep."
        )
        parse_constant = json.strict_constant if self.strict else None
        try:
            data = json.loads(text, parse_constant=parse_constant)
        except RecursionError:
            raise too_deep from None
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from exc
        if nesting_exceeds(text, self.max_depth):
            raise too_deep
        return data
