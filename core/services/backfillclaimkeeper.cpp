// SPDX-License-Identifier: GPL-3.0-or-later
#include "backfillclaimkeeper.h"

#include "backfillinflight.h"
#include "backfillplanner.h"
#include "log/logging.h"
#include "storage/claimstore.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QSysInfo>
#include <QUuid>

#ifdef Q_OS_UNIX
#include <cerrno>
#include <csignal>
#endif

namespace barkeep {

BackfillClaimKeeper::BackfillClaimKeeper(ClaimStore *store)
    : m_store(store),
      m_owner(QStringLiteral("%1:%2:%3")
                  .arg(QSysInfo::machineHostName())
                  .arg(QCoreApplication::applicationPid())
                  .arg(QUuid::createUuid().toString(QUuid::Id128).left(12)))
{
    m_renewPool.setMaxThreadCount(1);
}

BackfillClaimKeeper::~BackfillClaimKeeper()
{
    m_renewPool.waitForDone();
}

Result<TimeRanges> BackfillClaimKeeper::claim(const SeriesKey &series, TimeRange range,
                                              qint64 ttlMs, qint64 nowMs)
{
    return m_store->claim(series, range, m_owner, ttlMs, nowMs);
}

void BackfillClaimKeeper::release(const SeriesKey &series, TimeRange range, bool held)
{
    if (VoidResult ok = m_store->release(series, range, m_owner); !ok)
        qCWarning(lcBackfill).noquote() << "cannot release a fetch claim (it expires):"
                                        << ok.error().toString();
    if (held)
        --m_held;
}

Result<ChunkClaim> BackfillClaimKeeper::claimChunk(BackfillInFlight &inFlight, BarStore *bars,
                                                   const SeriesKey &series, TimeRange range, bool whole,
                                                   bool recheckEmpty, const std::atomic<bool> &abort,
                                                   qint64 ttlMs)
{
    if (!inFlight.acquire(series, range, abort))
        return Error(Error::Kind::Cancelled, QStringLiteral("cancelled"));
    ChunkClaim out;
    Result<TimeRanges> granted = claim(series, range, ttlMs, QDateTime::currentMSecsSinceEpoch());
    if (!granted) {
        inFlight.release(series, range);
        return granted.error();
    }
    TimeRange piece = granted->empty() ? TimeRange{} : granted->front();
    if (whole && piece != range)
        piece = {};
    for (const TimeRange &g : *granted)
        if (g != piece)
            release(series, g, false);
    out.deferred = piece != range;
    if (piece.isEmpty()) {
        inFlight.release(series, range);
        return out;
    }
    out.held = piece;
    hold();
    // The whole piece stays registered until released: another chunk of this process
    // claiming inside it would share this owner's claim rows, which the release of this
    // piece drops.
    inFlight.narrow(series, range, piece);
    // Re-checked now that it is ours, right before fetching: another job or process may have
    // filled it meanwhile.
    Result<TimeRanges> todo = BackfillPlanner::todo(bars, series, piece, recheckEmpty,
                                                    QDateTime::currentMSecsSinceEpoch());
    if (!todo || todo->empty()) {
        releaseChunk(inFlight, series, piece);
        if (!todo)
            return todo.error();
        out.held = {};
        return out;
    }
    out.fetch = whole ? piece : TimeRange{todo->front().from, todo->back().to};
    return out;
}

void BackfillClaimKeeper::releaseChunk(BackfillInFlight &inFlight, const SeriesKey &series, TimeRange held)
{
    release(series, held, true);
    inFlight.release(series, held);
}

void BackfillClaimKeeper::renewIfDue(qint64 nowMs, qint64 ttlMs)
{
    if (m_held.load() == 0 || m_renewing.load() || nowMs - m_lastRenewMs < ttlMs / 3)
        return;
    m_lastRenewMs = nowMs;
    m_renewing = true;
    m_renewPool.start([this, ttlMs] {
        if (Result<qint64> n = m_store->renewClaims(m_owner, ttlMs, QDateTime::currentMSecsSinceEpoch()); !n)
            qCWarning(lcBackfill).noquote() << "cannot renew fetch claims:" << n.error().toString();
        m_renewing = false;
    });
}

void BackfillClaimKeeper::reapDeadOwners()
{
    Result<QStringList> owners = m_store->claimOwners();
    if (!owners)
        return;
    for (const QString &o : *owners) {
        if (!ownerIsDeadHere(o))
            continue;
        qCInfo(lcBackfill).noquote() << "dropping the fetch claims of" << o << "(process gone)";
        if (VoidResult ok = m_store->releaseAll(o); !ok)
            qCWarning(lcBackfill).noquote() << "cannot drop the claims of" << o << ok.error().toString();
    }
}

bool BackfillClaimKeeper::ownerIsDeadHere(const QString &owner)
{
#ifdef Q_OS_UNIX
    const QStringList parts = owner.split(QLatin1Char(':'));
    if (parts.size() != 3 || parts[0] != QSysInfo::machineHostName())
        return false;
    bool ok = false;
    const qint64 pid = parts[1].toLongLong(&ok);
    if (!ok || pid <= 0 || pid == QCoreApplication::applicationPid())
        return false;
    return ::kill(pid_t(pid), 0) == -1 && errno == ESRCH;
#else
    Q_UNUSED(owner);
    return false;
#endif
}

} // namespace barkeep
