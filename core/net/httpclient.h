// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "barkeepcore_export.h"
#include "util/result.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QList>
#include <QString>
#include <QPair>
#include <QUrl>

#include <atomic>
#include <functional>
#include <memory>

namespace barkeep {

struct HttpRequest
{
    QUrl url;
    QList<QPair<QByteArray, QByteArray>> headers;
    // Qt's transfer timeout: the longest silence between two bytes. It restarts on every byte,
    // so a provider trickling its answer would never hit it.
    int timeoutMs = 30'000;
    // The longest a whole request may take, first byte to last; 0 = the client's default
    // (HttpClient::defaultDeadlineMs). Bounds a trickled (slowloris) answer.
    int deadlineMs = 0;
    // The largest body accepted; 0 = the client's default (HttpClient::defaultMaxBodyBytes).
    // A longer answer is aborted as it arrives (never held whole) and is an error.
    qint64 maxBodyBytes = 0;
    int weight = 1; // the provider's cost of this request (Binance klines: 2)
    const std::atomic<bool> *cancel = nullptr;
};

struct BARKEEPCORE_EXPORT HttpResponse
{
    int status = 0;
    QByteArray body;
    QList<QPair<QByteArray, QByteArray>> headers; // names lower-cased
    qint64 elapsedMs = 0;

    QByteArray header(const QByteArray &lowerCaseName) const;
    bool isSuccess() const { return status >= 200 && status < 300; }
};

// One limit a provider enforces per IP: at most `limit` units per `intervalMs`, the units being
// request weight (Binance REQUEST_WEIGHT) or requests (RAW_REQUESTS, Coinbase, Kraken, Alpaca).
struct RateLimit
{
    enum class Kind { Weight, Requests };
    // Where the figure came from, most trusted last: the plugin's metadata (a first guess), the
    // provider's announcement (Binance exchangeInfo.rateLimits, a 429 body stating the limit),
    // the provider's rate headers (Alpaca X-Ratelimit-Limit), or learned from a "too many".
    enum class Source { Metadata, Announced, Header, Learned };
    Kind kind = Kind::Weight;
    qint64 intervalMs = 60'000;
    int limit = 0;
    Source source = Source::Metadata;

    // "1m" → 60000: the <n><unit> of X-MBX-USED-WEIGHT-<n><unit> or of a rateLimits entry's
    // intervalNum and first letter of interval (s, m, h, d, any case); 0 if it is not one.
    static qint64 intervalOf(QByteArrayView suffix)
    {
        if (suffix.size() < 2)
            return 0;
        bool ok = false;
        const qint64 n = suffix.first(suffix.size() - 1).toLongLong(&ok);
        if (!ok || n <= 0)
            return 0;
        switch (suffix.back()) {
        case 's': case 'S': return n * 1000;
        case 'm': case 'M': return n * 60'000;
        case 'h': case 'H': return n * 3'600'000;
        case 'd': case 'D': return n * 86'400'000;
        default: return 0;
        }
    }
    bool sameWindow(const RateLimit &o) const { return kind == o.kind && intervalMs == o.intervalMs; }
    static const char *kindName(Kind k) { return k == Kind::Weight ? "weight" : "requests"; }
    static const char *sourceName(Source s)
    {
        switch (s) {
        case Source::Metadata: return "metadata";
        case Source::Announced: return "announced";
        case Source::Header: return "header";
        case Source::Learned: return "learned";
        }
        return "?";
    }
};

// Why a gate holds requests back now, and until when.
struct GateState
{
    enum class Reason {
        Open,        // a request may leave now
        Budget,      // the window's budget is spent: the next one leaves at untilMs
        RateLimited, // the provider said "too many" (429, Kraken's body error): all wait
        Banned       // the provider banned this IP (418): all fail until untilMs
    };
    Reason reason = Reason::Open;
    QString text;       // "banned by binance until 14:03:07", empty when open
    qint64 untilMs = 0; // ms since the epoch; 0 when open

    bool blocked() const { return reason == Reason::RateLimited || reason == Reason::Banned; }
    static const char *reasonName(Reason r)
    {
        switch (r) {
        case Reason::Open: return "open";
        case Reason::Budget: return "budget";
        case Reason::RateLimited: return "rate_limited";
        case Reason::Banned: return "banned";
        }
        return "?";
    }
};

// One limit in force and how much of it is spent (sent and in flight, plus what the provider
// counted from elsewhere on this IP).
struct LimitUsage
{
    RateLimit limit;
    int budget = 0;    // the part of limit the gate allows itself
    int used = 0;
    int remaining = 0; // of the limit (not of the budget)
};

// Counters of one provider's gate, for /metrics, the health panel and the CLI.
struct GateStats
{
    qint64 requests = 0;
    qint64 weightUsed = 0;
    qint64 rateLimited = 0; // "too many" answers seen (429s, Kraken's body error)
    qint64 banned = 0;      // 418s seen
    qint64 waits = 0;       // acquire() calls that had to wait for budget
    int inFlight = 0;
    int budget = 0;         // the tightest weight budget per window in force (0 = none)
    qint64 bannedUntilMs = 0;
    qint64 pausedUntilMs = 0; // after a 429: nothing goes out before this
    QList<LimitUsage> limits;
};

// The gate of one provider: every request to it (backfill, on-demand fetches, stream heals,
// symbol lists) passes acquire() first, and observe() sees every answer. acquire() blocks the
// calling worker thread until the request may go out, or returns an error (banned,
// cancelled, budget exhausted for longer than an interactive caller waits).
class BARKEEPCORE_EXPORT RequestGate
{
public:
    virtual ~RequestGate();
    virtual VoidResult acquire(int weight, const std::atomic<bool> *cancel) = 0;
    virtual void observe(const HttpResponse &response) = 0;

