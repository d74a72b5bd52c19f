// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "barkeepcore_export.h"
#include "model/bar.h"

#include <QByteArray>

#include <optional>

namespace barkeep::packedbars {

// The compact binary form of a bar range used as a cache value:
//   "BKB1" magic (4 bytes) | count (uint32 LE) | count x { t int64 LE, o h l c v float64 LE }
// 8 + 48 * count bytes; decoding is a size check and a copy, no parsing.
constexpr int kHeaderSize = 8;
constexpr int kBarSize = 48;

BARKEEPCORE_EXPORT QByteArray encode(const Bars &bars);
// std::nullopt when the value is not a well-formed packed range (wrong magic or size).
BARKEEPCORE_EXPORT std::optional<Bars> decode(const char *data, qsizetype size);
inline std::optional<Bars> decode(const QByteArray &value)
{
    return decode(value.constData(), value.size());
}

} // namespace barkeep::packedbars
