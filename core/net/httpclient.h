// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "barkeepcore_export.h"
#include "util/result.h"

#include <QByteArray>
#include <QList>
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
    int weight = 1; // the provider's cost of this request (Binance klines: 2)
    const std::atomic<bool> *cancel = nullptr;
    // The largest body accepted; 0 = the client's default (HttpClient::defaultMaxBodyBytes).
    // A longer answer is aborted as it arrives (never held whole) and is an error.
    qint64 maxBodyBytes = 0;
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

// Paces requests to one provider (issue 6 fills it in: a rate budget corrected from
// response headers). acquire() blocks the calling worker thread until the request may go
// out, or returns an error (banned, cancelled). observe() sees every response.
class BARKEEPCORE_EXPORT RequestGate
{
public:
    virtual ~RequestGate();
    virtual VoidResult acquire(int weight, const std::atomic<bool> *cancel) = 0;
    virtual void observe(const HttpResponse &response) = 0;
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

    explicit HttpClient(RequestGate *gate = nullptr) : m_gate(gate) {}
    void setGate(RequestGate *gate) { m_gate = gate; }
    RequestGate *gate() const { return m_gate; }
    // The total deadline of requests that set none (HttpRequest::deadlineMs == 0).
    void setDefaultDeadlineMs(int ms) { m_defaultDeadlineMs = ms > 0 ? ms : kDefaultDeadlineMs; }
    int defaultDeadlineMs() const { return m_defaultDeadlineMs; }

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
};

} // namespace barkeep
    // 64 MiB: a page of klines is ~100 KiB and a monthly archive zip a few MiB; a provider (or
    // anything answering in its place) cannot make a worker hold more than this.
    static constexpr qint64 kDefaultMaxBodyBytes = 64LL << 20;
    // The body cap of requests that set none (HttpRequest::maxBodyBytes == 0).
    void setDefaultMaxBodyBytes(qint64 bytes) { m_defaultMaxBodyBytes = bytes > 0 ? bytes : kDefaultMaxBodyBytes; }
    qint64 defaultMaxBodyBytes() const { return m_defaultMaxBodyBytes; }
    qint64 m_defaultMaxBodyBytes = kDefaultMaxBodyBytes;
