// SPDX-License-Identifier: GPL-3.0-or-later
// Barkeep local API from Node 20+, built-ins only (fetch; WebSocket when globalThis has it).
// Lists providers, fetches bars (paging with `next`), starts a backfill and follows its
// progress, and streams live bars.
//
//   BARKEEP_URL=http://127.0.0.1:8765 node barkeep_example.mjs [--stream-seconds 5]
//
// The token: BARKEEP_API_TOKEN, else the file BARKEEP_API_TOKEN_FILE, else
// ~/.config/barkeep/api-token (the names barkeep itself reads).

import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

// Types generated from docs/openapi.json (openapi-typescript); the test suite type-checks this
// file against them (tests/api/openapi/check.sh). Comments only: nothing is loaded at run time.
/** @typedef {import('barkeep-api').paths} Paths */
/** @typedef {import('barkeep-api').components['schemas']} Schemas */

const url = (process.env.BARKEEP_URL ?? 'http://127.0.0.1:8765').replace(/\/$/, '');

function apiToken() {
  if (process.env.BARKEEP_API_TOKEN) return process.env.BARKEEP_API_TOKEN;
  const config = process.env.XDG_CONFIG_HOME || join(homedir(), '.config');
  const file = process.env.BARKEEP_API_TOKEN_FILE || join(config, 'barkeep', 'api-token');
  try {
    return readFileSync(file, 'utf8').split('\n')[0].trim();
  } catch {
    return '';
  }
}
const token = apiToken();
const argi = process.argv.indexOf('--stream-seconds');
const streamSeconds = argi > 0 ? Number(process.argv[argi + 1]) : 5;
const JAN_2024 = 1704067200000;
const MINUTE = 60_000;

/**
 * @param {string} method
 * @param {string} path
 * @param {{ query?: Record<string, unknown>, body?: unknown }} [options]
 */
async function call(method, path, { query, body } = {}) {
  const u = new URL(url + path);
  for (const [k, v] of Object.entries(query ?? {})) u.searchParams.set(k, String(v));
  const res = await fetch(u, {
    method,
    headers: { Authorization: `Bearer ${token}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  // Errors are {"error": {"code", "message"}} with a fitting status.
  return { status: res.status, json: await res.json() };
}

async function bars(market, provider, symbol, timeframe, since, until, limit = 500) {
  const out = [];
  while (since !== undefined && since < until) {
    const { status, json } = await call('GET', '/api/v1/ohlcv', {
      query: { market, provider, symbol, timeframe, since, until, limit },
    });
    if (status !== 200) throw new Error(`ohlcv: ${status} ${JSON.stringify(json)}`);
    /** @type {Schemas['Ohlcv']} */
    const page = json;
    out.push(...page.bars);
    since = page.next;
  }
  return out;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function stream() {
  if (typeof globalThis.WebSocket !== 'function') {
    console.log('stream: skipped (this Node has no built-in WebSocket)');
    return;
  }
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/api/v1/stream?token=${encodeURIComponent(token)}`);
  await new Promise((resolve, reject) => {
    ws.onopen = resolve;
    ws.onerror = () => reject(new Error('stream: connection failed'));
  });
  const done = new Promise((resolve) => setTimeout(resolve, streamSeconds * 1000));
  let gotSnapshot;
  const snapshot = new Promise((r) => (gotSnapshot = r));
  ws.onmessage = (e) => {
    const m = JSON.parse(e.data);
    if (m.type === 'snapshot') {
      console.log(`snapshot: ${m.bars.length} bars, last ${JSON.stringify(m.bars.at(-1) ?? null)}`);
      gotSnapshot();
    } else if (m.type === 'bar') console.log(`bar: ${JSON.stringify(m.bar)} final=${m.final}`);
    else if (m.type === 'error') console.log(`stream error: ${m.error.message}`);
  };
  ws.send(JSON.stringify({ op: 'subscribe', id: 'btc', market: 'crypto', provider: 'demo', symbol: 'BTC/USDT', timeframe: '1m', limit: 5 }));
  await snapshot;
  await done;
  ws.send(JSON.stringify({ op: 'unsubscribe', id: 'btc' }));
  ws.close();
  console.log('stream: done');
}

const health = await call('GET', '/api/v1/health');
/** @type {Schemas['Health']} */
const healthJson = health.json;
console.log('health:', healthJson.status, healthJson.version);

const providers = await call('GET', '/api/v1/providers');
if (providers.status !== 200) throw new Error(`providers: ${providers.status}`);
/** @type {Paths['/api/v1/providers']['get']['responses'][200]['content']['application/json']} */
const providerList = providers.json;
console.log('providers:', (providerList.providers ?? []).map((p) => `${p.market}/${p.id}`).join(', '));

const got = await bars('crypto', 'demo', 'BTC/USDT', '1m', JAN_2024, JAN_2024 + 1200 * MINUTE);
console.log(`bars: ${got.length} first=${JSON.stringify(got[0])} last=${JSON.stringify(got.at(-1))}`);

/** @type {Schemas['BackfillRequest']} */
const backfill = { market: 'crypto', provider: 'demo', symbol: 'ETH/USDT', since: JAN_2024, until: JAN_2024 + 2 * 86_400_000 };
const started = await call('POST', '/api/v1/backfills', { body: backfill });
if (started.status === 202) {
  /** @type {Paths['/api/v1/backfills']['post']['responses'][202]['content']['application/json']} */
  const accepted = started.json;
  const deadline = Date.now() + 120_000;
  for (;;) {
    /** @type {{ json: Schemas['Backfill'] }} */
    const { json: job } = await call('GET', `/api/v1/backfills/${accepted.id}`);
    console.log(`backfill: ${job.id} ${job.state} ${Math.round(job.progress * 100)}% ${job.barsWritten} bars`);
    if (['done', 'failed', 'cancelled'].includes(job.state) || Date.now() > deadline) break;
    await sleep(500);
  }
} else {
  /** @type {Schemas['Error']} */
  const refused = started.json;
  console.log(`backfill: not started (${started.status} ${refused.error?.message})`);
}

await stream();
