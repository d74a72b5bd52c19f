// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "binancefake.h"
#include "config/config.h"
#include "model/bar.h"
#include "plugin/pluginregistry.h"
#include "services/backfillmanager.h"
#include "services/marketservice.h"
#include "services/requestpacer.h"
#include "storage/store.h"

#include <QDateTime>
#include <QHttpServerRequest>
#include <QTemporaryDir>
#include <QTimeZone>
#include <QUrlQuery>

#include <algorithm>
#include <memory>
#include <vector>

namespace barkeep::test {

inline qint64 utc(int y, int m, int d, int h = 0)
{
    return QDateTime(QDate(y, m, d), QTime(h, 0), QTimeZone::utc()).toMSecsSinceEpoch();
}

// A klines request's [startTime, endTime] as asked.
inline std::optional<TimeRange> klinesRange(const QUrl &url)
{
    if (url.path() != QLatin1String("/api/v3/klines"))
        return std::nullopt;
    const QUrlQuery q(url);
    return TimeRange{q.queryItemValue(QStringLiteral("startTime")).toLongLong(),
                     q.queryItemValue(QStringLiteral("endTime")).toLongLong() + 1};
}

// Every klines range the fake was asked for, by start time (overlap checks).
inline std::vector<TimeRange> klinesAsked(const fakes::BinanceFake &fake)
{
    std::vector<TimeRange> asked;
    for (const QUrl &u : fake.requestLog())
        if (const std::optional<TimeRange> r = klinesRange(u))
            asked.push_back(*r);
    std::sort(asked.begin(), asked.end(), [](TimeRange x, TimeRange y) { return x.from < y.from; });
    return asked;
}

// The Binance fake plus faults its FaultPlan cannot script: 429 bursts on chosen klines
// requests, one 418 ban, and ranges whose requests always fail (5xx).
class ScriptedBinance : public fakes::BinanceFake
{
public:
    using BinanceFake::BinanceFake;

    QSet<int> tooMany;     // klines request numbers (1-based) answered 429, Retry-After 1
    int banAt = -1;        // the klines request number answered 418
    int banMs = 2000;
    TimeRanges poisoned;   // klines requests starting inside these always get a 502
    qint64 banStarted = 0;
    qint64 bannedUntil = 0;
    QList<qint64> arrivalsDuringBan; // ms after the ban began
    int klinesSeen = 0;
    int scripted429s = 0;

protected:
    Reply answer(const QHttpServerRequest &request) override
    {
        const std::optional<TimeRange> asked = klinesRange(request.url());
        if (!asked)
            return BinanceFake::answer(request);
        const qint64 t = now();
        auto refuse = [&](int status, qint64 retryMs) {
            Reply r = json(status, status == 418 ? "{\"code\":-1003,\"msg\":\"Way too much request weight used; IP banned until later.\"}"
                                                 : "{\"code\":-1003,\"msg\":\"Too much request weight used.\"}");
            r.headers.append({"Retry-After", QByteArray::number((retryMs + 999) / 1000)});
            return r;
        };
        if (t < bannedUntil) {
            arrivalsDuringBan << t - banStarted;
            return refuse(418, bannedUntil - t);
        }
        ++klinesSeen;
        if (klinesSeen == banAt) {
            banStarted = t;
            bannedUntil = t + banMs;
            return refuse(418, banMs);
        }
        if (tooMany.contains(klinesSeen)) {
            ++scripted429s;
            return refuse(429, 1000);
        }
        for (const TimeRange &p : poisoned)
            if (p.contains(asked->from))
                return serverError();
        return BinanceFake::answer(request);
    }
};

// One store + plugins + market service + backfill manager, as the app wires them.
struct BackfillEnv
{
    QTemporaryDir dir;
    std::unique_ptr<Store> store;
    std::unique_ptr<PluginRegistry> registry;
    Config config;
    std::unique_ptr<MarketService> market;
    std::unique_ptr<BackfillManager> manager;

    // The store to open; empty: a SQLite file of this environment's own (dbPath()).
    QString storeUrl;

    QString dbPath() const { return dir.filePath(QStringLiteral("barkeep.db")); }

    // Opens (or reopens, after reset()) on the same database.
    bool open(const QUrl &fake = {}, int maxConcurrentJobs = 2)
    {
        if (!store) {
            auto s = createBarStore(storeUrl.isEmpty() ? QStringLiteral("sqlite://") + dbPath() : storeUrl);
            if (!s)
                return false;
            store = std::move(s).value();
            if (!store->open())
                return false;
        }
        registry = std::make_unique<PluginRegistry>();
        registry->discover();
        config = Config::defaults(dir.path());
        config.set(QStringLiteral("backfill.maxConcurrentJobs"), maxConcurrentJobs);
        if (fake.isValid()) {
            config.set(QStringLiteral("providers.binance.baseUrl"), fake.toString());
            config.set(QStringLiteral("providers.binance.archiveUrl"), fake.toString());
        }
        market = std::make_unique<MarketService>(registry.get(), config);
        // As Application::start() wires it: every provider's requests through its pacer.
        market->setGateFactory(RequestPacer::factory());
        manager = std::make_unique<BackfillManager>(store.get(), nullptr, market.get(), config);
        BackfillTuning tuning;
        tuning.backoffBaseMs = 10;
        tuning.backoffMaxMs = 100;
        tuning.maxAttempts = 6;
        tuning.claimRetryMs = 100; // a range another process holds is re-planned soon
        manager->setTuning(tuning);
        return true;
    }

    // Drops the manager and the services but keeps the store (a restart of the app).
    void restartServices()
    {
        manager.reset();
        market.reset();
        registry.reset();
    }
};

} // namespace barkeep::test
