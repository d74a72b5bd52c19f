// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "model/bar.h"
#include "model/series.h"

#include <QByteArray>

class QHttpServer;

namespace barkeep {

struct ApiContext;

// GET /ohlcv (JSON or CSV, paged with `next`) and GET /coverage. Validation runs on the API
// thread; the orchestrator and the store are asked on the worker pool.
class BarsController
{
public:
    explicit BarsController(ApiContext &ctx) : m_ctx(ctx) {}
    void registerRoutes(QHttpServer &server);

    // The /ohlcv JSON body; `next` < 0 means none. With qjson, built through QJsonDocument
    // (the benchmark's baseline) instead of BarJsonEncoder.
    static QByteArray ohlcvJson(const SeriesKey &key, const Bars &bars, qint64 next, bool qjson);

private:
    ApiContext &m_ctx;
};

} // namespace barkeep
