// SPDX-License-Identifier: GPL-3.0-or-later
// Binance /api/v3/klines page → bars (BinanceExchange::parseKlines).
#include "binanceexchange.h"
#include "fuzzinput.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    using namespace barkeep;
    const Result<Bars> bars = crypto::BinanceExchange::parseKlines(fuzz::bytes(data, size));
    fuzz::consume(bars);
    return 0;
}
