// SPDX-License-Identifier: GPL-3.0-or-later
// Binance public-data archive CSV → bars (BinanceExchange::parseArchiveCsv).
#include "binanceexchange.h"
#include "fuzzinput.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    using namespace barkeep;
    const Result<Bars> bars = crypto::BinanceExchange::parseArchiveCsv(fuzz::bytes(data, size));
    fuzz::consume(bars);
    return 0;
}
