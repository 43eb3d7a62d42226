"""What operators see of the gateway: request ids, JSON logs, Prometheus metrics, OpenTelemetry.

- `request`: the per-request record (request id, trace id, the GraphQL operations that ran),
  held in a context variable for the log lines, metrics and spans of that request.
- `middleware`: the ASGI middleware that opens the record, answers `x-request-id`, writes the
  one request log line and counts the request.
- `operation`: the Strawberry extension that notes each operation's name, type and outcome.
- `metrics`: the Prometheus collectors (bounded label sets) and `/metrics`.
- `tracing`: OpenTelemetry, on only when the standard `OTEL_*` variables configure an exporter.
- `upstream`: how upstream calls are counted and traced (the upstream layer's `CallObserver`).

Personal data (names, emails, phone numbers in variables, documents and upstream payloads) never
reaches any of them: only operation names, route templates, status codes and error codes do.
"""
