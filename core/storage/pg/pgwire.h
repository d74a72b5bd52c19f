// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The libpq basics of the PostgreSQL store: owned results, binary parameters, binary result
// readers and the error they turn into. Binary both ways, so numbers cross without
// printf/strtod.

#include "util/result.h"

#include <libpq-fe.h>

#include <QByteArray>
#include <QString>
#include <QtEndian>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

namespace barkeep::pg {

// Type OIDs of the parameters we send (pg_type.h is not installed with libpq-dev).
constexpr Oid kInt4Oid = 23;
constexpr Oid kInt8Oid = 20;
constexpr Oid kTextOid = 25;
constexpr Oid kByteaOid = 17;
constexpr Oid kFloat8Oid = 701;

struct ResultDeleter
{
    void operator()(PGresult *r) const { PQclear(r); }
};
using PgResult = std::unique_ptr<PGresult, ResultDeleter>;

template <typename T>
void appendBigEndian(std::string &out, T v)
{
    char b[sizeof(T)];
    qToBigEndian(v, b);
    out.append(b, sizeof(T));
}

inline quint64 bitsOf(double d)
{
    quint64 bits;
    std::memcpy(&bits, &d, 8);
    return bits;
}

// Parameters in binary format, so numbers cross without printf/strtod.
class Params
{
public:
    Params &int8(qint64 v) { return add(big(v), kInt8Oid); }
    Params &int4(qint32 v) { return add(big(v), kInt4Oid); }
    Params &float8(double v) { return add(big(bitsOf(v)), kFloat8Oid); }
    Params &text(const QString &s)
    {
        const QByteArray u = s.toUtf8();
        return add(std::string(u.constData(), size_t(u.size())), kTextOid);
    }
    Params &bytea(const QByteArray &b)
    {
        return add(std::string(b.constData(), size_t(b.size())), kByteaOid);
    }

    int count() const { return int(m_values.size()); }
    const Oid *types() const { return m_types.data(); }
    const int *formats() const { return m_formats.data(); }
    void pointers(std::vector<const char *> &values, std::vector<int> &lengths) const
    {
        for (const std::string &v : m_values) {
            values.push_back(v.data());
            lengths.push_back(int(v.size()));
        }
    }

private:
    template <typename T>
    static std::string big(T v)
    {
        std::string b;
        appendBigEndian(b, v);
        return b;
    }
    Params &add(std::string v, Oid type)
    {
        m_values.push_back(std::move(v));
        m_types.push_back(type);
        m_formats.push_back(1);
        return *this;
    }
    std::vector<std::string> m_values;
    std::vector<Oid> m_types;
    std::vector<int> m_formats;
};

PgResult exec(PGconn *c, const char *sql);
PgResult exec(PGconn *c, const char *sql, const Params &p, bool binaryResult = true);
// True for a result that completed (a command or rows).
bool ok(const PgResult &r);
// The result's error, else the connection's.
QString errorOf(PGconn *c, const PgResult &r);
Error storageError(PGconn *c, const PgResult &r, const char *what);

// Binary result readers.
inline qint64 int8At(const PGresult *r, int row, int col)
{
    return qFromBigEndian<qint64>(PQgetvalue(r, row, col));
}
inline qint32 int4At(const PGresult *r, int row, int col)
{
    return qFromBigEndian<qint32>(PQgetvalue(r, row, col));
}
inline qint16 int2At(const PGresult *r, int row, int col)
{
    return qFromBigEndian<qint16>(PQgetvalue(r, row, col));
}
inline double float8At(const PGresult *r, int row, int col)
{
    const quint64 bits = qFromBigEndian<quint64>(PQgetvalue(r, row, col));
    double d;
    std::memcpy(&d, &bits, 8);
    return d;
}
inline QString textAt(const PGresult *r, int row, int col)
{
    return QString::fromUtf8(PQgetvalue(r, row, col), PQgetlength(r, row, col));
}
inline QByteArray byteaAt(const PGresult *r, int row, int col)
{
    if (PQgetisnull(r, row, col))
        return {};
    return QByteArray(PQgetvalue(r, row, col), PQgetlength(r, row, col));
}

} // namespace barkeep::pg
