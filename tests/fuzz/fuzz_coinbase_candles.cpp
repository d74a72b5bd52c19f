// SPDX-License-Identifier: GPL-3.0-or-later
// Coinbase Exchange /products/{id}/candles → bars (CoinbaseExchange::parseCandles).
#include "coinbaseexchange.h"
#include "fuzzinput.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    using namespace barkeep;
    const Result<Bars> bars = crypto::CoinbaseExchange::parseCandles(fuzz::bytes(data, size));
    fuzz::consume(bars);
    return 0;
}
