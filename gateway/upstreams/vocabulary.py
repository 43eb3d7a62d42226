"""One enumeration's words in both vocabularies: the gateway's members and an upstream's values.

Each upstream's wire module holds one `Vocabulary` per enumeration, every pair written once, so
the GraphQL layer and the records speak only the gateway's members and never see an upstream
string or code. A table is checked when it is built: every member but `OTHER` has exactly one
upstream value and no value stands for two members, so the mapping is total both ways.

`OTHER` is the member for a value the upstream added after this gateway was built: such a value
is read as `OTHER` (with a warning naming it, so an operator learns of it) instead of breaking
the response, and `OTHER` itself is never sent. An enumeration without `OTHER` is only ever
sent (sort keys, filter states); reading an unknown value of one is an `UnexpectedShape`.
"""

from __future__ import annotations

import logging
from collections.abc import Hashable, Mapping
from enum import Enum
from typing import Any, Generic, TypeVar

from .statuses import UnexpectedShape

__all__ = ["Vocabulary", "Word"]

logger = logging.getLogger(__name__)

E = TypeVar("E", bound=Enum)
W = TypeVar("W", bound=Hashable)


class Word(Enum):
    """Base of the gateway's own enumerations: `auto()` values are the member names, so a
    member reads the same in a log line or a cached JSON entry, and is never an upstream's
    string or code by accident."""

    @staticmethod
    def _generate_next_value_(name: str, start: int, count: int, last_values: list[Any]) -> str:
        return name


class Vocabulary(Generic[E, W]):
    """`enum`'s members <-> `upstream`'s values for them (`words`)."""

    def __init__(self, upstream: str, enum: type[E], words: Mapping[E, W]) -> None:
        self.upstream = upstream
        self.enum = enum
        self.other: E | None = enum.__members__.get("OTHER")
        self._words: dict[E, W] = dict(words)
        self._members: dict[W, E] = {word: member for member, word in self._words.items()}
        if len(self._members) != len(self._words):
            raise ValueError(f"{enum.__name__}: two members share one {upstream} value")
        if self.other in self._words:
            raise ValueError(f"{enum.__name__}.OTHER stands for unknown values; it has no word")
        missing = [m.name for m in enum if m not in self._words and m is not self.other]
        if missing:
            raise ValueError(f"{enum.__name__}: no {upstream} value for {missing}")

    @property
    def words(self) -> Mapping[E, W]:
        """Every member but `OTHER` and its upstream value."""
        return self._words

    def wire(self, member: E) -> W:
        """The upstream's value for `member`. `OTHER` has none (ValueError): the GraphQL layer
        refuses it as input before anything is sent."""
        try:
            return self._words[member]
        except KeyError:
            raise ValueError(f"{member} cannot be sent to {self.upstream}") from None

    def ours(self, word: W) -> E:
        """The member for an upstream value; `OTHER` for one this gateway does not know."""
        member = self._members.get(word)
        if member is not None:
            return member
        if self.other is None:
            raise UnexpectedShape(f"unknown {self.enum.__name__} value {word!r}")
        logger.warning(
            "%s sent %s value %r this gateway does not know",
            self.upstream,
            self.enum.__name__,
            word,
        )
        return self.other
