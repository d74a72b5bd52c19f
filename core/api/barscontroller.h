// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "barkeepcore_export.h"
#include "model/bar.h"
#include "model/series.h"
#include "services/dataorchestrator.h"

#include <QByteArray>

class QHttpServer;

namespace barkeep {

struct ApiContext;

// GET /ohlcv (JSON or CSV, paged with `next`) and GET /coverage. Validation runs on the API
// thread; the orchestrator and the store are asked on the worker pool.
class BARKEEPCORE_EXPORT BarsController
{
public:
    explicit BarsController(ApiContext &ctx) : m_ctx(ctx) {}
    void registerRoutes(QHttpServer &server);

    // The /ohlcv JSON body; `next` < 0 means none. With qjson, built through QJsonDocument
    // (the benchmark's baseline) instead of BarJsonEncoder. `sources`: where each contiguous
    // run of bars came from (omitted when empty).
    static QByteArray ohlcvJson(const SeriesKey &key, const Bars &bars, qint64 next, bool qjson,
                                const SourceRuns &sources = {});
    // "native:1d 1700000000000 1700086400000,rollup:1m ..." for CSV answers (X-Bar-Sources).
    static QByteArray sourcesHeader(const SourceRuns &sources);

private:
    ApiContext &m_ctx;
};

} // namespace barkeep
