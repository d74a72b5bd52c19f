// SPDX-License-Identifier: GPL-3.0-or-later
// The API's secrets (issue 15 item 6) against an in-process LocalApiServer: regenerating the
// token file revokes the old token at once (plain requests, a kept-alive connection, the
// stream upgrade), ?token= works on the stream URL only, /health tells strangers only "up".
#include "support/apidispatchermain.h"
#include "apifixture.h"
#include "api/apiaccess.h"
#include "api/apitoken.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QSignalSpy>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

using namespace barkeep;
using namespace barkeep::test;

namespace {

QString errorMessage(const Reply &r)
{
    return r.json.value(QStringLiteral("error")).toObject().value(QStringLiteral("message")).toString();
}

Reply getWith(QNetworkAccessManager &nam, const QString &url, const QByteArray &token)
{
    return request(nam, "GET", url, Auth::None, {}, {{"Authorization", "Bearer " + token}});
}

// One request on an open keep-alive socket; the status code of its answer. The server runs
// on this thread, so the wait spins the event loop instead of blocking in the socket.
int statusOn(QTcpSocket &socket, const QByteArray &path, const QByteArray &token)
{
    socket.write("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n"
                 "Authorization: Bearer " + token + "\r\n\r\n");
    QByteArray in;
    auto complete = [&in] {
        const qsizetype headerEnd = in.indexOf("\r\n\r\n");
        if (headerEnd < 0)
            return false;
        const qsizetype lengthAt = in.toLower().indexOf("content-length:");
        if (lengthAt < 0 || lengthAt > headerEnd)
            return true;
        const qsizetype eol = in.indexOf("\r\n", lengthAt);
        const int length = in.mid(lengthAt + 15, eol - lengthAt - 15).trimmed().toInt();
        return in.size() >= headerEnd + 4 + length;
    };
    QElapsedTimer t;
    t.start();
    while (!complete() && t.elapsed() < 10000) {
        QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
        in += socket.readAll();
    }
    return in.startsWith("HTTP/1.1 ") ? in.mid(9, 3).toInt() : 0;
}

bool streamOpens(quint16 port, const QByteArray &token, bool viaQuery)
{
    QWebSocket ws;
    QUrl url(QStringLiteral("ws://127.0.0.1:%1/api/v1/stream").arg(port));
    QNetworkRequest req;
    if (viaQuery) {
        url.setQuery(QStringLiteral("token=") + QString::fromLatin1(token));
        req.setUrl(url);
    } else {
        req.setUrl(url);
        req.setRawHeader("Authorization", "Bearer " + token);
    }
    QSignalSpy connected(&ws, &QWebSocket::connected);
    QSignalSpy disconnected(&ws, &QWebSocket::disconnected);
    ws.open(req);
    QElapsedTimer t;
    t.start();
    while (connected.isEmpty() && disconnected.isEmpty() && t.elapsed() < 10000)
        QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
    const bool ok = !connected.isEmpty();
    ws.close();
    return ok;
}

} // namespace

class TstApiSecrets : public QObject
{
    Q_OBJECT

    std::unique_ptr<ApiFixture> f;
    QNetworkAccessManager nam;
    QTemporaryDir m_dir;

private slots:
    void initTestCase()
    {
        f = std::make_unique<ApiFixture>();
        QVERIFY2(f->ok(), qPrintable(f->error()));
    }
    void cleanupTestCase() { f.reset(); }

