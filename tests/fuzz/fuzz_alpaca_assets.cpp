// SPDX-License-Identifier: GPL-3.0-or-later
// Alpaca GET /v2/assets → symbols (alpaca::parseAssets).
#include "alpacawire.h"
#include "fuzzinput.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    using namespace barkeep;
    const auto assets = alpaca::parseAssets(fuzz::bytes(data, size));
    fuzz::consume(assets);
    return 0;
}
