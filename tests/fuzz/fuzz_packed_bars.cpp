// SPDX-License-Identifier: GPL-3.0-or-later
// A cached bar range (packedbars::decode, core/cache/packedbars.h): the value a RedisCache
// reads back from a Redis that other instances, other versions or anything else with access
// write to. A value that decodes must be exactly what encode makes of its bars.
#include "cache/packedbars.h"
#include "fuzzinput.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    using namespace barkeep;
    const QByteArray value = fuzz::bytes(data, size);
    const std::optional<Bars> bars = packedbars::decode(value);
    if (!bars)
        return 0;
    if (qsizetype(bars->size()) != (value.size() - packedbars::kHeaderSize) / packedbars::kBarSize)
        __builtin_trap();
    if (packedbars::encode(*bars) != value)
        __builtin_trap();
    return 0;
}
