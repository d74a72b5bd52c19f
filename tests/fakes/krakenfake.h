// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "fakeserver.h"
#include "tokenbucket.h"

#include <QStringList>

namespace barkeep::fakes {

// A fake Kraken Spot (provider-apis.md §3): /0/public/AssetPairs and /0/public/OHLC with
// the 720 most recent rows only (the forming interval always last), `since` exclusive,
// `last`, rows keyed by the pair's own name whatever alias was asked, zero-trade intervals
// as rows with count 0; errors in the `error` array, the public throttle
// (per pair, 1/s with a small burst by default) as HTTP 200 "EGeneral:Too many requests".
class KrakenFake : public FakeServer
{
    Q_OBJECT

public:
    static constexpr int kMaxRows = 720;

    explicit KrakenFake(quint64 seed = 1, QObject *parent = nullptr);
    // Pair keys: XXBTZUSD, XETHZUSD, SOLUSD, XXBTZEUR.
    static QStringList pairs();

    // "Too many" answers given since start (in the provider's words).
    int throttledCount() const { return m_throttled; }

protected:
    Reply answer(const QHttpServerRequest &request) override;
    Reply serverError() const override;

private:
    Reply ohlc(const QHttpServerRequest &request);
    Reply assetPairs(const QHttpServerRequest &request) const;
    QString pairKey(const QString &name) const;
    QHash<QString, TokenBucket> m_buckets;
    int m_throttled = 0;
};

} // namespace barkeep::fakes
