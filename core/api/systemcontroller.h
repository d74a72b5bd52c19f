// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QStringList>

class QHttpServer;

namespace barkeep {

struct ApiContext;

// GET /health, /metrics (Prometheus text) and /openapi.json (docs/openapi.json, compiled in).
// /health asks the store and the cache (on the pool) and says "degraded" when one of them
// cannot be reached; without a token only the status, with it versions, store, cache and the
// problems.
class SystemController
{
public:
    explicit SystemController(ApiContext &ctx) : m_ctx(ctx) {}
    void registerRoutes(QHttpServer &server);

    // What /health and /metrics learn by asking the store and the cache once (blocks: call on
    // a pool thread).
    struct Probe
    {
        QStringList problems; // empty: both answer
        double cacheSeconds = -1; // one cache read; -1 without a cache
    };
    static Probe probe(const ApiContext &ctx);

    // `probe`: adds the cache latency and barkeep_up.
    static QByteArray metricsText(const ApiContext &ctx, const Probe *probe = nullptr);
    static QByteArray openApiDocument();

private:
    ApiContext &m_ctx;
};

} // namespace barkeep
