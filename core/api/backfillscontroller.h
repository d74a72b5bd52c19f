// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QJsonObject>

class QHttpServer;

namespace barkeep {

struct ApiContext;
struct BackfillJobInfo;

// POST/GET /backfills and GET/DELETE /backfills/{id} over BackfillControl (503 while no
// backfill service is wired). Submitting runs on the worker pool (it checks the symbol and
// writes the job to the store).
class BackfillsController
{
public:
    explicit BackfillsController(ApiContext &ctx) : m_ctx(ctx) {}
    void registerRoutes(QHttpServer &server);

    static QJsonObject jobJson(const BackfillJobInfo &job);

private:
    ApiContext &m_ctx;
};

} // namespace barkeep
