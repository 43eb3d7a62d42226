"""Size limits on what a request may carry, checked before any work scales with it.

graphql-core's lexer reads a string literal at about 1.3 MB/s, so a long document costs CPU in
proportion to its length before any validation rule runs: the document's length is capped before
parsing (`MAX_DOCUMENT_LENGTH`, about twenty times the longest document the token limit admits in
practice). String literals and string variables are capped at `MAX_STRING_LENGTH`, far above any
field's real values (ids are 24 characters, names and notes a few hundred); and variables at
`MAX_VARIABLES_DEPTH` levels of nesting (our deepest input is 3). Messages name the limit, never
echo the value.
"""

from __future__ import annotations

from typing import Any

from graphql import GraphQLError, StringValueNode, ValidationRule

MAX_DOCUMENT_LENGTH = 100_000
MAX_STRING_LENGTH = 10_000
MAX_VARIABLES_DEPTH = 16


def shown(value: object) -> str:
    """A client's value as quoted in a message: enough to recognise it, never the whole of a
    long one (it would be echoed in the message and again in `extensions.fields`)."""
    text = repr(value)
    return text if len(text) <= 40 else f"{text[:32]}... ({len(text)} characters)"


def document_problem(document: str | None) -> str | None:
    if document is not None and len(document) > MAX_DOCUMENT_LENGTH:
        return f"The document is longer than {MAX_DOCUMENT_LENGTH:,} characters."
    return None


def variables_problem(variables: dict[str, Any] | None) -> str | None:
    """What is wrong with the size of `variables` (None: nothing), walked without recursion."""
    stack: list[tuple[object, int]] = [(variables, 0)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_VARIABLES_DEPTH:
            return f"Variables may nest at most {MAX_VARIABLES_DEPTH} levels deep."
        if isinstance(value, str) and len(value) > MAX_STRING_LENGTH:
            return f"A string in the variables is longer than {MAX_STRING_LENGTH:,} characters."
        if isinstance(value, dict):
            stack.extend((item, depth + 1) for item in value.values())
        elif isinstance(value, list):
            stack.extend((item, depth + 1) for item in value)
    return None


class StringLiteralLength(ValidationRule):
    """No string literal longer than `MAX_STRING_LENGTH` in a document."""

    def enter_string_value(self, node: StringValueNode, *_args: object) -> None:
        if len(node.value) > MAX_STRING_LENGTH:
            self.report_error(
                GraphQLError(
                    f"A string literal is longer than {MAX_STRING_LENGTH:,} characters.",
                    node,
                )
            )
