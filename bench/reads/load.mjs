#!/usr/bin/env node
// Load for the read-layer benchmark: POST GraphQL bodies over keep-alive connections, cycling
// through several bodies (one per id), and report answers/s, latency and failures as JSON.
//
//   node load.mjs --url URL --bodies FILE.json [--connections 10] [--duration 60] [--warmup 0]
//
// FILE.json is a list of {"query", "variables"} bodies; each connection sends them in turn.
// autocannon comes from bench/peer-mesh (run `npm ci` there first), the harness the project
// already measures with. Prints one JSON object on stdout.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';

const require = createRequire(new URL('../peer-mesh/package.json', import.meta.url));
const autocannon = require('autocannon');

const { values: args } = parseArgs({
  options: {
    url: { type: 'string' },
    bodies: { type: 'string' },
    connections: { type: 'string', default: '10' },
    duration: { type: 'string', default: '60' },
    warmup: { type: 'string', default: '0' },
  },
});
if (!args.url || !args.bodies) {
  console.error('usage: node load.mjs --url URL --bodies FILE.json [--connections N] [--duration S]');
  process.exit(2);
}

const headers = { 'content-type': 'application/json', accept: 'application/json' };
const requests = JSON.parse(readFileSync(args.bodies, 'utf8')).map(body => ({
  method: 'POST', headers, body: JSON.stringify(body),
}));

// A GraphQL success: non-null "data" and no "errors".
function ok(text) {
  try {
    const answer = JSON.parse(text);
    return answer !== null && answer.data != null && answer.errors === undefined;
  } catch {
    return false;
  }
}

function run(duration, onResponse) {
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      { url: args.url, requests, connections: Number(args.connections), duration, timeout: 30, verifyBody: ok },
      (err, result) => (err ? reject(err) : resolve(result)),
    );
    if (onResponse) instance.on('response', onResponse);
  });
}

if (Number(args.warmup) > 0) await run(Number(args.warmup));
const times = [];
const t0 = process.hrtime.bigint();
const result = await run(Number(args.duration), (_c, status, _b, ms) => { if (status < 300) times.push(ms); });
const wall = Number(process.hrtime.bigint() - t0) / 1e9;
times.sort((a, b) => a - b);
const pct = p => times.length ? times[Math.min(times.length - 1, Math.ceil(p / 100 * times.length) - 1)] : null;
const failed = result.errors + result.timeouts + result.non2xx + (result.mismatches ?? 0);
console.log(JSON.stringify({
  seconds: Math.round(wall * 10) / 10,
  answers: result.requests.total - failed,
  answers_per_second: Math.round((result.requests.total - failed) / wall * 10) / 10,
  failed, errors: result.errors, timeouts: result.timeouts, non2xx: result.non2xx,
  not_graphql_success: result.mismatches ?? 0,
  p50_ms: pct(50), p90_ms: pct(90), p99_ms: pct(99),
}));
