// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

class QHttpServer;

namespace barkeep {

struct ApiContext;

// GET /markets, /providers, /symbols: what can be asked for (API thread; symbol lists are
// fetched on the worker pool).
class MarketsController
{
public:
    explicit MarketsController(ApiContext &ctx) : m_ctx(ctx) {}
    void registerRoutes(QHttpServer &server);

private:
    ApiContext &m_ctx;
};

} // namespace barkeep
