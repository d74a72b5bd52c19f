// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "fakeserver.h"

#include <QStringList>

namespace barkeep::fakes {

// A fake Bybit v5 (provider-apis.md §6): /v5/market/kline for category spot and linear
// (default linear), intervals 1 3 5 15 30 60 120 240 360 720 D W M, `limit` 1–1000 (default
// 200), rows of 7 strings newest first in the envelope {retCode, retMsg, result{symbol,
// category, list}, retExtInfo, time}, the forming candle included; with `end`, the newest
// `limit` rows of [start, end]; with `start` only, the oldest `limit` rows from `start` (a
// start inside a bucket begins at the next one). /v5/market/instruments-info (spot whole,
// linear paged by `cursor`/nextPageCursor, a dated future among the linear ones),
// /v5/market/time. The spot pair and the linear perpetual of one symbol string are different
// series (truthKey()). Limits in Bybit's words: past `ipLimit` requests in 5 s the IP is banned
// (HTTP 403 "access too frequent") for `banSeconds`; with `perSecondLimit` set, answers carry
// X-Bapi-Limit* and past it come retCode 10006 "Too many visits!"; unknown symbols 10001
// "Not supported symbols"; 5xx as retCode 10016 in an HTTP 200 (or a 502 page).
class BybitFake : public FakeServer
{
    Q_OBJECT

public:
    explicit BybitFake(quint64 seed = 1, QObject *parent = nullptr);

    static QStringList spotSymbols();
    static QStringList linearSymbols(); // perpetuals and the dated future
    // The ground-truth key of a symbol of a category: the spot pair and the perpetual differ.
    static QString truthKey(const QString &category, const QString &symbol);

    // IP limit: requests per 5 s window before the 403 ban (0 = none). Documented 600.
    int ipLimit = 600;
    int banSeconds = 600;
    // The per-second limit answered with retCode 10006 and announced in X-Bapi-Limit
    // (0 = none and no headers).
    int perSecondLimit = 0;
    // Rows per page of the linear instruments list when the request names no limit.
    int instrumentsPageSize = 500;
    // Answer retCode and time as strings, as one recorded answer has them.
    bool stringEnvelope = false;
    // A 5xx as an HTML page from the load balancer (HTTP 502) instead of retCode 10016.
    bool htmlServerError = false;

    int bannedCount() const { return m_403s; }
    int throttledCount() const { return m_10006s; }

protected:
    Reply answer(const QHttpServerRequest &request) override;
    Reply serverError() const override;

private:
    Reply envelope(qint64 code, const QString &msg, const QJsonObject &result) const;
    Reply kline(const QHttpServerRequest &request);
    Reply instruments(const QHttpServerRequest &request) const;

    qint64 m_ipWindow = -1;
    int m_ipCount = 0;
    qint64 m_bannedUntil = 0;
    qint64 m_secondWindow = -1;
    int m_secondCount = 0;
    int m_403s = 0;
    int m_10006s = 0;
};

} // namespace barkeep::fakes
