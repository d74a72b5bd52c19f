// SPDX-License-Identifier: GPL-3.0-or-later
// The JSON body of POST /api/v1/backfills (parseBackfillRequest, core/api/backfillrequest.h),
// with the registry check the controller passes replaced by a fixed list. Any local process
// with the token may send it, up to api.maxRequestBytes (64 KiB by default, 16 MiB at most).
// A body that is accepted names a known provider, a valid symbol and a bounded range.
#include "api/apiparams.h"
#include "api/backfillrequest.h"
#include "fuzzinput.h"

namespace {

constexpr qint64 kNow = 1'733'011'234'567; // 2024-12-01, not minute-aligned on purpose
constexpr int kMaxRangeDays = 3660;

barkeep::VoidResult knownMarketProvider(const QString &market, const QString &provider)
{
    using namespace barkeep;
    if ((market == QLatin1String("crypto") && provider == QLatin1String("binance"))
        || (market == QLatin1String("stocks") && provider == QLatin1String("alpaca"))
        || provider == QLatin1String("demo"))
        return {};
    return Error(Error::Kind::BadInput, QStringLiteral("unknown market or provider"));
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    using namespace barkeep;
    const Result<BackfillRequest> req =
        parseBackfillRequest(fuzz::bytes(data, size), kNow, kMaxRangeDays, &knownMarketProvider);
    if (!req) {
        if (req.error().message().isEmpty())
            __builtin_trap();
        return 0;
    }
    const TimeRange r = req->range;
    if (r.from < 0 || r.from >= r.to || r.to > kApiMaxTime || r.to - r.from > kMaxRangeDays * kDayMs)
        __builtin_trap();
    if (!knownMarketProvider(req->series.market, req->series.provider) || !checkSymbolText(req->series.symbol))
        __builtin_trap();
    return 0;
}
