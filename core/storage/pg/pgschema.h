// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "pgwire.h"

namespace barkeep::pg {

// The schema version this build writes (table schema_version); see pgschema.cpp.
constexpr int kSchemaVersion = 3;

// Once this many bytes of COPY data went through the session's stage table (kStageTable in
// pgschema.cpp), the write TRUNCATEs it: half of PostgreSQL's default temp_buffers (8 MB), so
// the dead stage rows stay in memory.
constexpr qint64 kStageTruncateBytes = 4 << 20;

// In one transaction under an advisory lock (several processes may open a fresh database at
// once): creates or migrates the schema to kSchemaVersion, refusing a newer one. Returns how
// rollups are computed on this server (TimescaleDB is detected and deliberately unused).
// `where` names the store in messages (no password).
Result<QString> openSchema(PGconn *pg, const QString &where);

// Prepares the write path's statements and creates the session's COPY stage table, on a
// fresh session (after connect or reconnect).
VoidResult prepareStatements(PGconn *c);

} // namespace barkeep::pg
