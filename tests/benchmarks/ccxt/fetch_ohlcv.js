// SPDX-License-Identifier: GPL-3.0-or-later
// Reads bars from a Binance-compatible server with ccxt's fetchOHLCV and prints them as JSON
// lines. Usage: node fetch_ohlcv.js <baseUrl> <symbol> <timeframe> <sinceMs> <untilMs> [paginate]
// Used by tst_ccxtbinance (if ccxt reads the fake right, the fake speaks Binance) and by the
// ccxt benchmark. Needs ccxt on NODE_PATH (npm install in this folder).
'use strict';
const ccxt = require('ccxt');

async function main() {
    const [base, symbol, timeframe, sinceText, untilText, mode] = process.argv.slice(2);
    const since = Number(sinceText);
    const until = Number(untilText);
    const exchange = new ccxt.binance({
        enableRateLimit: mode !== 'norate',
        options: { fetchMarkets: { types: ['spot'] }, fetchCurrencies: false },
    });
    // Point every REST root at the fake (spot routes only are used).
    for (const key of Object.keys(exchange.urls.api)) {
        const url = exchange.urls.api[key];
        if (typeof url === 'string')
            exchange.urls.api[key] = url.replace(/^https:\/\/[^/]+/, base);
    }
    const started = Date.now();
    await exchange.loadMarkets();
    let bars = [];
    if (mode === 'paginate' || mode === 'norate') {
        bars = await exchange.fetchOHLCV(symbol, timeframe, since, undefined, {
            until: until - 1, paginate: true, paginationCalls: 1000, maxEntriesPerRequest: 1000,
        });
    } else {
        // Sequential pages as a careful client would do them.
        let cursor = since;
        while (cursor < until) {
            const page = await exchange.fetchOHLCV(symbol, timeframe, cursor, 1000, { until: until - 1 });
            if (page.length === 0)
                break;
            bars.push(...page);
            cursor = page[page.length - 1][0] + 1;
            if (page.length < 1000)
                break;
        }
    }
    bars = bars.filter((b) => b[0] >= since && b[0] < until);
    process.stderr.write(`ccxt ${ccxt.version}: ${bars.length} bars in ${Date.now() - started} ms\n`);
    process.stdout.write(JSON.stringify(bars) + '\n');
}

main().catch((e) => {
    process.stderr.write(`ccxt failed: ${e.constructor.name}: ${e.message}\n`);
    process.exit(1);
});
