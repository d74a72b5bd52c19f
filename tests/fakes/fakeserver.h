// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "faultplan.h"
#include "groundtruth.h"

#include <QAbstractHttpServer>
#include <QHash>
#include <QList>
#include <QUrl>

#include <random>

class QHttpServerRequest;

namespace barkeep::fakes {

// What the exchange fakes share: a loopback HTTP server (Qt 6.4's QAbstractHttpServer with
// one dispatcher), ground truth from a seed, request counters per path, and the generic
// faults of a FaultPlan (5xx, malformed or truncated JSON, latency). Lives in the thread
// that created it; answers asynchronously through QHttpServerResponder (style.md §6).
class FakeServer : public QAbstractHttpServer
{
    Q_OBJECT

public:
    struct Reply
    {
        int status = 200;
        QByteArray body;
        QByteArray contentType = "application/json";
        QList<QPair<QByteArray, QByteArray>> headers;
    };

    explicit FakeServer(quint64 seed, QObject *parent = nullptr);

    // Listens on 127.0.0.1:port (0 = any free port); returns the port, 0 on failure.
    quint16 listen(quint16 port = 0);
    QUrl url() const;

    FaultPlan &faults() { return m_faults; }
    void setFaults(const FaultPlan &plan);
    const GroundTruth &truth() const { return m_truth; }

    // The closed 1m (or `timeframe`) bars this exchange holds for `symbol` in [from, to): the
    // native candles it serves (GroundTruth::nativeBars(), one daily candle differing from
    // the 1m rollup).
    virtual Bars groundTruth(const QString &symbol, TimeRange range,
                             const QString &timeframe = QStringLiteral("1m")) const;

    int requestCount(const QString &path) const { return m_counts.value(path); }
    int totalRequests() const { return m_total; }
    QList<QUrl> requestLog() const { return m_log; }
    void resetCounters();

protected:
    virtual Reply answer(const QHttpServerRequest &request) = 0;
    // The provider's 5xx answer.
    virtual Reply serverError() const;
    static Reply json(int status, const QByteArray &body);
    bool chance(double rate);
    static qint64 now();

    GroundTruth m_truth;
    FaultPlan m_faults;

private:
    bool handleRequest(const QHttpServerRequest &request, QTcpSocket *socket) override;
    void missingHandler(const QHttpServerRequest &request, QTcpSocket *socket) override;

    std::mt19937_64 m_rng;
    QHash<QString, int> m_counts;
    QList<QUrl> m_log;
    int m_total = 0;
    quint16 m_port = 0;
};

} // namespace barkeep::fakes
