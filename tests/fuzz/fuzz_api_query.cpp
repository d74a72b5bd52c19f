// SPDX-License-Identifier: GPL-3.0-or-later
// The local API's query-string handling (core/api/apiparams.h): percent-decoding by
// QUrlQuery, then the typed accessors the controllers use for /bars, /coverage, /backfills.
#include "api/apiparams.h"
#include "fuzzinput.h"
#include "model/timeframe.h"

#include <QUrlQuery>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    using namespace barkeep;
    if (size > 4096) // the HTTP server caps request lines far below this
        return 0;
    const ApiQuery query{QUrlQuery(QString::fromUtf8(fuzz::bytes(data, size)))};
    const auto from = query.integer(QStringLiteral("from"), 0, 0, kApiMaxTime);
    const auto to = query.integer(QStringLiteral("to"), kApiMaxTime, 0, kApiMaxTime);
    const auto limit = query.integer(QStringLiteral("limit"), 1000, 1, 100000);
    fuzz::consume(from);
    fuzz::consume(to);
    fuzz::consume(limit);
    const Result<QString> symbol = query.required(QStringLiteral("symbol"));
    if (symbol)
        fuzz::consume(checkSymbolText(*symbol));
    if (query.has(QStringLiteral("timeframe"))) {
        const Result<Timeframe> tf = Timeframe::parse(query.optional(QStringLiteral("timeframe")));
        if (tf)
            fuzz::consume(tf->bucketStart(from ? *from : 0));
    }
    const auto checked = checkedInteger(QStringLiteral("since"), query.optional(QStringLiteral("since")),
                                        -kApiMaxTime, kApiMaxTime);
    fuzz::consume(checked);
    return 0;
}
