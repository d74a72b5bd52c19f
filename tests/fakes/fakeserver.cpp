// SPDX-License-Identifier: GPL-3.0-or-later
#include "fakeserver.h"

#include <QDateTime>
#include <QHostAddress>
#include <QHttpServerRequest>
#include <QHttpServerResponder>
#include <QHttpServerResponse>
#include <QPointer>
#include <QTcpSocket>
#include <QTimer>

#include <memory>

namespace barkeep::fakes {

FakeServer::FakeServer(quint64 seed, QObject *parent)
    : QAbstractHttpServer(parent)
    , m_truth(seed)
    , m_rng(seed)
{
}

quint16 FakeServer::listen(quint16 port)
{
    m_port = QAbstractHttpServer::listen(QHostAddress::LocalHost, port);
    return m_port;
}

QUrl FakeServer::url() const
{
    return QUrl(QStringLiteral("http://127.0.0.1:%1").arg(m_port));
}

void FakeServer::setFaults(const FaultPlan &plan)
{
    m_faults = plan;
    m_truth.setOutages(plan.outages);
}

Bars FakeServer::groundTruth(const QString &symbol, TimeRange range, const QString &timeframe) const
{
    const Result<Timeframe> tf = Timeframe::parse(timeframe);
    if (!tf)
        return {};
    GroundTruth truth = m_truth; // outages may have been set through faults() since
    truth.setOutages(m_faults.outages);
    return truth.nativeBars(symbol, range, *tf, now());
}

void FakeServer::resetCounters()
{
    m_counts.clear();
    m_log.clear();
    m_total = 0;
}

FakeServer::Reply FakeServer::serverError() const
{
    return json(503, QByteArrayLiteral("{\"message\":\"Service unavailable\"}"));
}

FakeServer::Reply FakeServer::json(int status, const QByteArray &body)
{
    Reply r;
    r.status = status;
    r.body = body;
    return r;
}

bool FakeServer::chance(double rate)
{
    if (rate <= 0)
        return false;
    return std::uniform_real_distribution<double>(0, 1)(m_rng) < rate;
}

qint64 FakeServer::now()
{
    return QDateTime::currentMSecsSinceEpoch();
}

bool FakeServer::handleRequest(const QHttpServerRequest &request, QTcpSocket *socket)
{
    ++m_total;
    ++m_counts[request.url().path()];
    m_log.append(request.url());
    m_truth.setOutages(m_faults.outages);

    Reply reply = chance(m_faults.serverErrorRate) ? serverError() : answer(request);
    if (reply.status == 200 && reply.contentType == "application/json") {
        if (chance(m_faults.malformedRate)) {
            // Right after the first bracket, so it always breaks the JSON: a third of the way
            // in, it could land inside a string (a pair name) and leave the JSON valid.
            const qsizetype at = reply.body.indexOf(reply.body.startsWith('[') ? '[' : '{') + 1;
            reply.body = reply.body.left(at) + "<html>oops" + reply.body.mid(at);
        }
        else if (chance(m_faults.truncatedRate))
            reply.body.truncate(reply.body.size() / 2);
    }

    auto respond = [](QHttpServerResponder &responder, const Reply &r) {
        QHttpServerResponse response(r.contentType, r.body,
                                     QHttpServerResponder::StatusCode(r.status));
        for (const auto &[name, value] : r.headers)
            response.addHeader(name, value);
        response.write(std::move(responder));
    };
    if (m_faults.latencyMs <= 0) {
        QHttpServerResponder responder = makeResponder(request, socket);
        respond(responder, reply);
        return true;
    }
    // Answer later without blocking the server: keep the responder alive and write only if
    // the client is still connected (6.4 would otherwise write to a deleted socket).
    auto responder = std::make_shared<QHttpServerResponder>(makeResponder(request, socket));
    QPointer<QTcpSocket> guard(socket);
    QTimer::singleShot(m_faults.latencyMs, this, [responder, guard, reply, respond] {
        if (guard && guard->state() == QAbstractSocket::ConnectedState)
            respond(*responder, reply);
    });
    return true;
}

void FakeServer::missingHandler(const QHttpServerRequest &request, QTcpSocket *socket)
{
    // handleRequest() answers every request; kept for the abstract interface.
    QHttpServerResponse response(QByteArrayLiteral("application/json"),
                                 QByteArrayLiteral("{\"message\":\"not found\"}"),
                                 QHttpServerResponder::StatusCode::NotFound);
    response.write(makeResponder(request, socket));
}

} // namespace barkeep::fakes
