// SPDX-License-Identifier: GPL-3.0-or-later
#include "pgwire.h"

namespace barkeep::pg {

PgResult exec(PGconn *c, const char *sql)
{
    return PgResult(PQexec(c, sql));
}

PgResult exec(PGconn *c, const char *sql, const Params &p, bool binaryResult)
{
    std::vector<const char *> values;
    std::vector<int> lengths;
    p.pointers(values, lengths);
    return PgResult(PQexecParams(c, sql, p.count(), p.types(), values.data(), lengths.data(),
                                 p.formats(), binaryResult ? 1 : 0));
}

bool ok(const PgResult &r)
{
    if (!r)
        return false;
    const ExecStatusType s = PQresultStatus(r.get());
    return s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK;
}

QString errorOf(PGconn *c, const PgResult &r)
{
    const char *m = r ? PQresultErrorMessage(r.get()) : nullptr;
    if (!m || !*m)
        m = PQerrorMessage(c);
    return QString::fromUtf8(m).trimmed();
}

Error storageError(PGconn *c, const PgResult &r, const char *what)
{
    return Error(Error::Kind::Storage, QStringLiteral("PostgreSQL: %1 failed").arg(QLatin1String(what)),
                 errorOf(c, r));
}

} // namespace barkeep::pg
