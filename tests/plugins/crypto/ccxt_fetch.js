// SPDX-License-Identifier: GPL-3.0-or-later
// Reads candles from a fake exchange with ccxt's fetchOHLCV and prints them as one JSON line.
// Usage: node ccxt_fetch.js <ccxt exchange id> <baseUrl> <symbol> <timeframe> <sinceMs> <untilMs>
//        [rowsPerRequest]
// Used by tst_ccxtfakes: if ccxt reads a fake right, the fake speaks its exchange. With
// rowsPerRequest, windows of that many buckets are walked from sinceMs to untilMs; without,
// one request (Kraken: its 720 most recent rows).
// Needs ccxt on NODE_PATH (npm install in tests/benchmarks/ccxt).
'use strict';
const ccxt = require('ccxt');

function pointAt(api, base) {
    for (const key of Object.keys(api)) {
        if (typeof api[key] === 'string')
            api[key] = api[key].replace(/^https:\/\/[^/]+/, base);
        else if (api[key] && typeof api[key] === 'object')
            pointAt(api[key], base);
    }
}

async function main() {
    const [id, base, symbol, timeframe, sinceText, untilText, perText] = process.argv.slice(2);
    const since = Number(sinceText);
    const until = Number(untilText);
    const perRequest = perText ? Number(perText) : undefined;
    const exchange = new ccxt[id]({ enableRateLimit: false });
    // The fakes serve market data only: no currency lists.
    exchange.has['fetchCurrencies'] = false;
    pointAt(exchange.urls.api, base);
    await exchange.loadMarkets();
    const bars = [];
    const stepMs = exchange.parseTimeframe(timeframe) * 1000;
    let cursor = since;
    for (let calls = 0; cursor < until && calls < 100; ++calls) {
        const page = await exchange.fetchOHLCV(symbol, timeframe, cursor, perRequest);
        const fresh = page.filter((b) => b[0] >= cursor);
        bars.push(...fresh);
        if (perRequest === undefined)
            break;
        // The next window: a page is short where buckets had no trades, not at the end.
        cursor = Math.max(cursor + perRequest * stepMs,
                          fresh.length ? fresh[fresh.length - 1][0] + 1 : cursor);
    }
    process.stdout.write(JSON.stringify(bars.filter((b) => b[0] >= since && b[0] < until)) + '\n');
}

main().catch((e) => {
    process.stderr.write(`ccxt failed: ${e.constructor.name}: ${e.message}\n`);
    process.exit(1);
});
