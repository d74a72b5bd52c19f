// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "fakeserver.h"

#include <QHash>
#include <QStringList>

namespace barkeep::fakes {

// A fake OKX v5 (provider-apis.md §7): /api/v5/market/candles (the latest 1,440 bars, the
// forming one with confirm "0") and /api/v5/market/history-candles (back to the listing,
// closed bars only), `limit` default 100, at most 300 (history: historyMaxLimit), exclusive
// `after` (older than) and `before` (newer than; alone it means the latest rows), rows of 9
// strings newest first in {"code":"0","msg":"","data":[…]}; bars 1m 3m 5m 15m 30m 1H 2H 4H
// and the UTC-aligned 6Hutc 12Hutc 1Dutc 1Wutc 1Mutc (the UTC+8 ones are refused here).
// /api/v5/public/instruments for SPOT and SWAP (a linear and an inverse swap), one page,
// /api/v5/public/time. The spot pair and its swap are different series (their instIds).
// Limits per IP and endpoint in 2-second windows (candles 40, history 20, instruments 20);
// past them code 50011, as HTTP 429 or, with `throttleIn200`, in an HTTP 200. Unknown
// instruments 51001, bad bars 51000, 5xx as 503 with code 50001.
class OkxFake : public FakeServer
{
    Q_OBJECT

public:
    explicit OkxFake(quint64 seed = 1, QObject *parent = nullptr);

    static QStringList spotIds();
    static QStringList swapIds();

    // Requests per 2 s per endpoint (0 = no limit).
    int candlesLimit = 40;
    int historyLimit = 20;
    int instrumentsLimit = 20;
    // The largest page history-candles gives (current docs 300, older ones 100).
    int historyMaxLimit = 300;
    // Answer 50011 in an HTTP 200 (the error table lists both).
    bool throttleIn200 = false;

    int throttledCount() const { return m_throttled; }

protected:
    Reply answer(const QHttpServerRequest &request) override;
    Reply serverError() const override;

private:
    Reply candles(const QHttpServerRequest &request, bool history);
    Reply instruments(const QHttpServerRequest &request) const;
    static Reply error(int status, const char *code, const QString &msg);

    struct Window
    {
        qint64 window = -1;
        int count = 0;
    };
    QHash<QString, Window> m_windows; // by path
    int m_throttled = 0;
};

} // namespace barkeep::fakes
