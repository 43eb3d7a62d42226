"""A GraphiQL that is served entirely by the gateway.

Strawberry's stock GraphiQL page pulls React, GraphiQL, js-cookie and the explorer
plugin from unpkg at every page load, so behind a firewall it never gets past
"Loading...".  This package ships those assets (pinned, vendored from npm, see
``VENDORED.md``) and a page that references nothing but same-origin URLs:

* :func:`render_graphiql_page` renders the HTML (no inline script or style);
* :func:`mount_graphiql_assets` serves ``static/`` with long-lived cache headers;
* :class:`SelfHostedGraphQLRouter` is a drop-in ``strawberry.fastapi.GraphQLRouter``
  whose IDE is that page, sent with :data:`CONTENT_SECURITY_POLICY`.

Wiring::

    app = FastAPI()
    mount_graphiql_assets(app)  # /graphiql-assets
    app.include_router(SelfHostedGraphQLRouter(schema), prefix="/graphql")
"""

from __future__ import annotations

import hashlib
import html
import mimetypes
from functools import cache
from pathlib import Path
from string import Template
from typing import TYPE_CHECKING, Any, Final

from starlette.responses import HTMLResponse
from starlette.staticfiles import StaticFiles
from strawberry.fastapi import GraphQLRouter
from strawberry.fastapi.context import CustomContext
from typing_extensions import TypeVar

if TYPE_CHECKING:
    import os
    from collections.abc import Mapping

    import fastapi
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.types import Scope

__all__ = [
    "ASSETS_CACHE_CONTROL",
    "CONTENT_SECURITY_POLICY",
    "DEFAULT_ASSETS_URL",
    "DEFAULT_DOCUMENT",
    "STATIC_DIR",
    "SelfHostedGraphQLRouter",
    "mount_graphiql_assets",
    "render_graphiql_page",
]

Context = TypeVar("Context", default=CustomContext)
RootValue = TypeVar("RootValue", default=None)

STATIC_DIR: Final = Path(__file__).resolve().parent / "static"
_TEMPLATE_PATH: Final = Path(__file__).resolve().parent / "graphiql.html"

DEFAULT_ASSETS_URL: Final = "/graphiql-assets"

DEFAULT_DOCUMENT: str = """\
# Welcome to the booking gateway: one GraphQL
# API over CareHQ (care homes) and Bedful
# (holiday parks). Press the run button (or
# Ctrl-Enter) to take the tour below.
#
# Left sidebar: Docs (every type and field,
# described), History, and the Explorer
# (build a query by ticking fields).
# Below the editor: Variables and Headers.
# Ctrl-Space autocompletes.

query Tour {
  # CareHQ: rooms, each with its bookings
  rooms(perPage: 3, sortBy: [NAME_NO]) {
    itemCount
    items {
      nameNo
      floor
      bookings(
        filter: { cancelled: false }
        sortBy: [START_DATE_DESC]
      ) {
        startDate
        endDate
        rate # pence per ratePeriod
        ratePeriod
      }
    }
  }

  # Both systems as one list of stays
  stays(from: "2026-07-01", to: "2026-07-02") {
    system
    startDate
    endDate
    guestName
    totalPrice { amount currency }
    bookedUnits { name }
  }
}
"""

# When a GraphiQL dialog (settings, shortcuts) opens, Radix's scroll lock
# (react-remove-scroll-bar in graphiql.min.js) injects one <style> element.  On
# this page it is always the same text (body has no margin and never scrolls, so
# every measured gap is 0px), so it is allowed by hash instead of
# 'unsafe-inline'.  Should a browser ever measure a different gap, the only
# effect is a CSP console error and no scroll lock on a page that cannot scroll.
# After a GraphiQL upgrade the browser test reports a changed hash (it opens
# the settings dialog and fails on CSP console errors); update it here.
_SCROLL_LOCK_STYLE_HASH: Final = "'sha256-Y/huXlwoYkVyQlxwSVcCi1RCDGDCSVBzDt0hYP9qlTc='"

# The page itself: only same-origin script and style, no inline script at all.
# graphiql.min.css embeds its fonts (Roboto, Fira Code) as data: URIs, hence
# font-src data:.  connect-src 'self' covers the POST to the endpoint and (CSP3,
# all current browsers) the same-origin ws(s):// used for subscriptions.
CONTENT_SECURITY_POLICY: Final = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        f"style-src 'self' {_SCROLL_LOCK_STYLE_HASH}",
        "img-src 'self'",
        "font-src 'self' data:",
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    )
)

_PAGE_HEADERS: Final[Mapping[str, str]] = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    # The page names every asset by content hash, so it must be revalidated
    # (cheap) while the assets themselves are cached for a year.
    "Cache-Control": "no-cache",
}

# Asset URLs carry ?v=<sha256 prefix>, so a changed file is a new URL.
ASSETS_CACHE_CONTROL: Final = "public, max-age=31536000, immutable"