    void healthWithoutTokenSaysOnlyUp()
    {
        Reply r = get(nam, f->url(QStringLiteral("/api/v1/health")), Auth::None);
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json, (QJsonObject{{QStringLiteral("status"), QStringLiteral("ok")}}));
        r = get(nam, f->url(QStringLiteral("/api/v1/health")), Auth::Bearer);
        QCOMPARE(r.status, 200);
        for (const char *key : {"status", "version", "apiVersion", "store", "cache"})
            QVERIFY2(r.json.contains(QLatin1String(key)), key);
        r = get(nam, f->url(QStringLiteral("/api/v1/health")), Auth::Wrong);
        QCOMPARE(r.status, 401);
        r = get(nam, f->url(QStringLiteral("/api/v1/health")), Auth::QueryToken);
        QCOMPARE(r.status, 401);
    }

    void queryTokenOnlyOnTheStream()
    {
        const Reply r = get(nam, f->url(QStringLiteral("/api/v1/markets")), Auth::QueryToken);
        QCOMPARE(r.status, 401);
        QVERIFY2(errorMessage(r).contains(QStringLiteral("/api/v1/stream")), qPrintable(errorMessage(r)));
        QVERIFY2(errorMessage(r).contains(QStringLiteral("Authorization: Bearer")), qPrintable(errorMessage(r)));
        // Even a right Bearer header does not excuse a token in the URL.
        QCOMPARE(request(nam, "GET", f->url(QStringLiteral("/api/v1/markets?token=x")), Auth::Bearer).status, 401);
        QVERIFY(streamOpens(f->port(), kToken, true));
        QVERIFY(streamOpens(f->port(), kToken, false));
        QVERIFY(!streamOpens(f->port(), "wrong", true));
    }

    // The settings dialog's "Regenerate" (ApiToken::regenerate on the token file): the old
    // token stops working in the running server with the next request, on a connection that
    // stays open as on a new one, and for the stream.
    void regeneratingRevokesTheOldTokenAtOnce()
    {
        const QString file = m_dir.filePath(QStringLiteral("api-token"));
        {
            QFile f(file);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(QByteArray(kToken) + '\n');
        }
        QTcpSocket keptAlive;
        keptAlive.connectToHost(QHostAddress::LocalHost, f->port());
        QVERIFY(keptAlive.waitForConnected(5000));
        QCOMPARE(statusOn(keptAlive, "/api/v1/markets", kToken), 200);
        // A stream opened with the old token is closed too (policy violation, with the reason).
        QWebSocket openStream;
        QSignalSpy streamUp(&openStream, &QWebSocket::connected);
        QSignalSpy streamDown(&openStream, &QWebSocket::disconnected);
        {
            QNetworkRequest req(QUrl(QStringLiteral("ws://127.0.0.1:%1/api/v1/stream").arg(f->port())));
            req.setRawHeader("Authorization", QByteArray("Bearer ") + kToken);
            openStream.open(req);
        }
        QTRY_COMPARE_WITH_TIMEOUT(streamUp.size(), 1, 10000);

        Result<QByteArray> fresh = ApiToken::regenerate(file);
        QVERIFY(fresh);
        QVERIFY(*fresh != QByteArray(kToken));

        QCOMPARE(statusOn(keptAlive, "/api/v1/markets", kToken), 401);
        QCOMPARE(statusOn(keptAlive, "/api/v1/markets", *fresh), 200);
        QCOMPARE(getWith(nam, f->url(QStringLiteral("/api/v1/markets")), kToken).status, 401);
        QCOMPARE(getWith(nam, f->url(QStringLiteral("/api/v1/markets")), *fresh).status, 200);
        QVERIFY(!streamOpens(f->port(), kToken, false));
        QVERIFY(streamOpens(f->port(), *fresh, false));
        QTRY_COMPARE_WITH_TIMEOUT(streamDown.size(), 1, 10000);
        QCOMPARE(openStream.closeCode(), QWebSocketProtocol::CloseCodePolicyViolated);
        QVERIFY2(openStream.closeReason().contains(QLatin1String("regenerated")),
                 qPrintable(openStream.closeReason()));

        // Back, so the order of the functions does not matter.
        QCOMPARE(ApiAccess::replaceToken(*fresh, kToken), 1);
        QCOMPARE(get(nam, f->url(QStringLiteral("/api/v1/markets")), Auth::Bearer).status, 200);
    }

    void replaceTokenTouchesOnlyHoldersOfTheOldToken()
    {
        ApiAccess a("aaa", {}, {}, 64);
        ApiAccess b("bbb", {}, {}, 64);
        QCOMPARE(ApiAccess::replaceToken("aaa", "ccc"), 1);
        QCOMPARE(a.token(), QByteArray("ccc"));
        QCOMPARE(b.token(), QByteArray("bbb"));
        QCOMPARE(ApiAccess::replaceToken("", "x"), 0);
        QCOMPARE(ApiAccess::replaceToken("zzz", "x"), 0);
    }
};

BK_TEST_MAIN_ON_API_DISPATCHER(TstApiSecrets)
#include "tst_apisecrets.moc"
