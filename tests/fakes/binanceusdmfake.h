// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "fakeserver.h"

#include <QStringList>

namespace barkeep::fakes {

// A fake Binance USD-M futures (provider-apis.md §8): /fapi/v1/klines (limit default 500, at
// most 1500, weight 1/2/5/10 by limit, the 12-element rows of spot, oldest first, the
// forming candle included), /fapi/v1/exchangeInfo (weight 1; REQUEST_WEIGHT `weightPerMinute`
// per minute announced in rateLimits; perpetuals and a quarterly contract), /fapi/v1/time,
// /fapi/v1/ping; X-MBX-USED-WEIGHT-1M on every answer, 429 with Retry-After and a -1003 body
// stating the limit past the minute's weight, a 418 ban when 429s are ignored; the archive
// under /data/futures/um/monthly/klines/<SYMBOL>/1m/ (zip + .CHECKSUM, ms timestamps, a header
// row in files from 2022-07 on). Its prices differ from the spot fake's (own ground truth keys).
class BinanceUsdmFake : public FakeServer
{
    Q_OBJECT

public:
    explicit BinanceUsdmFake(quint64 seed = 1, QObject *parent = nullptr);

    static QStringList perpetuals();
    // The ground-truth key of a perpetual (the spot fake's key is the bare symbol).
    static QString truthKey(const QString &symbol) { return symbol + QStringLiteral(".P"); }

    int weightPerMinute = 2400;
    int ignored429sBeforeBan = 3;
    int banSeconds = 120;

    int usedWeight() const { return m_usedWeight; }
    int rateLimitedCount() const { return m_429s; }
    int bannedCount() const { return m_418s; }
    // Builds the monthly 1m archive files of `symbol` for the months of `range`.
    int prebuildArchive(const QString &symbol, TimeRange range);

protected:
    Reply answer(const QHttpServerRequest &request) override;
    Reply serverError() const override;

private:
    Reply klines(const QHttpServerRequest &request);
    Reply exchangeInfo() const;
    Reply archive(const QString &path);
    QByteArray row(const QString &key, const Bar &b, const Timeframe &tf) const;
    std::optional<Reply> charge(int weight);
    struct ArchiveFile
    {
        QByteArray zip;
        QByteArray sha256;
    };
    const ArchiveFile &archiveFile(const QString &symbol, QDate month);

    qint64 m_window = -1;
    int m_usedWeight = 0;
    bool m_refused = false;
    int m_ignored = 0;
    int m_429s = 0;
    int m_418s = 0;
    qint64 m_bannedUntil = 0;
    QHash<QString, ArchiveFile> m_archive;
};

} // namespace barkeep::fakes
