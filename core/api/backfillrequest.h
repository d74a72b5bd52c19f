// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "model/bar.h"
#include "model/series.h"
#include "util/result.h"

#include <QByteArray>

#include <functional>

namespace barkeep {

// What POST /api/v1/backfills asks for, read from its JSON body.
struct BackfillRequest
{
    SeriesKey series;
    TimeRange range;
};

// Parses and checks the body of POST /backfills: a JSON object {"market", "provider",
// "symbol", "since", "until", optional "timeframe" (1m when absent)} (until defaults to `nowMs` rounded down to the minute), a range
// of at most `maxRangeDays`. `checkMarketProvider` is the registry check, run between the
// presence and the symbol checks so the first error a client sees does not depend on where
// the parsing lives. A pure function of its input (no request, no context), so the fuzz
// target (tests/fuzz/fuzz_backfill_body.cpp) reaches it.
Result<BackfillRequest> parseBackfillRequest(
    const QByteArray &body, qint64 nowMs, int maxRangeDays,
    const std::function<VoidResult(const QString &market, const QString &provider)> &checkMarketProvider);

} // namespace barkeep
