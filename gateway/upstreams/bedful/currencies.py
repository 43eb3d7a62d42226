"""Bedful's `currency_id` as an ISO 4217 code.

ASSUMED: Bedful publishes no list of currency ids. Its docs' example is a UK booking with
`currency_id: 1` and `currency_rate: 1` (the rate to GBP), so 1 is GBP; 2 (EUR) and 3 (USD) are
our guess, to be confirmed with Bedful. An id not listed shows as `XXX` (ISO 4217's "no
currency"), never as a wrong currency.
"""

from __future__ import annotations

from typing import Final

CURRENCY_CODES: Final = {1: "GBP", 2: "EUR", 3: "USD"}
UNKNOWN_CURRENCY: Final = "XXX"


def currency_code(currency_id: int) -> str:
    return CURRENCY_CODES.get(currency_id, UNKNOWN_CURRENCY)
