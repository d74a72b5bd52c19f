// SPDX-License-Identifier: GPL-3.0-or-later
// Kraken /0/public/OHLC → rows (KrakenExchange::parseOhlc). An input starting with '@' names
// the pair key on its first line ("@XXBTZUSD\n{...}"); otherwise the parser picks the key.
#include "fuzzinput.h"
#include "krakenexchange.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    using namespace barkeep;
    QByteArray body = fuzz::bytes(data, size);
    QString pairKey;
    if (body.startsWith('@')) {
        const qsizetype eol = body.indexOf('\n');
        const qsizetype end = eol < 0 ? body.size() : eol;
        pairKey = QString::fromUtf8(body.mid(1, end - 1));
        body = eol < 0 ? QByteArray() : body.mid(eol + 1);
    }
    const auto page = crypto::KrakenExchange::parseOhlc(body, pairKey);
    fuzz::consume(page);
    return 0;
}
