"""`stays(from, to)`: both systems' stays overlapping a window, as one ordered list.

The known stays live in June 2031, past every seeded booking of Bedful (its seed ends in 2027);
the CareHQ ones are in a fresh location the seed knows nothing of, and the queries narrow CareHQ
to it with `locationIds` (the seed has open-ended bookings that overlap every future window).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from strawberry.types.base import get_object_definition

from gateway.sandbox import Sandbox
from gateway.schema.bedful import types as bedful_types
from gateway.schema.bedful.types import BedfulBooking
from gateway.schema.carehq import stay
from gateway.schema.carehq.types import Booking
from gateway.schema.stays.types import Money, Stay
from gateway.upstreams.bedful import client as bedful_api
from gateway.upstreams.carehq import CareHQBooking
from tests.conftest import Gateway

FROM, TO = "2031-06-01", "2031-06-15"
STAYS = """
query Stays($from: Date!, $to: Date!, $locations: [ID!], $sites: [ID!],
            $systems: [BookingSystem!], $cancelled: Boolean! = true) {
  stays(from: $from, to: $to, locationIds: $locations, siteIds: $sites, systems: $systems,
        includeCancelled: $cancelled) {
    __typename id system startDate endDate isCancelled blocksAvailability
    totalPrice { amount currency } guestName placeId bookedUnits { id name }
  }
}
"""


@dataclass
class Place:
    """A CareHQ location with one room, both unknown to the seed."""

    location: str
    room: str
    room_name: str


def carehq_place(sandbox: Sandbox) -> Place:
    store = sandbox.carehq.store
    location = store.new_id()
    room = store.add_room(location=location)
    return Place(location=location, room=room["_id"], room_name=room["name_no"])


def carehq_stay(sandbox: Sandbox, place: Place, start: str, end: str | None, **attrs: Any) -> str:
    booking = sandbox.carehq.store.add_booking(
        room=place.room, start_date=start, end_date=end, **attrs
    )
    return str(booking["_id"])


def bedful_stay(sandbox: Sandbox, start: str, end: str, **fields: Any) -> str:
    fields.setdefault("units", [1579])  # Lakeside Lodge 1, site 133 (GBP)
    booking = sandbox.bedful.store.add_booking(
        starts_at=date.fromisoformat(start), ends_at=date.fromisoformat(end), **fields
    )
    return str(booking["id"])


async def stays(gateway: Gateway, **variables: Any) -> list[dict[str, Any]]:
    data = await gateway.data(STAYS, {"from": FROM, "to": TO, **variables})
    found: list[dict[str, Any]] = data["stays"]
    return found


def error_of(body: dict[str, Any]) -> dict[str, Any]:
    assert len(body.get("errors", [])) == 1, body.get("errors")
    error: dict[str, Any] = body["errors"][0]
    return error


async def test_lists_exactly_the_overlapping_stays_of_both_systems_in_order(
    gateway: Gateway, sandbox: Sandbox
) -> None:
    place = carehq_place(sandbox)
    # CareHQ: out (ends on `from`), in (daily), in (weekly, rounds down and up), in (cancelled),
    # in (open-ended), out (starts on `to`, open-ended or not).
    carehq_stay(sandbox, place, "2031-05-20", "2031-06-01")
    daily = carehq_stay(sandbox, place, "2031-05-25", "2031-06-05", rate=4550, rate_period="daily")
    down = carehq_stay(sandbox, place, "2031-06-03", "2031-06-04", rate=100_004)  # 14286.29
    up = carehq_stay(sandbox, place, "2031-06-03", "2031-06-04", rate=100_006)  # 14286.57
    cancelled = carehq_stay(
        sandbox, place, "2031-06-05", "2031-06-08", rate=700, cancelled="2031-01-02 09:30:00"
    )
    open_ended = carehq_stay(sandbox, place, "2031-06-10", None)
    carehq_stay(sandbox, place, "2031-06-15", "2031-06-20")
    carehq_stay(sandbox, place, "2031-06-15", None)
    # Bedful: out (ends on `from`), one in per status, ids 9 and 10 (numeric order, not text),
    # a EUR stay, out (starts on `to`).
    bedful_stay(sandbox, "2031-05-28", "2031-06-01")
    by_status = {
        status: bedful_stay(sandbox, "2031-06-03", "2031-06-06", status=status, price=status + 1)
        for status in (0, 1, 10, 11, 12, 13, 100)
    }
    ten = bedful_stay(sandbox, "2031-06-05", "2031-06-07", id=10, name="Ten")
    nine = bedful_stay(sandbox, "2031-06-05", "2031-06-07", id=9, name="Nine")
    euro = bedful_stay(sandbox, "2031-06-14", "2031-06-16", units=[4100], price=45_050)
    bedful_stay(sandbox, "2031-06-15", "2031-06-18")

    found = await stays(gateway, locations=[place.location])

    assert [(s["system"], s["id"]) for s in found] == [
        ("CAREHQ", daily),
        ("CAREHQ", down),
        ("CAREHQ", up),
        *(("BEDFUL", by_status[s]) for s in (0, 1, 10, 11, 12, 13, 100)),
        ("CAREHQ", cancelled),
        ("BEDFUL", nine),
        ("BEDFUL", ten),
        ("CAREHQ", open_ended),
        ("BEDFUL", euro),
    ]
    by_id = {s["id"]: s for s in found}
    assert by_id[daily] == {
        "__typename": "Booking",
        "id": daily,
        "system": "CAREHQ",
        "startDate": "2031-05-25",
        "endDate": "2031-06-05",
        "isCancelled": False,
        "blocksAvailability": True,
        "totalPrice": {"amount": 4550 * 11, "currency": "GBP"},
        "guestName": None,
        "placeId": place.location,
        "bookedUnits": [{"id": place.room, "name": place.room_name}],
    }
    assert by_id[down]["totalPrice"] == {"amount": 14286, "currency": "GBP"}
    assert by_id[up]["totalPrice"] == {"amount": 14287, "currency": "GBP"}
    assert by_id[cancelled]["isCancelled"] is True
    assert by_id[cancelled]["blocksAvailability"] is False
    assert by_id[cancelled]["totalPrice"] == {"amount": 300, "currency": "GBP"}  # 700 x 3 / 7
    assert by_id[open_ended]["endDate"] is None
    assert by_id[open_ended]["totalPrice"] is None

    flags = {
        status: (by_id[i]["isCancelled"], by_id[i]["blocksAvailability"])
        for status, i in by_status.items()
    }
    assert flags == {
        0: (False, False),
        1: (False, False),
        10: (False, True),
        11: (True, False),
        12: (False, True),
        13: (False, False),
        100: (False, True),
    }
    assert by_id[by_status[100]] == {
        "__typename": "BedfulBooking",
        "id": by_status[100],
        "system": "BEDFUL",
        "startDate": "2031-06-03",
        "endDate": "2031-06-06",
        "isCancelled": False,
        "blocksAvailability": True,
        "totalPrice": {"amount": 101, "currency": "GBP"},
        "guestName": "Sandbox Guest",
        "placeId": "133",
        "bookedUnits": [{"id": "1579", "name": "Lakeside Lodge 1"}],
    }
    assert by_id[euro]["totalPrice"] == {"amount": 45_050, "currency": "EUR"}
    assert by_id[euro]["placeId"] == "168"


async def test_asks_carehq_for_the_overlap_and_bedful_for_everything(
    gateway: Gateway, sandbox: Sandbox
) -> None:
    place = carehq_place(sandbox)

    await stays(gateway, locations=[place.location])

    (carehq,) = sandbox.carehq.calls("GET", "/v1/bookings")
    assert carehq.param("filters-start_date") == FROM  # ends after `from`
    assert carehq.param("filters-end_date") == TO  # starts before `to`
    assert carehq.params_of("filters-location") == [place.location]
    assert carehq.param("filters-cancelled") is None
    assert carehq.param("per_page") == "100"
    (bedful,) = sandbox.bedful.calls("GET", "/bookings")
    assert dict(bedful.params) == {"limit": str(bedful_api.LIST_LIMIT)}


async def test_follows_every_carehq_page(gateway: Gateway, sandbox: Sandbox) -> None:
    place = carehq_place(sandbox)
    made = {carehq_stay(sandbox, place, "2031-06-02", "2031-06-03") for _ in range(230)}

    found = await stays(gateway, locations=[place.location], systems=["CAREHQ"])

    assert {s["id"] for s in found} == made
    pages = sorted(int(c.param("page") or 0) for c in sandbox.carehq.calls("GET", "/v1/bookings"))
    assert pages == [1, 2, 3]
    assert sandbox.bedful.calls() == []


@pytest.mark.parametrize(
    ("selection", "attributes"),
    [
        ("id", {"start_date"}),
        ("id totalPrice { amount }", {"start_date", "end_date", "rate", "rate_period"}),
        ("isCancelled ... on Booking { notes }", {"start_date", "cancelled", "notes"}),
        ("...F", {"start_date", "location"}),
        ("... on BedfulBooking { name email }", {"start_date"}),
    ],
)
async def test_asks_carehq_only_for_the_attributes_the_selection_reads(
    gateway: Gateway, sandbox: Sandbox, selection: str, attributes: set[str]
) -> None:
    fragment = "fragment F on Stay { placeId }" if "...F" in selection else ""
    document = f'{{ stays(from: "{FROM}", to: "{TO}", systems: [CAREHQ]) {{ {selection} }} }}'

    await gateway.data(document + fragment)

    calls = sandbox.carehq.calls("GET", "/v1/bookings")
    assert calls
    for call in calls:
        assert set(call.params_of("attributes")) == attributes


async def test_each_carehq_stay_works_out_its_price_once(
    gateway: Gateway, sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The `Stay` fields are set when the booking is built: its price worked out once, however
    # many fields and the list's ordering read them.
    place = carehq_place(sandbox)
    ids = [carehq_stay(sandbox, place, f"2031-06-0{day}", "2031-06-12") for day in range(1, 6)]
    priced: list[str] = []
    total_price = stay.total_price

    def counted(record: CareHQBooking) -> Money | None:
        priced.append(record.id)
        return total_price(record)

    monkeypatch.setattr(stay, "total_price", counted)

    found = await stays(gateway, locations=[place.location], systems=["CAREHQ"])

    assert [s["id"] for s in found] == ids
    assert all(s["totalPrice"] is not None for s in found)
    assert sorted(priced) == sorted(ids)


async def test_each_bedful_stay_works_out_its_stay_fields_once(
    gateway: Gateway, sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Eight `Stay` fields read each booking's values, and so does the list's ordering: they are
    # worked out once, when the booking is built (its currency and price with them).
    ids = [bedful_stay(sandbox, f"2031-06-0{day}", "2031-06-12") for day in range(1, 6)]
    looked_up: list[int] = []
    currency_code = bedful_types.currency_code

    def counted(currency_id: int) -> str:
        looked_up.append(currency_id)
        return currency_code(currency_id)

    monkeypatch.setattr(bedful_types, "currency_code", counted)

    found = await stays(gateway, systems=["BEDFUL"])

    assert [s["id"] for s in found] == ids
    assert all(s["totalPrice"]["currency"] == "GBP" for s in found)
    assert len(looked_up) == len(ids)


@pytest.mark.parametrize(
    ("stay_type", "resolvers"), [(Booking, {"booked_units"}), (BedfulBooking, set())]
)
def test_the_stay_fields_are_attributes_not_resolvers(stay_type: type, resolvers: set[str]) -> None:
    # A resolver costs a Strawberry call (its `Info`, its arguments, its extensions) per field
    # per stay: on a year of Bedful stays, most of the request's CPU. Only a CareHQ booking's
    # `bookedUnits`, which may have to load its room, resolves.
    stay_fields = {f.python_name for f in get_object_definition(Stay, strict=True).fields}
    definition = get_object_definition(stay_type, strict=True)
    resolved = {
        f.python_name
        for f in definition.fields
        if f.python_name in stay_fields and not f.is_basic_field
    }
    assert resolved == resolvers


async def test_systems_chooses_which_upstreams_are_asked(
    gateway: Gateway, sandbox: Sandbox
) -> None:
    stay = bedful_stay(sandbox, "2031-06-02", "2031-06-04")

    found = await stays(gateway, systems=["BEDFUL"])

    assert [s["id"] for s in found] == [stay]
    assert sandbox.carehq.calls() == []


async def test_site_ids_make_one_bedful_call_per_site(gateway: Gateway, sandbox: Sandbox) -> None:
    at_133 = bedful_stay(sandbox, "2031-06-02", "2031-06-04", units=[1579])
    at_141 = bedful_stay(sandbox, "2031-06-02", "2031-06-04", units=[2201])
    bedful_stay(sandbox, "2031-06-02", "2031-06-04", units=[13])  # site 127: not asked for

    found = await stays(gateway, systems=["BEDFUL"], sites=["141", "133", "141"])

    assert sorted(s["id"] for s in found) == sorted([at_133, at_141])
    calls = sandbox.bedful.calls("GET", "/bookings")
    assert sorted(c.param("site_id") or "" for c in calls) == ["133", "141"]
    assert {c.param("limit") for c in calls} == {str(bedful_api.LIST_LIMIT)}


async def test_include_cancelled_false_leaves_cancelled_stays_out(
    gateway: Gateway, sandbox: Sandbox
) -> None:
    place = carehq_place(sandbox)
    kept = carehq_stay(sandbox, place, "2031-06-02", "2031-06-04")
    carehq_stay(sandbox, place, "2031-06-05", "2031-06-07", cancelled="2031-01-02 09:30:00")
    provisional = bedful_stay(sandbox, "2031-06-02", "2031-06-04", status=10)
    bedful_stay(sandbox, "2031-06-02", "2031-06-04", status=11)

    found = await stays(gateway, locations=[place.location], cancelled=False)

    assert [s["id"] for s in found] == [kept, provisional]
    (carehq,) = sandbox.carehq.calls("GET", "/v1/bookings")
    assert carehq.param("filters-cancelled") == "no"


@pytest.mark.parametrize(("down", "up"), [("bedful", "CAREHQ"), ("carehq", "BEDFUL")])
async def test_one_system_down_still_lists_the_other(
    gateway: Gateway, sandbox: Sandbox, down: str, up: str
) -> None:
    place = carehq_place(sandbox)
    carehq = carehq_stay(sandbox, place, "2031-06-02", "2031-06-04")
    bedful = bedful_stay(sandbox, "2031-06-02", "2031-06-04")
    emulator = sandbox.carehq if down == "carehq" else sandbox.bedful
    emulator.inject("down")

    body = await gateway.execute(STAYS, {"from": FROM, "to": TO, "locations": [place.location]})

    assert [s["id"] for s in body["data"]["stays"]] == [carehq if up == "CAREHQ" else bedful]
    error = error_of(body)
    assert error["path"] == ["stays"]
    assert error["extensions"]["code"] == "UPSTREAM_UNAVAILABLE"
    assert error["extensions"]["upstream"] == down.upper()
    assert emulator.refused > 0


async def test_both_systems_down_fails_the_field_with_both_errors(
    gateway: Gateway, sandbox: Sandbox
) -> None:
    sandbox.carehq.inject("down")
    sandbox.bedful.inject("down")

    body = await gateway.execute(STAYS, {"from": FROM, "to": TO})

    assert body["data"] is None
    upstreams = sorted(e["extensions"]["upstream"] for e in body["errors"])
    assert upstreams == ["BEDFUL", "CAREHQ"]
    assert {e["extensions"]["code"] for e in body["errors"]} == {"UPSTREAM_UNAVAILABLE"}


async def test_a_full_bedful_answer_is_reported_as_possibly_truncated(
    gateway: Gateway, sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bedful_api, "LIST_LIMIT", 3)
    first = min(sandbox.bedful.store.find(site_id=152, limit=3), key=lambda b: b["id"])
    start, end = first["starts_at"][:10], first["ends_at"][:10]

    body = await gateway.execute(
        STAYS, {"from": start, "to": end, "systems": ["BEDFUL"], "sites": ["152"]}
    )

    assert str(first["id"]) in [s["id"] for s in body["data"]["stays"]]
    error = error_of(body)
    assert error["path"] == ["stays"]
    assert error["extensions"]["upstream"] == "BEDFUL"
    assert error["extensions"]["limit"] == 3
    assert "may be missing" in error["message"]
    (call,) = sandbox.bedful.calls("GET", "/bookings")
    assert call.param("limit") == "3"


@pytest.mark.parametrize(
    ("start", "end"),
    [(FROM, FROM), ("2031-06-02", "2031-06-01"), ("2031-01-01", "2032-01-03")],
    ids=["empty", "backwards", "367-days"],
)
async def test_a_bad_window_is_refused_before_any_upstream_call(
    gateway: Gateway, sandbox: Sandbox, start: str, end: str
) -> None:
    body = await gateway.execute(STAYS, {"from": start, "to": end})

    error = error_of(body)
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert list(error["extensions"]["fields"]) == ["to"]
    assert sandbox.carehq.requests == []
    assert sandbox.bedful.requests == []


async def test_a_window_of_366_days_is_accepted(gateway: Gateway, sandbox: Sandbox) -> None:
    stay = bedful_stay(sandbox, "2031-12-30", "2032-01-02")

    found = await stays(gateway, systems=["BEDFUL"], **{"from": "2031-01-01", "to": "2032-01-02"})

    assert [s["id"] for s in found] == [stay]


async def test_bad_site_and_location_ids_are_refused_before_any_upstream_call(
    gateway: Gateway, sandbox: Sandbox
) -> None:
    body = await gateway.execute(
        STAYS, {"from": FROM, "to": TO, "sites": ["abc"], "locations": ["nope"]}
    )

    error = error_of(body)
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert set(error["extensions"]["fields"]) == {"siteIds", "locationIds"}
    assert sandbox.carehq.requests == []
    assert sandbox.bedful.requests == []
