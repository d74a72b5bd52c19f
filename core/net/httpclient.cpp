// SPDX-License-Identifier: GPL-3.0-or-later
#include "httpclient.h"

#include "log/logging.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QThread>
#include <QThreadPool>
#include <QThreadStorage>
#include <QTimer>

#include <memory>

namespace barkeep {

RequestGate::~RequestGate() = default;

QByteArray HttpResponse::header(const QByteArray &lowerCaseName) const
{
    for (const auto &[name, value] : headers)
        if (name == lowerCaseName)
            return value;
    return {};
}

namespace {
// The per-thread managers below die with their threads. Threads of the global pool are joined
// by ~QCoreApplication only after it has cleared QCoreApplication::instance(), and a thread
// that ends then cannot deliver its last deferred deletes: its manager and replies were seen
// to leak (LeakSanitizer, about 1 run in 15 of tst_ccxtbinance) and, in a driver, to crash in
// Qt's HTTP thread. Post routines run first in ~QCoreApplication, while the application is
// whole, so every executable that links core joins the pool there.
void joinGlobalPoolBeforeAppDestruction()
{
    QThreadPool::globalInstance()->waitForDone();
}
void registerPoolJoin()
{
    qAddPostRoutine(joinGlobalPoolBeforeAppDestruction);
}
Q_COREAPP_STARTUP_FUNCTION(registerPoolJoin)

QNetworkAccessManager *threadManager()
{
    // One manager per thread: QNetworkAccessManager is not thread-safe and must live in the
    // thread that uses it. QThreadStorage deletes it when the thread ends.
    static QThreadStorage<QNetworkAccessManager *> managers;
    if (!managers.hasLocalData()) {
        auto *nam = new QNetworkAccessManager;
        nam->setRedirectPolicy(QNetworkRequest::NoLessSafeRedirectPolicy);
        managers.setLocalData(nam);
    }
    return managers.localData();
}
} // namespace

Result<HttpResponse> HttpClient::get(const HttpRequest &request) const
{
    const std::atomic<bool> *abort = m_abort.get();
    const auto aborted = [&] {
        return (request.cancel && request.cancel->load()) || (abort && abort->load());
    };
    if (abort && abort->load())
        return Error(Error::Kind::Cancelled, QStringLiteral("request cancelled: shutting down"));
    if (m_gate) {
        // The gate watches one flag: the caller's, or the shutdown flag when there is none
        // (a caller with its own flag is cancelled by its owner at shutdown).
        if (VoidResult ok = m_gate->acquire(request.weight, request.cancel ? request.cancel : abort); !ok)
            return ok.error();
    }
    QNetworkRequest req(request.url);
    for (const auto &[name, value] : request.headers)
        req.setRawHeader(name, value);
    req.setAttribute(QNetworkRequest::Http2AllowedAttribute, false);
    req.setTransferTimeout(request.timeoutMs);

    QElapsedTimer timer;
    timer.start();
    QNetworkReply *reply = threadManager()->get(req);
    QEventLoop loop;
    QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
    // The total deadline: the transfer timeout alone lets a byte-per-second answer run for hours.
    const int deadlineMs = request.deadlineMs > 0 ? request.deadlineMs : m_defaultDeadlineMs;
    bool deadlineHit = false;
    qint64 received = 0;
    // The body cap: checked against the announced length as soon as the headers are in, and
    // against what arrived as it arrives (chunked answers announce nothing).
    const qint64 maxBody = request.maxBodyBytes > 0 ? request.maxBodyBytes : m_defaultMaxBodyBytes;
    bool tooLarge = false;
    const auto checkSize = [&](qint64 bytes) {
        if (bytes > maxBody && !tooLarge) {
            tooLarge = true;
            reply->abort();
        }
    };
    QObject::connect(reply, &QNetworkReply::metaDataChanged, &loop, [&] {
        bool ok = false;
        const qint64 announced = reply->header(QNetworkRequest::ContentLengthHeader).toLongLong(&ok);
        if (ok)
            checkSize(announced);
    });
    QObject::connect(reply, &QNetworkReply::downloadProgress, &loop, [&](qint64 bytes, qint64) {
        received = bytes;
        checkSize(bytes);
    });
    QTimer deadline;
    deadline.setSingleShot(true);
    QObject::connect(&deadline, &QTimer::timeout, &loop, [&] {
        deadlineHit = true;
        reply->abort();
    });
    deadline.start(deadlineMs);
    QTimer cancelPoll;
    if (request.cancel || abort) {
        QObject::connect(&cancelPoll, &QTimer::timeout, &loop, [&] {
            if (aborted())
                reply->abort();
        });
        cancelPoll.start(50);
    }
    if (!reply->isFinished())
        loop.exec(QEventLoop::ExcludeUserInputEvents);
    deadline.stop();
    // Deleted here, not with deleteLater(): the loop has returned, so no signal of the reply is
    // being delivered, and a pool thread may run no event loop again to process the deferral.
    const std::unique_ptr<QNetworkReply> replyOwner(reply);

    if (aborted())
        return Error(Error::Kind::Cancelled, QStringLiteral("request cancelled"));

    HttpResponse response;
    response.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    response.elapsedMs = timer.elapsed();
    const QNetworkReply::NetworkError err = reply->error();
    // Aborted by a timeout, possibly after the status line and part of the body: an error,
    // never the half body as if it were the answer.
    if (tooLarge)
        return Error(Error::Kind::BadResponse,
                     QStringLiteral("%1: the answer is larger than %2 bytes: refused")
                         .arg(request.url.host())
                         .arg(maxBody));
    if (deadlineHit)
        return Error(Error::Kind::Network,
                     QStringLiteral("%1: no complete answer within the %2 ms request deadline (%3 bytes received)")
                         .arg(request.url.host())
                         .arg(deadlineMs)
                         .arg(received));
    if (err == QNetworkReply::OperationCanceledError)
        return Error(Error::Kind::Network, QStringLiteral("%1: timed out after %2 ms without data")
                                               .arg(request.url.host())
                                               .arg(request.timeoutMs));
    if (response.status == 0 || (err != QNetworkReply::NoError && err < QNetworkReply::ContentAccessDenied
                                 && err != QNetworkReply::OperationCanceledError)) {
        if (response.status == 0)
            return Error(Error::Kind::Network,
                         QStringLiteral("%1: %2").arg(request.url.host(), reply->errorString()));
    }
    response.body = reply->readAll();
    for (const auto &[name, value] : reply->rawHeaderPairs())
        response.headers.append({name.toLower(), value});
    if (m_gate)
        m_gate->observe(response);
    return response;
}

qint64 HttpClient::retryAfterMs(const HttpResponse &response)
{
    bool ok = false;
    const qint64 seconds = response.header("retry-after").trimmed().toLongLong(&ok);
    return ok && seconds >= 0 ? seconds * 1000 : -1;
}

Error HttpClient::statusError(const HttpResponse &response, const QString &provider)
{
    const QString body = QString::fromUtf8(response.body.left(300));
    const QString msg = QStringLiteral("%1 answered HTTP %2").arg(provider).arg(response.status);
    switch (response.status) {
    case 401:
    case 403:
        return Error(Error::Kind::Auth, msg, body);
    case 404:
        return Error(Error::Kind::NotFound, msg, body);
    case 418:
        return Error(Error::Kind::Banned, msg, body, retryAfterMs(response));
    case 429:
        return Error(Error::Kind::RateLimited, msg, body, retryAfterMs(response));
    default:
        break;
    }
    if (response.status >= 500)
        return Error(Error::Kind::Upstream, msg, body);
    if (response.status >= 400)
        return Error(Error::Kind::BadInput, msg, body);
    return Error(Error::Kind::BadResponse, msg, body);
}

} // namespace barkeep
