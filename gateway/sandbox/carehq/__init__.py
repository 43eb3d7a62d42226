"""The emulated CareHQ API, written from CareHQ's docs alone (never from the gateway's own clients).

- `emulator`  `CareHQSandbox`: the routes, and the order every request goes through.
- `signing`   signature 2.0 checked as CareHQ's server checks it.
- `query`     `GET /v1/<resource>`: attributes, filters, sort_by, paging.
- `filters`   every documented `filters-*` parameter and its meaning.
- `forms`     the form bodies of create and update.
- `model`     CareHQ's vocabulary: enumerations, attribute names, formats, ids.
- `store`     the in-memory rooms and bookings; `seed` generates them.
"""

from __future__ import annotations

from gateway.sandbox.carehq.emulator import CareHQSandbox

__all__ = ["CareHQSandbox"]
