// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "api/backfillcontrol.h"
#include "api/localapiserver.h"
#include "cache/barcache.h"
#include "config/config.h"
#include "plugin/pluginregistry.h"
#include "services/dataorchestrator.h"
#include "services/marketservice.h"
#include "storage/store.h"

#include <QJsonObject>
#include <QMap>
#include <QNetworkAccessManager>
#include <QTemporaryDir>
#include <QWebSocket>

#include <atomic>
#include <memory>

namespace barkeep::test {

constexpr qint64 kJan2024 = 1704067200000LL;
constexpr char kToken[] = "test-token-123";

// A scripted BackfillControl: jobs stay as the test sets them.
class FakeBackfill : public BackfillControl
{
public:
    Result<qint64> submit(const SeriesKey &series, TimeRange range) override;
    VoidResult cancel(qint64 id) override;
    VoidResult pause(qint64 id) override;
    VoidResult resume(qint64 id) override;
    VoidResult setPriority(qint64 id, int priority) override;
    std::optional<BackfillJobInfo> job(qint64 id) const override;
    QList<BackfillJobInfo> jobs() const override;
    void setJob(const BackfillJobInfo &job);
    // submit() takes this long (it runs on the API's worker pool): an answer that is slow to
    // come, like a provider fetch.
    std::atomic<int> submitDelayMs{0};

private:
    mutable QMutex m_mutex;
    QMap<qint64, BackfillJobInfo> m_jobs;
    qint64 m_next = 1;
};

// An Application-like setup in-process: SQLite store in a temporary dir, memory cache, the
// demo provider, and a LocalApiServer on 127.0.0.1:0 on the calling thread.
class ApiFixture
{
public:
    struct Setup
    {
        std::function<void(Config &)> config;       // e.g. provider base URLs of fakes
        std::function<void(ApiOptions &)> options;  // after the test defaults below
        bool withBackfill = true;                   // a FakeBackfill behind the backfill routes
    };
    explicit ApiFixture(const Setup &setup);
    explicit ApiFixture(const std::function<void(ApiOptions &)> &tweak = {}, bool withBackfill = true)
        : ApiFixture(Setup{{}, tweak, withBackfill})
    {
    }
    ~ApiFixture();

    bool ok() const { return m_server != nullptr; }
    QString error() const { return m_error; }
    quint16 port() const { return m_server->serverPort(); }
    QString url(const QString &pathAndQuery) const;
    LocalApiServer *server() const { return m_server.get(); }
    FakeBackfill *backfill() const { return m_backfill.get(); }
    BarStore *store() const { return m_store.get(); }
    std::atomic<qint64> clock{0}; // 0 = system clock (for the stream)

private:
    QTemporaryDir m_dir;
    std::unique_ptr<Store> m_store;
    std::unique_ptr<BarCache> m_cache;
    std::unique_ptr<PluginRegistry> m_registry;
    std::unique_ptr<MarketService> m_market;
    std::unique_ptr<DataOrchestrator> m_orchestrator;
    std::shared_ptr<FakeBackfill> m_backfill;
    std::unique_ptr<LocalApiServer> m_server;
    QString m_error;
};

// A WebSocket client of /api/v1/stream that keeps every message it receives, in order.
struct StreamTestClient
{
    StreamTestClient();
    bool open(quint16 port, const QByteArray &token = kToken);
    void subscribe(const QString &provider, const QString &symbol, const QString &id = QStringLiteral("s"),
                   int limit = 3);
    QList<QJsonObject> barMessages(bool final) const;
    QList<Bar> bars(bool final) const;
    int count(const QString &type) const;
    static Bar barOf(const QJsonObject &message);

    QWebSocket ws;
    QList<QJsonObject> messages;
};

struct Reply
{
    int status = 0;
    QJsonObject json;
    QByteArray body;
    QByteArray header(const QByteArray &name) const { return headers.value(name.toLower()); }
    QMap<QByteArray, QByteArray> headers;
};

enum class Auth { Bearer, None, Wrong, QueryToken };

Reply request(QNetworkAccessManager &nam, const QByteArray &verb, const QString &url,
              Auth auth = Auth::Bearer, const QByteArray &body = {},
              const QList<QPair<QByteArray, QByteArray>> &headers = {});
inline Reply get(QNetworkAccessManager &nam, const QString &url, Auth auth = Auth::Bearer)
{
    return request(nam, "GET", url, auth);
}
// One raw HTTP exchange over a fresh socket (headers QNetworkAccessManager would not send).
QByteArray rawRequest(quint16 port, const QByteArray &request, int timeoutMs = 10000);

} // namespace barkeep::test
