// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "barkeepcore_export.h"

#include "model/bar.h"

#include <string>

namespace barkeep {

// Packs the bars of one block (SqliteBarStore keeps one block per series and UTC day) into a
// compact byte string and back, bit-exact. Why hand-written rather than a general compressor:
// prices and volumes from providers are short decimals ("43251.23", "0.01234"), so each
// column is stored as integers scaled by the smallest power of ten that round-trips every
// value exactly, then as zig-zag varint deltas (open against the previous close, close
// against open, high/low against max/min(open, close)); times as varint minute steps, which
// is one byte for consecutive minutes. A column that is not short decimals falls back to raw
// 8-byte doubles, so any finite double still round-trips. About 10-16 bytes per 1m bar on
// real-looking data instead of 48, and decoding is a few ns per bar. Used from any thread;
// no state.
class BARKEEPCORE_EXPORT BarBlockCodec
{
public:
    // Appends the encoding of `bars` (ascending, unique t) to `out`. Times are stored
    // relative to `baseMs` (the block's day start), which decode() must be given again.
    static void encode(const Bar *bars, size_t count, qint64 baseMs, std::string &out);
    // Appends the bars of a block with range.from <= t < range.to to `out`, at most
    // `limit` in total in `out` when limit > 0. False when the block is malformed.
    static bool decode(const char *data, size_t size, qint64 baseMs, TimeRange range,
                       Bars &out, qint64 limit = 0);
};

} // namespace barkeep
