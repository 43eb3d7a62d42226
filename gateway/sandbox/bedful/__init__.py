"""The emulated Bedful API, written from Bedful's docs alone (never from the gateway's own clients).

- `emulator`    `BedfulSandbox`: the routes, and the order every request goes through.
- `ratelimit`   Bedful's 5/s and 100/min per key.
- `validation`  reading the JSON body of a create or update.
- `records`     the booking record's exact JSON shape.
- `store`       the in-memory bookings and the rules that change them; `seed` and
                `catalogue` (sites, units, extras) generate them.
"""

from __future__ import annotations

from gateway.sandbox.bedful.emulator import BedfulSandbox

__all__ = ["BedfulSandbox"]
