// SPDX-License-Identifier: GPL-3.0-or-later
#include "barstore.h"

#include "sqlitebarstore.h"
#if __has_include("postgresbarstore.h") && !defined(BARKEEP_NO_POSTGRES_STORE)
#include "postgresbarstore.h"
#define BARKEEP_HAVE_POSTGRES_STORE 1
#endif

#include <QDir>
#include <QFileInfo>
#include <QUrl>

namespace barkeep {

BarStore::~BarStore() = default;

namespace {
const QString kExpected = QStringLiteral("expected sqlite:///absolute/path.db or "
                                         "postgresql://user@host:port/database");
}

Result<std::unique_ptr<BarStore>> createBarStore(const QString &url)
{
    const QString trimmed = url.trimmed();
    const int colon = trimmed.indexOf(QLatin1Char(':'));
    const QString scheme = colon > 0 ? trimmed.left(colon).toLower() : QString();
    if (scheme == QLatin1String("sqlite")) {
        // sqlite:///abs/path.db: the path is everything after "sqlite://"; a host part
        // ("sqlite://relative/x.db") would silently drop a directory, so refuse it.
        if (!trimmed.startsWith(QLatin1String("sqlite:///"), Qt::CaseInsensitive))
            return Error(Error::Kind::BadInput,
                         QStringLiteral("store.url '%1': the SQLite path must be absolute, "
                                        "like sqlite:///home/me/barkeep.db")
                             .arg(url));
        const QString path = QUrl::fromPercentEncoding(trimmed.mid(9).toUtf8());
        const QFileInfo info(path);
        if (path.size() < 2 || info.isDir())
            return Error(Error::Kind::BadInput,
                         QStringLiteral("store.url '%1': no database file name in '%2'")
                             .arg(url, path));
        if (!QDir().mkpath(info.absolutePath()))
            return Error(Error::Kind::Storage,
                         QStringLiteral("store.url '%1': cannot create directory %2")
                             .arg(url, info.absolutePath()));
        return std::unique_ptr<BarStore>(new SqliteBarStore(info.absoluteFilePath()));
    }
    if (scheme == QLatin1String("postgresql") || scheme == QLatin1String("postgres")) {
#ifdef BARKEEP_HAVE_POSTGRES_STORE
        return std::unique_ptr<BarStore>(new PostgresBarStore(trimmed));
#else
        return Error(Error::Kind::Unsupported,
                     QStringLiteral("store.url '%1': this build has no PostgreSQL store").arg(url));
#endif
    }
    return Error(Error::Kind::BadInput,
                 QStringLiteral("store.url '%1': unknown scheme '%2'; %3")
                     .arg(url, scheme.isEmpty() ? QStringLiteral("(none)") : scheme, kExpected));
}

} // namespace barkeep
