// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "util/error.h"

#include <QByteArray>
#include <QElapsedTimer>
#include <QJsonObject>
#include <QList>
#include <QPair>
#include <QPointer>
#include <QString>

#include <memory>

class QHttpServerRequest;
class QHttpServerResponder;
class QTcpSocket;

namespace barkeep {

class ApiMetrics;

// One answer of the API, possibly written later from a continuation. Qt 6.4 writes to a
// deleted socket when a QFuture<QHttpServerResponse> outlives its client (style.md §6), so
// the responder is kept in a shared_ptr and written only while its socket is connected.
// Copies share the responder; the first send() wins and records the request in ApiMetrics.
// Use on the API thread only.
class PendingResponse
{
public:
    using Headers = QList<QPair<QByteArray, QByteArray>>;

    PendingResponse(QHttpServerResponder &&responder, ApiMetrics *metrics, QString route);
    // The same for an answer to `request`: a request with "Connection: close" gets its answer
    // and then the connection closes (Qt 6.4 keeps it open, leaving the client to wait).
    PendingResponse(QHttpServerResponder &&responder, ApiMetrics *metrics, QString route,
                    const QHttpServerRequest &request);

    void send(int status, const QByteArray &body,
              const QByteArray &contentType = QByteArrayLiteral("application/json"),
              const Headers &extraHeaders = {}) const;
    void sendJson(const QJsonObject &o, int status = 200) const;
    void sendError(const Error &e) const;
    // Errors without an Error::Kind of their own (405, 413, 431).
    void sendError(int status, const QString &code, const QString &message) const;

    static QByteArray errorBody(const QString &code, const QString &message,
                                const QJsonObject &extra = {});

private:
    struct State;
    std::shared_ptr<State> m_state;
};

} // namespace barkeep
