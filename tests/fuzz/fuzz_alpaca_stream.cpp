// SPDX-License-Identifier: GPL-3.0-or-later
// Alpaca market-data stream frames: arrays of control messages and bars (alpaca::parseStreamFrame).
#include "alpacawire.h"
#include "fuzzinput.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    using namespace barkeep;
    const auto frame = alpaca::parseStreamFrame(fuzz::bytes(data, size));
    fuzz::consume(frame);
    return 0;
}
