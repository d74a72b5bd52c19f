// SPDX-License-Identifier: GPL-3.0-or-later
// Kraken WebSocket v2 frames: acknowledgements, ohlc snapshots and updates, other channels
// (KrakenExchange::parseWsMessage).
#include "fuzzinput.h"
#include "krakenexchange.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    using namespace barkeep;
    const auto message = crypto::KrakenExchange::parseWsMessage(fuzz::bytes(data, size));
    fuzz::consume(message);
    return 0;
}
