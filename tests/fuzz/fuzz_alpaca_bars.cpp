// SPDX-License-Identifier: GPL-3.0-or-later
// Alpaca bars pages, single- and multi-symbol shapes (alpaca::parseBarsPage), and the
// RFC-3339 times inside them (alpaca::parseTime) on the raw input.
#include "alpacawire.h"
#include "fuzzinput.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    using namespace barkeep;
    const uint8_t selector = fuzz::takeSelector(data, size);
    const QByteArray body = fuzz::bytes(data, size);
    const QString symbol = (selector & 1) ? QStringLiteral("BTC/USD") : QStringLiteral("AAPL");
    const Result<alpaca::BarsPage> page = alpaca::parseBarsPage(body, symbol);
    fuzz::consume(page);
    if (size <= 64) {
        const std::optional<qint64> t = alpaca::parseTime(QString::fromUtf8(body));
        fuzz::consume(t);
    }
    return 0;
}
