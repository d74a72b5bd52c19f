// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "barkeepcore_export.h"
#include "model/bar.h"

#include <QByteArray>
#include <QString>

namespace barkeep {

// Writes bars as a JSON array [[t,o,h,l,c,v],...] and as CSV.
//
// Hand-written because it is the API's hot path: building a QJsonArray of QJsonArrays per
// request made /ohlcv with 1000 bars 3× slower than this encoder in bench_api's same-run rows
// (BENCHMARKS.md; repeated questions skip encoding altogether, see ResponseCache). Doubles use std::to_chars' shortest round-trip form, so a client
// parses back exactly the stored double; non-finite values (never stored) become null.
class BARKEEPCORE_EXPORT BarJsonEncoder
{
public:
    static void appendBars(QByteArray &out, const Bars &bars);
    static void appendBar(QByteArray &out, const Bar &bar);
    static void appendDouble(QByteArray &out, double value);
    static void appendInt(QByteArray &out, qint64 value);
    // A JSON string literal, quoted and escaped (for the few strings around the bars).
    static void appendString(QByteArray &out, const QString &value);
    // "t,open,high,low,close,volume\n" then one line per bar.
    static QByteArray csv(const Bars &bars);
};

} // namespace barkeep