    // The provider stated its limits (Binance exchangeInfo.rateLimits, a 429 body naming the
    // current limit): they replace the guesses of the same kind and interval. An empty list
    // (the provider answered but named none) keeps the limits in force and counts as read.
    virtual void announce(const QList<RateLimit> &limits) { Q_UNUSED(limits); }
    // The provider said "too many" in its own words, not as a 429 the gate saw (Kraken's
    // EGeneral:Too many requests in an HTTP 200 body): as a 429, nothing leaves before
    // `retryAfterMs` (< 0: the gate's backoff) and the pace tightens.
    virtual void throttled(qint64 retryAfterMs, const QString &why)
    {
        Q_UNUSED(retryAfterMs);
        Q_UNUSED(why);
    }
    // True when the announced figures should be read again (never read, too old, or a header
    // or an error contradicted them); the plugin re-reads them and announce()s.
    virtual bool limitsStale() const { return false; }

    virtual GateState state() const { return {}; }
    virtual GateStats stats() const { return {}; }
    // Blocks until a ban or a "too many" pause is over (or cancel is set, or `maxMs` passes;
    // < 0 = no limit). False when cancelled or timed out.
    virtual bool waitUntilClear(const std::atomic<bool> *cancel, qint64 maxMs = -1)
    {
        Q_UNUSED(cancel);
        Q_UNUSED(maxMs);
        return true;
    }
};

// A small blocking HTTP GET for worker threads (plugins run on the backfill/orchestrator
// pools, never on the GUI thread). Each thread gets its own QNetworkAccessManager, as Qt
// requires; the wait runs a local event loop so timeouts and cancel are honoured.
// Network failures, the transfer timeout and the total deadline become Error::Network (never
// a half body), a body over the size cap Error::BadResponse; any HTTP status is returned as a
// response for the plugin to interpret in its provider's terms.
class BARKEEPCORE_EXPORT HttpClient
{
public:
    // Two minutes: a page of klines or a monthly archive zip arrives in seconds from a healthy
    // provider; a chunk held longer than this is better retried.
    static constexpr int kDefaultDeadlineMs = 120'000;
    // 64 MiB: a page of klines is ~100 KiB and a monthly archive zip a few MiB; a provider (or
    // anything answering in its place) cannot make a worker hold more than this.
    static constexpr qint64 kDefaultMaxBodyBytes = 64LL << 20;

    explicit HttpClient(RequestGate *gate = nullptr) : m_gate(gate) {}
    void setGate(RequestGate *gate) { m_gate = gate; }
    RequestGate *gate() const { return m_gate; }
    // The total deadline of requests that set none (HttpRequest::deadlineMs == 0).
    void setDefaultDeadlineMs(int ms) { m_defaultDeadlineMs = ms > 0 ? ms : kDefaultDeadlineMs; }
    int defaultDeadlineMs() const { return m_defaultDeadlineMs; }
    // The body cap of requests that set none (HttpRequest::maxBodyBytes == 0).
    void setDefaultMaxBodyBytes(qint64 bytes) { m_defaultMaxBodyBytes = bytes > 0 ? bytes : kDefaultMaxBodyBytes; }
    qint64 defaultMaxBodyBytes() const { return m_defaultMaxBodyBytes; }

    Result<HttpResponse> get(const HttpRequest &request) const;

    // A flag shared by every client of one MarketService: once it is set (at shutdown),
    // requests in flight are aborted within a cancel-poll interval and new ones fail at once
    // with Error::Cancelled, so stopping never waits for a slow provider.
    void setAbortFlag(std::shared_ptr<const std::atomic<bool>> flag) { m_abort = std::move(flag); }

    // Generic HTTP status → Error mapping (401/403 Auth, 418 Banned, 429 RateLimited with
    // Retry-After, 5xx Upstream, other 4xx BadInput); providers refine it.
    static Error statusError(const HttpResponse &response, const QString &provider);
    static qint64 retryAfterMs(const HttpResponse &response);

private:
    RequestGate *m_gate = nullptr;
    std::shared_ptr<const std::atomic<bool>> m_abort;
    int m_defaultDeadlineMs = kDefaultDeadlineMs;
    qint64 m_defaultMaxBodyBytes = kDefaultMaxBodyBytes;
};

} // namespace barkeep
