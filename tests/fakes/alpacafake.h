// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "model/bar.h"

#include <QDate>
#include <QList>
#include <QMap>
#include <QObject>
#include <QRandomGenerator>
#include <QStringList>
#include <QTime>
#include <QUrl>

#include <atomic>
#include <memory>

class QHttpServer;
class QHttpServerRequest;
class QHttpServerResponder;

namespace barkeep::fakes {

// A fake Alpaca that speaks the real wire format (provider-apis.md §4) on one loopback port:
// the market-data routes (/v2/stocks/{sym}/bars, /v2/stocks/bars, /v1beta3/crypto/us/bars)
// and the trading routes (/v2/calendar, /v2/clock, /v2/assets). Its data is deterministic
// from the seed: stock minutes only inside the regular sessions of a fixed calendar (with
// holidays and early closes), a few minutes without trades (no bar), crypto every minute.
// Faults are injected with the knobs below. Lives in the thread that created it.
class AlpacaFake : public QObject
{
    Q_OBJECT

public:
    struct CalendarDay
    {
        QDate date;
        QTime open;
        QTime close;
    };

    enum class Malformed {
        None,
        Truncated, // the body is cut in half
        NotJson,   // an HTML error page with status 200
        BadBar,    // one bar has "o": "abc"
        BadTime,   // one bar has "t": "yesterday"
    };

    explicit AlpacaFake(quint64 seed = 1, QObject *parent = nullptr);
    ~AlpacaFake() override;

    // Listens on 127.0.0.1:port (0 = any free port); returns the port, 0 on failure.
    quint16 listen(quint16 port = 0);
    QUrl url() const;

    // --- data -----------------------------------------------------------------------------
    static QStringList stockSymbols();
    static QStringList cryptoSymbols();
    // The fixed calendar: NYSE weekdays without the 2023–2026 holidays, early closes 13:00.
    static QList<CalendarDay> calendar(QDate from, QDate to);
    // The 1-minute bars the fake serves for `symbol` in [range.from, range.to).
    Bars groundTruth(const QString &symbol, TimeRange range) const;
    // The bars the fake serves for an Alpaca `timeframe` ("1Min", "1Hour", "1Day", "1Week",
    // "1Month") whose bucket starts lie in [range.from, range.to), closed buckets only,
    // stamped as on the wire: day, week and month bars at midnight New York time. A day bar
    // per session (early closes included) from that session's minutes, except the day bar of
    // divergentDay(), which also counts trades the minute bars leave out.
    Bars nativeTruth(const QString &symbol, TimeRange range, const QString &timeframe) const;
    // The session date whose day bar differs from the rollup of its minutes (by default the
    // latest session at least three days before the fake was made).
    QDate divergentDay() const { return m_divergentDay; }
    void setDivergentDay(QDate day) { m_divergentDay = day; }
    // What divergentDay()'s day bar makes of the rollup `b`.
    static Bar diverged(Bar b);
    // Bars of this Alpaca timeframe ("1Hour") whatever the request asks for (a provider or
    // proxy answering another interval); empty: as asked.
    void setMislabeledTimeframe(const QString &timeframe) { m_mislabeled = timeframe; }

    // Ranges where the provider has no data at all (outage); they are absent from the truth.
    void addOutage(TimeRange range) { m_outages.append(range); }

    // --- credentials ----------------------------------------------------------------------
    // The keys the fake accepts (default "fake-key-id" / "fake-secret"). Stock data and the
    // trading routes answer 403 without or with wrong keys; crypto only with wrong keys.
    void setCredentials(const QString &keyId, const QString &secret);
    QString keyId() const { return m_keyId; }
    QString secret() const { return m_secret; }

    // --- faults ---------------------------------------------------------------------------
    // 429 once `n` requests were let through in the last 60 s (0 = off), with Retry-After
    // and X-Ratelimit-Limit/Remaining/Reset (epoch s) headers.
    void setRateLimitPerMinute(int n) { m_ratePerMinute = n; }
    // Whether a 429 carries Retry-After (otherwise only the X-Ratelimit-* headers).
    void setRetryAfterHeader(bool on) { m_retryAfterHeader = on; }
    // Fraction of requests answered with 500, drawn from the seed.
    void setServerErrorRate(double rate) { m_errorRate = rate; }
    // The next `count` requests fail with `status`.
    void failNext(int count, int status = 500) { m_failCount = count; m_failStatus = status; }
    // Every answer is delayed by `ms` (sent asynchronously through the responder).
    void setLatency(int ms) { m_latencyMs = ms; }
    // Bars answers are malformed `count` times (-1 = until reset).
    void setMalformed(Malformed mode, int count = -1) { m_malformed = mode; m_malformedCount = count; }
    // The server's own cap on bars per page; pages may be shorter than the asked limit.
    void setMaxPageSize(int n) { m_maxPageSize = n; }

    // --- counters -------------------------------------------------------------------------
    int requestCount() const { return m_requests.load(); }
    // Requests whose path starts with `prefix` ("/v2/calendar", "/v2/stocks").
    int requestCount(const QString &prefix) const;
    // Every request's path and query, in order.
    QList<QUrl> requestLog() const { return m_log; }
    void resetCounters();

private:
    struct Reply
    {
        int status = 200;
        QByteArray body;
        QList<QPair<QByteArray, QByteArray>> headers;
    };

    void handle(const QHttpServerRequest &request, QHttpServerResponder &&responder);
    Reply route(const QHttpServerRequest &request);
    Reply bars(const QHttpServerRequest &request, const QStringList &symbols, bool crypto,
               bool multiShape, const QString &singleSymbol);
    Reply calendarReply(const QHttpServerRequest &request) const;
    Reply clockReply() const;
    Reply assetsReply(const QHttpServerRequest &request) const;
    // Calls `sink` with each 1m bar of `symbol` from `from` on, in order, until it returns
    // false or `to` (exclusive) is reached.
    template <typename Sink>
    void forEachMinute(const QString &symbol, qint64 from, qint64 to, Sink &&sink) const;
    Bar minuteBar(const QString &symbol, qint64 t, bool *exists) const;
    bool inOutage(qint64 t) const;

    const quint64 m_seed;
    std::unique_ptr<QHttpServer> m_server;
    quint16 m_port = 0;
    QString m_keyId = QStringLiteral("fake-key-id");
    QString m_secret = QStringLiteral("fake-secret");
    QList<TimeRange> m_outages;

    int m_ratePerMinute = 0;
    bool m_retryAfterHeader = true;
    QList<qint64> m_accepted; // times of the requests let through in the last minute
    double m_errorRate = 0;
    QRandomGenerator m_rng;
    int m_failCount = 0;
    int m_failStatus = 500;
    int m_latencyMs = 0;
    Malformed m_malformed = Malformed::None;
    int m_malformedCount = -1;
    int m_maxPageSize = 10000;
    QDate m_divergentDay;
    QString m_mislabeled;

    std::atomic<int> m_requests{0};
    QMap<QString, int> m_pathCounts;
    QList<QUrl> m_log;
};

} // namespace barkeep::fakes
