#!/usr/bin/env node
// The graphql-http server audit (GraphQL over HTTP conformance) of a running gateway.
//   node audit.mjs http://127.0.0.1:8000/graphql
// Prints one JSON object per audit ({"id", "name", "status", "reason"}) and exits 0; exits 2
// when the audit could not run. tests/test_graphql_over_http.py reads the lines.
import { auditServer } from 'graphql-http';

const url = process.argv[2];
if (!url || process.argv.length > 3) {
  console.error('usage: node audit.mjs GRAPHQL_URL');
  process.exit(2);
}
try {
  for (const r of await auditServer({ url })) {
    const reason = r.status === 'ok' ? '' : r.reason;
    console.log(JSON.stringify({ id: r.id, name: r.name, status: r.status, reason }));
  }
} catch (err) {
  console.error(`audit could not run against ${url}: ${err?.message || err}`);
  process.exit(2);
}
