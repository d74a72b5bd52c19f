// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "fakeserver.h"
#include "tokenbucket.h"

#include <QStringList>

namespace barkeep::fakes {

// A fake Coinbase Exchange (provider-apis.md §2a): /products and
// /products/{id}/candles with granularity 60 300 900 3600 21600 86400, start/end (ISO-8601
// or UNIX seconds; end inclusive), at most 300 buckets (400 otherwise), rows
// [time, low, high, open, close, volume] as JSON numbers, newest first, buckets without
// trades absent, the forming bucket included; {"message"} errors; 429 past 10 requests/s
// (burst 15) by default.
class CoinbaseFake : public FakeServer
{
    Q_OBJECT

public:
    explicit CoinbaseFake(quint64 seed = 1, QObject *parent = nullptr);
    static QStringList products();

    // "Too many" answers given since start (in the provider's words).
    int throttledCount() const { return m_throttled; }

protected:
    Reply answer(const QHttpServerRequest &request) override;
    Reply serverError() const override;

private:
    Reply candles(const QString &product, const QHttpServerRequest &request);
    Reply productList() const;
    TokenBucket m_bucket;
    int m_throttled = 0;
};

} // namespace barkeep::fakes
