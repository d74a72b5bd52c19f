// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "pgwire.h"

namespace barkeep::pg {

// A transaction that rolls back unless committed (skipped when the connection is gone).
class Transaction
{
public:
    explicit Transaction(PGconn *c) : m_conn(c) {}
    ~Transaction()
    {
        if (m_open && PQstatus(m_conn) == CONNECTION_OK)
            PgResult(PQexec(m_conn, "ROLLBACK"));
    }
    VoidResult begin(const char *sql = "BEGIN")
    {
        const PgResult r = exec(m_conn, sql);
        if (!ok(r))
            return storageError(m_conn, r, "BEGIN");
        m_open = true;
        return {};
    }
    VoidResult commit()
    {
        const PgResult r = exec(m_conn, "COMMIT");
        m_open = false;
        if (!ok(r))
            return storageError(m_conn, r, "COMMIT");
        return {};
    }

private:
    PGconn *m_conn;
    bool m_open = false;
};

// libpq pipeline mode: statements are queued, sent together at sync() and their results read
// back in order, so a batch costs one round trip instead of one per statement (on a loaded
// machine each round trip is a wait for the scheduler on both ends). Leaving the scope reads
// whatever is unread, leaves pipeline mode and rolls back a transaction the batch left open.
class Pipeline
{
public:
    explicit Pipeline(PGconn *c) : m_conn(c), m_active(PQenterPipelineMode(c) == 1) {}
    ~Pipeline()
    {
        drain();
        PQexitPipelineMode(m_conn);
        if (PQstatus(m_conn) == CONNECTION_OK && PQtransactionStatus(m_conn) != PQTRANS_IDLE)
            PgResult(PQexec(m_conn, "ROLLBACK"));
    }
    bool active() const { return m_active; }
    // Leaves pipeline mode once every batch was read, keeping the transaction open (COPY
    // cannot run in a pipeline); leaving the scope still rolls back an unfinished one.
    bool leave() { return m_pendingSyncs == 0 && PQexitPipelineMode(m_conn) == 1; }
    // A statement without parameters (BEGIN, COMMIT).
    void sql(const char *sql)
    {
        m_sendFailed |= PQsendQueryParams(m_conn, sql, 0, nullptr, nullptr, nullptr, nullptr, 1) != 1;
    }
    // A statement prepared on this connection (see kStatements); binary results.
    void prepared(const char *name, const Params &p)
    {
        std::vector<const char *> values;
        std::vector<int> lengths;
        p.pointers(values, lengths);
        m_sendFailed |= PQsendQueryPrepared(m_conn, name, p.count(), values.data(), lengths.data(),
                                            p.formats(), 1) != 1;
    }
    // Ends the batch and sends it; false when sending failed (the connection is gone).
    bool sync()
    {
        if (m_sendFailed || PQpipelineSync(m_conn) != 1)
            return false;
        ++m_pendingSyncs;
        return true;
    }
    // The result of the next statement of the batch (null when the connection failed).
    PgResult next()
    {
        PgResult r(PQgetResult(m_conn));
        if (r && PQresultStatus(r.get()) != PGRES_PIPELINE_SYNC)
            PgResult(PQgetResult(m_conn)); // the null that ends this statement's results
        return r;
    }
    // Reads the end of the batch; false when something else came (a protocol surprise).
    bool endOfBatch()
    {
        const PgResult r(PQgetResult(m_conn));
        if (!r || PQresultStatus(r.get()) != PGRES_PIPELINE_SYNC)
            return false;
        --m_pendingSyncs;
        return true;
    }

private:
    void drain()
    {
        int nulls = 0;
        while (m_pendingSyncs > 0 && PQstatus(m_conn) == CONNECTION_OK && nulls < 2) {
            const PgResult r(PQgetResult(m_conn));
            nulls = r ? 0 : nulls + 1; // one null ends each statement; two mean nothing is coming
            if (r && PQresultStatus(r.get()) == PGRES_PIPELINE_SYNC)
                --m_pendingSyncs;
        }
    }
    PGconn *m_conn;
    bool m_active;
    bool m_sendFailed = false;
    int m_pendingSyncs = 0;
};

} // namespace barkeep::pg
