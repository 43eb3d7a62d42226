"""The GraphQL layer speaks the gateway's words; each upstream's wire module alone knows the
upstream's. Every GraphQL enum value stands for a client member, and every client member maps to
exactly one upstream value and back (`OTHER` stands for the values the gateway does not know)."""

from __future__ import annotations

import logging
from enum import Enum
from typing import Any

import pytest

from gateway.schema import schema
from gateway.upstreams.bedful import wire as bedful_wire
from gateway.upstreams.carehq import wire as carehq_wire
from gateway.upstreams.statuses import UnexpectedShape
from gateway.upstreams.vocabulary import Vocabulary, Word

VOCABULARIES: dict[type[Enum], Vocabulary[Any, Any]] = {
    vocabulary.enum: vocabulary
    for vocabulary in (*carehq_wire.VOCABULARIES, *bedful_wire.VOCABULARIES)
}
OURS_ONLY = {"BookingSystem"}
"""GraphQL enums that stand for no upstream value (the gateway's own notions)."""


def graphql_enums() -> dict[str, type[Enum]]:
    """Every enum of the served schema, by GraphQL name, as the Python enum that backs it."""
    found = {}
    for definition in schema.schema_converter.type_map.values():
        wrapped = getattr(definition.definition, "wrapped_cls", None)
        if isinstance(wrapped, type) and issubclass(wrapped, Enum):
            found[definition.definition.name] = wrapped
    return found


def client_member(value: object) -> Word:
    """The client member a GraphQL enum value stands for (a sort order: its key)."""
    member = value[0] if isinstance(value, tuple) else value
    assert isinstance(member, Word), f"{value!r} is not one of the gateway's words"
    return member


ENUMS = graphql_enums()
MAPPED = sorted(set(ENUMS) - OURS_ONLY)


def test_the_schema_has_the_enums_this_test_knows() -> None:
    assert set(ENUMS) >= OURS_ONLY
    assert {"BookingType", "FundingType", "CareType", "RatePeriod", "BedfulBookingStatus"} <= set(
        MAPPED
    )


@pytest.mark.parametrize("name", MAPPED)
def test_every_graphql_value_maps_to_the_upstream_and_back(name: str) -> None:
    enum = ENUMS[name]
    members = [client_member(graphql.value) for graphql in enum]
    (kind,) = {type(member) for member in members}
    vocabulary = VOCABULARIES[kind]
    for graphql, member in zip(enum, members, strict=True):
        if member is vocabulary.other:
            assert graphql.name == "OTHER"
            with pytest.raises(ValueError, match="cannot be sent"):
                vocabulary.wire(member)
            continue
        word = vocabulary.wire(member)
        assert vocabulary.ours(word) is member, (name, graphql.name, word)
    assert set(members) == set(kind), "a client member no GraphQL value stands for"


@pytest.mark.parametrize("vocabulary", VOCABULARIES.values(), ids=lambda v: v.enum.__name__)
def test_every_upstream_value_has_one_member(vocabulary: Vocabulary[Any, Any]) -> None:
    for member, word in vocabulary.words.items():
        assert vocabulary.ours(word) is member
    assert len(set(vocabulary.words.values())) == len(vocabulary.words)


def test_an_unknown_upstream_value_is_other_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        assert carehq_wire.CARE_TYPES.ours("palliative_care").name == "OTHER"
        assert bedful_wire.STATUSES.ours(42).name == "OTHER"
    assert [r.getMessage() for r in caplog.records] == [
        "CareHQ sent CareType value 'palliative_care' this gateway does not know",
        "Bedful sent BedfulStatus value 42 this gateway does not know",
    ]
    with pytest.raises(UnexpectedShape):  # sent only: no OTHER to read an unknown value as
        carehq_wire.YES_NO.ours("maybe")


class Colour(Word):
    RED = "RED"
    GREEN = "GREEN"
    OTHER = "OTHER"


def test_a_table_that_is_not_total_both_ways_is_refused_when_built() -> None:
    with pytest.raises(ValueError, match=r"no Up value for \['GREEN'\]"):
        Vocabulary("Up", Colour, {Colour.RED: "red"})
    with pytest.raises(ValueError, match="share one Up value"):
        Vocabulary("Up", Colour, {Colour.RED: "red", Colour.GREEN: "red"})
    with pytest.raises(ValueError, match="OTHER stands for unknown values"):
        Vocabulary("Up", Colour, {Colour.RED: "r", Colour.GREEN: "g", Colour.OTHER: "o"})
