"""State that several gateway processes share through Redis (`GATEWAY_REDIS_URL`).

With one process everything lives in memory (`gateway.idempotency`, `gateway.upstreams.ratelimit`).
With several (`gateway serve --workers N`, or replicas behind a load balancer) the same
interfaces are implemented here on Redis, so their guarantees hold across every process:

    connection.py   `SharedRedis`: the redis-py asyncio client, its health (logged once per
                    outage), `SharedStateUnavailable` for callers that must fall back or refuse
    idempotency.py  idempotency records (`RedisIdempotencyStore`): one Lua script per transition
    ratelimit.py    Bedful's sliding window across processes, with a per-process fallback

This package never imports strawberry: it is below the GraphQL layer, beside `upstreams/`.
"""
