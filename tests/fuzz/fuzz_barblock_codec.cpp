// SPDX-License-Identifier: GPL-3.0-or-later
// A stored block of bars (BarBlockCodec::decode, core/storage/barblockcodec.h): what
// SqliteBarStore and PgBarStore read back from a database file or server that may be corrupt
// or written by another version. The first byte picks the range and limit of a second,
// filtered decode, which must agree with the full one; a block that decodes must re-encode
// and decode to the same bars, bit for bit.
#include "fuzzinput.h"
#include "storage/barblockcodec.h"

#include <cstring>
#include <limits>
#include <string>

namespace {

constexpr qint64 kBase = 1'704'067'200'000; // 2024-01-01 00:00 UTC, a block's day start

bool sameBars(const barkeep::Bars &a, const barkeep::Bars &b)
{
    return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof a[0]) == 0);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    using namespace barkeep;
    const uint8_t s = fuzz::takeSelector(data, size);
    // An exact-size heap copy, so ASan sees any read past the block's end.
    const std::string block(reinterpret_cast<const char *>(data), size);
    constexpr TimeRange all{std::numeric_limits<qint64>::min(), std::numeric_limits<qint64>::max()};

    Bars full;
    const bool ok = BarBlockCodec::decode(block.data(), block.size(), kBase, all, full);

    // A filtered decode, as a store query runs it.
    const qint64 from = kBase + qint64(s & 0x07) * 7 * kMinuteMs - (s & 0x08 ? kMinuteMs : 0);
    const qint64 to = s & 0x30 ? from + qint64((s >> 4) & 0x03) * 11 * kMinuteMs : all.to;
    const qint64 limit = (s >> 6) * 3;
    Bars part;
    const bool partOk = BarBlockCodec::decode(block.data(), block.size(), kBase, {from, to}, part, limit);
    if (!ok) {
        fuzz::consume(part);
        return 0;
    }
    // A block that decodes whole decodes filtered, to exactly the bars of the range, in order.
    if (!partOk)
        __builtin_trap();
    Bars expected;
    for (const Bar &b : full)
        if (b.t >= from && b.t < to && (limit == 0 || qint64(expected.size()) < limit))
            expected.push_back(b);
    if (!sameBars(part, expected))
        __builtin_trap();
    for (size_t i = 1; i < full.size(); ++i)
        if (full[i].t <= full[i - 1].t)
            __builtin_trap();

    // Round trip: what decode returns, encode keeps bit-exact.
    std::string again;
    BarBlockCodec::encode(full.data(), full.size(), kBase, again);
    Bars back;
    if (!BarBlockCodec::decode(again.data(), again.size(), kBase, all, back) || !sameBars(back, full))
        __builtin_trap();
    return 0;
}
