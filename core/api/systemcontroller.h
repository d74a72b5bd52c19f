// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>

class QHttpServer;

namespace barkeep {

struct ApiContext;

// GET /health (without a token only "up"; details with it), /metrics (Prometheus text) and /openapi.json (docs/openapi.json,
// compiled in).
class SystemController
{
public:
    explicit SystemController(ApiContext &ctx) : m_ctx(ctx) {}
    void registerRoutes(QHttpServer &server);

    QByteArray metricsText() const;
    static QByteArray openApiDocument();

private:
    ApiContext &m_ctx;
};

} // namespace barkeep
