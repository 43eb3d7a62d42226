"""Persisted (trusted) documents: `GATEWAY_PERSISTED_DOCUMENTS` and `GATEWAY_PERSISTED_ONLY`.

The manifest is the JSON object graphql-codegen's client preset writes with
`persistedDocuments: true` (`persisted-documents.json`): the SHA-256 (hex) of each document ->
the document. A request names a document by
- `documentId` (GraphQL over HTTP's persisted documents: `sha256:<hex>`, or the bare hex), or
- Apollo's `extensions.persistedQuery` (`{"version": 1, "sha256Hash": "<hex>"}`),
in a JSON body or as GET parameters. With `GATEWAY_PERSISTED_ONLY=true` every other document is
refused before it is parsed, so only the frontend's own operations can run.

A manifest document is parsed and validated at its first use only: the parse and validation
caches (`gateway.schema.document_cache`) key on the document's text, and a persisted request
always hands Strawberry the manifest's own string. Apollo's automatic persisted queries
(registering a new hash at run time) are not supported: an unknown hash is
`PERSISTED_QUERY_NOT_FOUND`, and Apollo Client then sends the whole document.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gateway.schema.errors import ErrorCode
from gateway.settings import ConfigError

_SHA256 = re.compile(r"[0-9a-f]{64}")


class PersistedDocumentError(Exception):
    """The request names a document that cannot run; answered 400 with `code`."""

    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


def sha256(document: str) -> str:
    return hashlib.sha256(document.encode()).hexdigest()


@dataclass(frozen=True, eq=False)
class PersistedDocuments:
    """The manifest (empty: none configured) and whether only its documents may run."""

    documents: Mapping[str, str]
    only: bool = False

    @classmethod
    def from_file(cls, path: str | None, *, only: bool = False) -> PersistedDocuments:
        """Reads and checks the manifest; `ConfigError` (one line) when it cannot be used."""
        if not path:
            return cls({}, only=False)
        try:
            manifest = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) else "not valid JSON"
            raise ConfigError(
                f"GATEWAY_PERSISTED_DOCUMENTS: cannot read {path!r}: {reason}"
            ) from None
        if not isinstance(manifest, dict) or not all(
            isinstance(key, str) and isinstance(value, str) for key, value in manifest.items()
        ):
            raise ConfigError(
                f"GATEWAY_PERSISTED_DOCUMENTS: {path!r} must be a JSON object of "
                "sha256 hash -> document (graphql-codegen's persisted-documents.json)"
            )
        for key, document in manifest.items():
            if key.removeprefix("sha256:") != sha256(document):
                raise ConfigError(
                    f"GATEWAY_PERSISTED_DOCUMENTS: in {path!r}, {key[:80]!r} is not the sha256 "
                    "of its document"
                )
        return cls({key.removeprefix("sha256:"): doc for key, doc in manifest.items()}, only=only)

    def document(
        self, query: str | None, document_id: Any, extensions: Mapping[str, Any] | None
    ) -> str | None:
        """The document to run: the manifest's for a named one, else the request's own query
        (None: none given); `PersistedDocumentError` when it may not run."""
        named = _named_hash(document_id, extensions)
        if named is None:
            if query is not None and self.only:
                raise PersistedDocumentError(
                    ErrorCode.PERSISTED_QUERY_REQUIRED,
                    "This gateway runs only persisted documents: send a `documentId` "
                    "(GATEWAY_PERSISTED_ONLY).",
                )
            return query
        if not self.documents and not self.only:
            raise PersistedDocumentError(
                ErrorCode.PERSISTED_QUERY_NOT_SUPPORTED,
                "This gateway has no persisted documents; send the whole document as `query`.",
            )
        document = self.documents.get(named)
        if document is None:
            if query is not None and not self.only:
                if sha256(query) != named:  # Apollo: the hash must be the document's
                    raise PersistedDocumentError(
                        ErrorCode.BAD_REQUEST, "The hash is not the sha256 of `query`."
                    )
                return query
            raise PersistedDocumentError(
                ErrorCode.PERSISTED_QUERY_NOT_FOUND, "No persisted document has this id."
            )
        if query is not None and query != document:
            raise PersistedDocumentError(
                ErrorCode.BAD_REQUEST, "`query` differs from the persisted document named."
            )
        return document


def _named_hash(document_id: Any, extensions: Mapping[str, Any] | None) -> str | None:
    """The sha256 a request names, or None; `PersistedDocumentError` for a malformed one."""
    persisted = (extensions or {}).get("persistedQuery")
    if document_id is None and persisted is None:
        return None
    if document_id is not None:
        named = document_id.removeprefix("sha256:") if isinstance(document_id, str) else None
    elif isinstance(persisted, dict) and persisted.get("version") == 1:
        named = persisted.get("sha256Hash")
    else:
        named = None
    if not isinstance(named, str) or not _SHA256.fullmatch(named):
        raise PersistedDocumentError(
            ErrorCode.BAD_REQUEST,
            "A persisted document is named by `documentId` (`sha256:<64 hex digits>`) or "
            '`extensions.persistedQuery` (`{"version": 1, "sha256Hash": "<64 hex digits>"}`).',
        )
    return named
