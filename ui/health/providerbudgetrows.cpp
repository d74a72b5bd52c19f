// SPDX-License-Identifier: GPL-3.0-or-later
#include "providerbudgetrows.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QLocale>

namespace barkeep::ui {

namespace {
QString tr(const char *text)
{
    return QCoreApplication::translate("ProviderBudgetRows", text);
}

QString stateText(const GateStats &stats, const GateState &state, qint64 nowMs)
{
    // The gate's own sentence names the provider and the end ("banned by binance until
    // 14:03:07"); fall back to the counters' end times when a gate gives no text.
    if (state.reason == GateState::Reason::Banned || state.reason == GateState::Reason::RateLimited) {
        if (!state.text.isEmpty())
            return state.text;
        const qint64 until = state.untilMs;
        const QString at = QLocale().toString(QDateTime::fromMSecsSinceEpoch(until).time(),
                                              QLocale::LongFormat);
        return state.reason == GateState::Reason::Banned ? tr("banned until %1").arg(at)
                                                         : tr("rate limited until %1").arg(at);
    }
    if (stats.bannedUntilMs > nowMs)
        return tr("banned until %1")
            .arg(QLocale().toString(QDateTime::fromMSecsSinceEpoch(stats.bannedUntilMs).time(),
                                    QLocale::LongFormat));
    if (state.reason == GateState::Reason::Budget)
        return tr("waiting for budget");
    return tr("open");
}
} // namespace

QString intervalText(qint64 ms)
{
    if (ms <= 0)
        return QString();
    if (ms % 86'400'000 == 0)
        return ms == 86'400'000 ? tr("1 day") : tr("%1 days").arg(ms / 86'400'000);
    if (ms % 3'600'000 == 0)
        return tr("%1 h").arg(ms / 3'600'000);
    if (ms % 60'000 == 0)
        return tr("%1 min").arg(ms / 60'000);
    if (ms % 1000 == 0)
        return tr("%1 s").arg(ms / 1000);
    return tr("%1 ms").arg(ms);
}

QList<ProviderBudgetRow> providerBudgetRows(const QString &provider, const GateStats &stats,
                                            const GateState &state, qint64 nowMs)
{
    const QLocale l;
    ProviderBudgetRow base;
    base.provider = provider;
    base.inFlight = l.toString(stats.inFlight);
    base.tooMany = l.toString(stats.rateLimited);
    base.bans = l.toString(stats.banned);
    base.state = stateText(stats, state, nowMs);
    base.blocked = state.blocked() || stats.bannedUntilMs > nowMs;

    QList<ProviderBudgetRow> rows;
    for (const LimitUsage &u : stats.limits) {
        ProviderBudgetRow row = base;
        row.limit = tr("%1 %2 / %3")
                        .arg(l.toString(u.limit.limit),
                             u.limit.kind == RateLimit::Kind::Weight ? tr("weight") : tr("requests"),
                             intervalText(u.limit.intervalMs));
        row.source = QString::fromLatin1(RateLimit::sourceName(u.limit.source));
        row.used = l.toString(u.used);
        row.remaining = l.toString(u.remaining);
        rows.append(row);
    }
    if (rows.isEmpty()) {
        base.limit = tr("none known");
        base.source = QStringLiteral("—");
        base.used = l.toString(stats.weightUsed);
        base.remaining = QStringLiteral("—");
        rows.append(base);
    }
    return rows;
}

} // namespace barkeep::ui
