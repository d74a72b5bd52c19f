// SPDX-License-Identifier: GPL-3.0-or-later
// Binance kline stream frames, raw and combined (BinanceExchange::parseKlineEvent).
#include "binanceexchange.h"
#include "fuzzinput.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    using namespace barkeep;
    const auto event = crypto::BinanceExchange::parseKlineEvent(fuzz::bytes(data, size));
    fuzz::consume(event);
    return 0;
}
