// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <libpq-fe.h>

#include <QCoreApplication>
#include <QDateTime>
#include <QRandomGenerator>
#include <QString>
#include <QUrl>

namespace barkeep::test {

// A database of its own on the test server (ctest runs suites in parallel), dropped at the end.
class PgTestDatabase
{
public:
    explicit PgTestDatabase(const QString &serverUrl, const QString &prefix = QStringLiteral("bk"))
        : m_serverUrl(serverUrl)
    {
        m_name = QStringLiteral("%1_%2_%3")
                     .arg(prefix)
                     .arg(QCoreApplication::applicationPid())
                     .arg(QRandomGenerator::global()->generate() & 0xffffff);
        m_ok = admin(QStringLiteral("CREATE DATABASE %1").arg(m_name));
        QUrl u(serverUrl);
        u.setPath(QLatin1Char('/') + m_name);
        m_url = u.toString();
    }
    ~PgTestDatabase()
    {
        if (m_ok)
            admin(QStringLiteral("DROP DATABASE IF EXISTS %1 WITH (FORCE)").arg(m_name));
    }
    bool isValid() const { return m_ok; }
    const QString &url() const { return m_url; }
    const QString &lastError() const { return m_error; }

    // Runs `sql` in the test database; the first column of the first row, as text.
    QString scalar(const QString &sql)
    {
        PGconn *c = PQconnectdb(m_url.toUtf8().constData());
        QString out;
        if (PQstatus(c) == CONNECTION_OK) {
            PGresult *r = PQexec(c, sql.toUtf8().constData());
            if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0)
                out = QString::fromUtf8(PQgetvalue(r, 0, 0));
            else if (PQresultStatus(r) != PGRES_COMMAND_OK)
                m_error = QString::fromUtf8(PQresultErrorMessage(r));
            PQclear(r);
        }
        PQfinish(c);
        return out;
    }

private:
    bool admin(const QString &sql)
    {
        PGconn *c = PQconnectdb(m_serverUrl.toUtf8().constData());
        bool good = PQstatus(c) == CONNECTION_OK;
        if (good) {
            PGresult *r = PQexec(c, sql.toUtf8().constData());
            good = PQresultStatus(r) == PGRES_COMMAND_OK;
            if (!good)
                m_error = QString::fromUtf8(PQresultErrorMessage(r));
            PQclear(r);
        } else {
            m_error = QString::fromUtf8(PQerrorMessage(c));
        }
        PQfinish(c);
        return good;
    }

    QString m_serverUrl;
    QString m_name;
    QString m_url;
    QString m_error;
    bool m_ok = false;
};

} // namespace barkeep::test
