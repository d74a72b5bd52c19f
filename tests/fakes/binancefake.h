// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "fakeserver.h"

#include <QStringList>

namespace barkeep::fakes {

// A fake Binance Spot (provider-apis.md §1): /api/v3/klines, /api/v3/exchangeInfo,
// /api/v3/ping, /api/v3/time with weights 2/20/1/1, X-MBX-USED-WEIGHT-1M on every answer,
// 429 with Retry-After past the minute's weight, a 418 ban (Retry-After until its end) when
// 429s are ignored, {code,msg} errors; and the public data archive under
// /data/spot/{monthly,daily}/klines/<SYMBOL>/<interval>/<file>.zip(.CHECKSUM), deflated zips
// of the 12-column CSV, µs timestamps from 2025 on, S3-style 404 for a missing file.
class BinanceFake : public FakeServer
{
    Q_OBJECT

public:
    explicit BinanceFake(quint64 seed = 1, QObject *parent = nullptr);

    static QStringList symbols();
    // Builds the monthly 1m archive files of `symbol` for the months of `range` now (what a
    // real host has ready before anyone asks); returns how many. Benchmarks call it before
    // timing.
    int prebuildArchive(const QString &symbol, TimeRange range);
    int usedWeight() const { return m_usedWeight; } // in the current window
    int rateLimitedCount() const { return m_429s; }   // 429s answered since start
    int bannedCount() const { return m_418s; }        // 418s answered since start
    // The REQUEST_WEIGHT window as rateLimits names it ("MINUTE", 1) and the header suffix.
    QPair<QString, int> windowName() const;
    QByteArray usedWeightHeader() const;
    qint64 totalWeight() const { return m_totalWeight; } // since start, every minute
    bool isBanned() const;

protected:
    Reply answer(const QHttpServerRequest &request) override;
    Reply serverError() const override;

private:
    Reply klines(const QHttpServerRequest &request);
    Reply exchangeInfo() const;
    Reply archive(const QString &path);
    QByteArray archiveCsv(const QString &symbol, const Timeframe &tf, TimeRange range) const;
    QByteArray row(const QString &symbol, const Bar &b, const Timeframe &tf, qint64 unit) const;
    // Weight bookkeeping; returns a 429/418 reply when the request is refused.
    std::optional<Reply> charge(int weight);
    void stamp(Reply &reply) const;

    qint64 m_window = -1; // the current minute (weight resets at each)
    int m_usedWeight = 0;
    qint64 m_totalWeight = 0;
    bool m_refusedThisWindow = false;
    int m_ignored429s = 0;
    int m_429s = 0;
    qint64 m_first429At = 0;
    int m_418s = 0;
    qint64 m_bannedUntil = 0;
    struct ArchiveFile
    {
        QByteArray zip;
        QByteArray sha256; // hex
    };
    const ArchiveFile &archiveFile(const QString &key, const QString &zipName, const QString &symbol,
                                   const Timeframe &tf, TimeRange range);
    QHash<QString, ArchiveFile> m_archive; // by path up to ".zip"
};

} // namespace barkeep::fakes
