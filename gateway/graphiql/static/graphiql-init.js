// Boots the self-hosted GraphiQL page rendered by gateway.graphiql.
//
// Port of the inline <script> of Strawberry's stock graphiql.html, moved into a
// same-origin file so the page's Content-Security-Policy can be
// `script-src 'self'`.  Page-specific settings arrive as data-* attributes on
// #graphiql, never as inline script.
(function () {
  "use strict";

  var container = document.getElementById("graphiql");
  var defaultDocument = container.dataset.defaultDocument || "";

  // URL parameters let people share a query: ?q=...&variables=...
  var parameters = {};
  new URLSearchParams(window.location.search).forEach(function (value, key) {
    parameters[key] = value;
  });

  function updateURL(data) {
    Object.assign(parameters, data);
    var search = new URLSearchParams();
    Object.keys(parameters).forEach(function (key) {
      if (parameters[key]) {
        search.set(key, parameters[key]);
      }
    });
    var query = search.toString();
    history.replaceState(null, "", query ? "?" + query : window.location.pathname);
  }

  // POST to the very URL this page was served from (minus query and fragment),
  // so the IDE keeps working behind a reverse proxy that adds a path prefix.
  var fetchURL = new URL(window.location.href);
  fetchURL.search = "";
  fetchURL.hash = "";

  var subscriptionURL = new URL(fetchURL.href);
  subscriptionURL.protocol = fetchURL.protocol === "https:" ? "wss:" : "ws:";

  // Same CSRF convention as Strawberry's page (Django-style `csrftoken` cookie),
  // without the js-cookie dependency.
  function readCookie(name) {
    var prefix = name + "=";
    var parts = document.cookie ? document.cookie.split("; ") : [];
    for (var i = 0; i < parts.length; i++) {
      if (parts[i].indexOf(prefix) === 0) {
        return decodeURIComponent(parts[i].slice(prefix.length));
      }
    }
    return null;
  }

  var defaultHeaders = {};
  var csrfToken = readCookie("csrftoken");
  if (csrfToken) {
    defaultHeaders["x-csrftoken"] = csrfToken;
  }

  var fetcher = GraphiQL.createFetcher({
    url: fetchURL.href,
    headers: defaultHeaders,
    subscriptionUrl: subscriptionURL.href,
  });

  var explorerPlugin = GraphiQLPluginExplorer.explorerPlugin();

  function GraphiQLWithExplorer() {
    var queryState = React.useState(parameters.q || defaultDocument);
    var variablesState = React.useState(parameters.variables);
    var headersState = React.useState(parameters.headers);

    return React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultEditorToolsVisibility: true,
      plugins: [explorerPlugin],
      query: queryState[0],
      variables: variablesState[0],
      headers: headersState[0],
      onEditQuery: function (newQuery) {
        queryState[1](newQuery);
        updateURL({ q: newQuery });
      },
      onEditVariables: function (newVariables) {
        variablesState[1](newVariables);
        updateURL({ variables: newVariables });
      },
      onEditHeaders: function (newHeaders) {
        headersState[1](newHeaders);
      },
      inputValueDeprecation: true,
      isHeadersEditorEnabled: true,
      shouldPersistHeaders: true,
    });
  }

  ReactDOM.createRoot(container).render(React.createElement(GraphiQLWithExplorer));
})();