# template placeholder -> file under static/
_PAGE_ASSETS: Final[Mapping[str, str]] = {
    "favicon_svg": "favicon.svg",
    "graphiql_css": "vendor/graphiql/graphiql.min.css",
    "plugin_explorer_css": "vendor/plugin-explorer/plugin-explorer.css",
    "page_css": "graphiql-page.css",
    "react_js": "vendor/react/react.production.min.js",
    "react_dom_js": "vendor/react-dom/react-dom.production.min.js",
    "graphiql_js": "vendor/graphiql/graphiql.min.js",
    "plugin_explorer_js": "vendor/plugin-explorer/plugin-explorer.umd.js",
    "init_js": "graphiql-init.js",
}

# Deterministic types, whatever /etc/mime.types says on the host.
_MEDIA_TYPES: Final[Mapping[str, str]] = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".txt": "text/plain; charset=utf-8",
    ".md": "text/plain; charset=utf-8",
}


@cache
def _template() -> Template:
    return Template(_TEMPLATE_PATH.read_text(encoding="utf-8"))


@cache
def _asset_version(relative_path: str) -> str:
    return hashlib.sha256((STATIC_DIR / relative_path).read_bytes()).hexdigest()[:16]


def _check_assets_url(assets_url: str) -> None:
    if not assets_url.startswith("/") or assets_url.startswith("//"):
        msg = (
            f"assets_url must be an absolute path on the gateway's own origin "
            f"(like {DEFAULT_ASSETS_URL!r}), got {assets_url!r}"
        )
        raise ValueError(msg)


def render_graphiql_page(*, assets_url: str, default_document: str = DEFAULT_DOCUMENT) -> str:
    """Return the GraphiQL HTML page.

    ``assets_url`` is the absolute URL path where :func:`mount_graphiql_assets`
    serves ``static/`` as the browser sees it (include any proxy prefix).  The page
    POSTs queries to its own URL, so it needs no endpoint URL.
    ``default_document`` fills the query editor when the URL has no ``?q=``.
    """
    _check_assets_url(assets_url)
    base = assets_url.rstrip("/")
    urls = {
        name: html.escape(f"{base}/{path}?v={_asset_version(path)}", quote=True)
        for name, path in _PAGE_ASSETS.items()
    }
    return _template().substitute(urls, default_document=html.escape(default_document, quote=True))


class _GraphiQLStaticFiles(StaticFiles):
    """``StaticFiles`` with immutable caching and explicit content types."""

    def file_response(
        self,
        full_path: str | os.PathLike[str],
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        response.headers["Cache-Control"] = ASSETS_CACHE_CONTROL
        response.headers["X-Content-Type-Options"] = "nosniff"
        if "content-type" in response.headers:  # not on 304 Not Modified
            suffix = Path(full_path).suffix.lower()
            response.headers["Content-Type"] = _MEDIA_TYPES.get(suffix) or (
                # LICENSE, SHA256SUMS, LICENSE.graphiql-explorer, ...
                mimetypes.guess_type(f"x{suffix}")[0] or "text/plain; charset=utf-8"
            )
        return response


def mount_graphiql_assets(app: fastapi.FastAPI, path: str = DEFAULT_ASSETS_URL) -> None:
    """Serve the vendored GraphiQL assets (``static/``) under ``path``.

    Pass the same ``path`` as ``assets_url`` to :class:`SelfHostedGraphQLRouter`.
    """
    _check_assets_url(path)
    app.mount(
        path.rstrip("/"),
        _GraphiQLStaticFiles(directory=STATIC_DIR),
        name="graphiql-assets",
    )


class SelfHostedGraphQLRouter(GraphQLRouter[Context, RootValue]):
    """``GraphQLRouter`` whose GraphiQL is served by the gateway, not by unpkg.

    Takes every argument of ``GraphQLRouter`` plus, keyword-only:

    * ``assets_url``: where :func:`mount_graphiql_assets` was mounted, relative to
      the application root; the request's ``root_path`` (proxy prefix / mount
      point) is prepended when rendering;
    * ``default_document``: the query editor's initial content.

    ``graphql_ide=None`` disables the IDE (a browser GET then gets 404, as with
    the base class); any IDE other than ``"graphiql"`` is rejected because
    Strawberry's other IDE pages load from a CDN.
    """

    def __init__(
        self,
        *args: Any,
        assets_url: str = DEFAULT_ASSETS_URL,
        default_document: str = DEFAULT_DOCUMENT,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if self.graphql_ide not in (None, "graphiql"):
            msg = (
                f"SelfHostedGraphQLRouter only serves GraphiQL; got "
                f"graphql_ide={self.graphql_ide!r} (use 'graphiql' or None)"
            )
            raise ValueError(msg)
        _check_assets_url(assets_url)
        self.assets_url = assets_url
        self.default_document = default_document

    async def render_graphql_ide(self, request: Request) -> HTMLResponse:
        root_path = str(request.scope.get("root_path", "")).rstrip("/")
        page = render_graphiql_page(
            assets_url=root_path + self.assets_url,
            default_document=self.default_document,
        )
        return HTMLResponse(page, headers=dict(_PAGE_HEADERS))
