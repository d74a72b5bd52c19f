// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// A running Application on the offline demo provider with a SQLite store in a temporary
// directory, plus a BackfillManager with short retry delays: what the panel tests share.
#include "application.h"
#include "services/backfillmanager.h"

#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

namespace barkeep::test {

struct PanelsFixture
{
    QTemporaryDir dir;
    std::unique_ptr<Application> app;
    std::unique_ptr<BackfillManager> backfill;

    bool start()
    {
        QStandardPaths::setTestModeEnabled(true);
        ConfigSources s;
        s.dataDir = dir.path();
        s.sets = {QStringLiteral("api.enabled=false")};
        Config::LoadResult loaded = Config::load(s);
        if (!loaded.ok())
            return false;
        app = std::make_unique<Application>(loaded.config);
        if (!app->start())
            return false;
        return startBackfill();
    }

    bool startBackfill()
    {
        backfill = std::make_unique<BackfillManager>(app->store(), app->cache(), app->market(),
                                                     app->config());
        BackfillTuning tuning;
        tuning.backoffBaseMs = 10;
        tuning.backoffMaxMs = 50;
        backfill->setTuning(tuning);
        return bool(backfill->start());
    }

    void stop()
    {
        if (backfill)
            backfill->stop();
        backfill.reset();
        if (app)
            app->stop();
    }

    ~PanelsFixture() { stop(); }

    static SeriesKey demo(const QString &symbol = QStringLiteral("BTC/USDT"))
    {
        return SeriesKey{QStringLiteral("crypto"), QStringLiteral("demo"), symbol,
                         QStringLiteral("1m")};
    }
};

} // namespace barkeep::test
