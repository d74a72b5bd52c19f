// SPDX-License-Identifier: GPL-3.0-or-later
#include "pendingresponse.h"

#include "apimetrics.h"
#include "connectionguard.h"

#include <QHttpServerRequest>
#include <QHttpServerResponder>
#include <QJsonDocument>
#include <QTcpSocket>

namespace barkeep {

struct PendingResponse::State
{
    explicit State(QHttpServerResponder &&r) : responder(std::move(r)), socket(responder.socket()) {}
    QHttpServerResponder responder;
    QPointer<QTcpSocket> socket;
    ApiMetrics *metrics = nullptr;
    QString route;
    QElapsedTimer timer;
    bool sent = false;
    bool closeAfter = false;
};

PendingResponse::PendingResponse(QHttpServerResponder &&responder, ApiMetrics *metrics,
                                 QString route)
    : m_state(std::make_shared<State>(std::move(responder)))
{
    m_state->metrics = metrics;
    m_state->route = std::move(route);
    m_state->timer.start();
    ConnectionGuard::markAnswering(m_state->socket);
}

PendingResponse::PendingResponse(QHttpServerResponder &&responder, ApiMetrics *metrics,
                                 QString route, const QHttpServerRequest &request)
    : PendingResponse(std::move(responder), metrics, std::move(route))
{
    for (const QByteArray &option : request.value("Connection").split(','))
        if (option.trimmed().compare("close", Qt::CaseInsensitive) == 0)
            m_state->closeAfter = true;
}

void PendingResponse::send(int status, const QByteArray &body, const QByteArray &contentType,
                           const Headers &extraHeaders) const
{
    State &s = *m_state;
    if (s.sent)
        return;
    s.sent = true;
    if (s.metrics)
        s.metrics->recordRequest(s.route, status, s.timer.nsecsElapsed() / 1000);
    if (!s.socket || s.socket->state() != QAbstractSocket::ConnectedState)
        return;
    using Status = QHttpServerResponder::StatusCode;
    s.responder.writeStatusLine(Status(status));
    s.responder.writeHeader("Content-Type", contentType);
    s.responder.writeHeader("Content-Length", QByteArray::number(body.size()));
    s.responder.writeHeader("Cache-Control", "no-store");
    s.responder.writeHeader("X-Content-Type-Options", "nosniff");
    for (const auto &h : extraHeaders)
        s.responder.writeHeader(h.first, h.second);
    if (s.closeAfter)
        s.responder.writeHeader("Connection", "close");
    s.responder.writeBody(body);
    if (s.closeAfter && s.socket)
        s.socket->disconnectFromHost(); // after the buffered answer is written
}

void PendingResponse::sendJson(const QJsonObject &o, int status) const
{
    send(status, QJsonDocument(o).toJson(QJsonDocument::Compact));
}

QByteArray PendingResponse::errorBody(const QString &code, const QString &message,
                                      const QJsonObject &extra)
{
    QJsonObject err = extra;
    err.insert(QStringLiteral("code"), code);
    err.insert(QStringLiteral("message"), message);
    return QJsonDocument(QJsonObject{{QStringLiteral("error"), err}}).toJson(QJsonDocument::Compact);
}

void PendingResponse::sendError(const Error &e) const
{
    QJsonObject extra;
    if (!e.detail().isEmpty())
        extra.insert(QStringLiteral("detail"), e.detail());
    Headers headers;
    if (e.retryAfterMs() >= 0) {
        extra.insert(QStringLiteral("retryAfterMs"), e.retryAfterMs());
        headers.append(qMakePair(QByteArrayLiteral("Retry-After"), QByteArray::number((e.retryAfterMs() + 999) / 1000)));
    }
    if (e.kind() == Error::Kind::Unauthorized)
        headers.append(qMakePair(QByteArrayLiteral("WWW-Authenticate"), QByteArrayLiteral("Bearer realm=\"barkeep\"")));
    send(e.httpStatus(), errorBody(e.code(), e.message(), extra), "application/json", headers);
}

void PendingResponse::sendError(int status, const QString &code, const QString &message) const
{
    send(status, errorBody(code, message));
}

} // namespace barkeep
