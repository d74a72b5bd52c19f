// SPDX-License-Identifier: GPL-3.0-or-later
#include "pgcopy.h"

#include <algorithm>

namespace barkeep::pg {

namespace {

// Sends the data of one COPY ... FROM STDIN. A test hook runs once `halfway` bytes are sent
// (see PostgresBarStore::setCopyHookForTesting); when it says so, a tuple the server must
// reject follows. Null on success, else why sending failed (the connection is broken).
const char *sendCopyData(PGconn *pg, const std::string &data, size_t halfway,
                         const std::function<bool(int)> &hook)
{
    size_t at = 0;
    if (hook) {
        if (PQputCopyData(pg, data.data(), int(halfway)) != 1)
            return "sending the COPY data failed";
        at = halfway;
        if (!hook(PQbackendPID(pg))) {
            // One field (an int8) where five are expected: "row field count is 1".
            static constexpr char kBadTuple[] = {0, 1, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0};
            if (PQputCopyData(pg, kBadTuple, sizeof kBadTuple) != 1)
                return "sending the COPY data failed";
        }
    }
    // PQputCopyData takes an int length and copies into libpq's buffer: send in slices.
    constexpr size_t kSlice = 1 << 20;
    while (at < data.size()) {
        const size_t n = std::min(kSlice, data.size() - at);
        if (PQputCopyData(pg, data.data() + at, int(n)) != 1)
            return "sending the COPY data failed";
        at += n;
    }
    return nullptr;
}

} // namespace

VoidResult finishCopy(PGconn *pg, const std::vector<const std::string *> &copies, size_t halfway,
                      const std::function<bool(int)> &hook)
{
    size_t next = 0;
    int copyStarts = 0;
    PgResult failed;
    while (PgResult r{PQgetResult(pg)}) {
        const ExecStatusType status = PQresultStatus(r.get());
        if (status == PGRES_COPY_IN) {
            // A broken connection could in theory keep answering COPY_IN: do not loop on it.
            if (++copyStarts > int(copies.size()) + 1)
                break;
            const char *why = next < copies.size()
                ? sendCopyData(pg, *copies[next], next == 0 ? halfway : 0,
                               next == 0 ? hook : std::function<bool(int)>())
                : "write abandoned by the client";
            ++next;
            if (PQputCopyEnd(pg, why) != 1 && PQstatus(pg) != CONNECTION_OK)
                break;
            continue;
        }
        if (!ok(r) && !failed)
            failed = std::move(r);
    }
    if (failed)
        return storageError(pg, failed, "bar write");
    if (next != copies.size() || PQstatus(pg) != CONNECTION_OK)
        return storageError(pg, {}, "bar write");
    return {};
}

} // namespace barkeep::pg
