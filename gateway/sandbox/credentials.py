"""The credentials the built-in sandboxes accept.

They are public by design (printed by `gateway sandbox`, used by the embedded default of
`gateway serve`) and grant access to generated demo data only; they are not secrets.
"""

from __future__ import annotations

from typing import Final

CAREHQ_ACCOUNT_ID: Final = "sandbox-account"
CAREHQ_API_KEY: Final = "sandbox-carehq-key"
CAREHQ_API_SECRET: Final = "sandbox-carehq-secret"  # noqa: S105 - public sandbox credential

BEDFUL_API_KEY: Final = "sandbox-bedful-key"
