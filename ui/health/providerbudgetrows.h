// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "net/httpclient.h"

#include <QList>
#include <QString>

namespace barkeep::ui {

// One line of the health panel's "Provider budgets" table: one limit in force of one
// provider, or one line for a provider whose gate has no limit at all. GUI-free so the text a
// person reads (which limit, where the figure came from, when a ban ends) is tested directly.
struct ProviderBudgetRow
{
    QString provider;
    QString limit;     // "6000 weight / 1 min", "—" when none
    QString source;    // "announced", "header", "learned", "metadata"
    QString used;      // of the limit, sent and in flight
    QString remaining;
    QString inFlight;
    QString tooMany;   // 429s (and Kraken's body error) seen
    QString bans;      // 418s seen
    QString state;     // "open", "waiting for budget", "banned by binance until 14:03:07"
    bool blocked = false; // rate limited or banned: drawn in the warning colour
};

// The rows for one provider's gate. `nowMs` decides whether a pause or ban still holds.
QList<ProviderBudgetRow> providerBudgetRows(const QString &provider, const GateStats &stats,
                                            const GateState &state, qint64 nowMs);

// "1 min", "10 s", "1 day": the interval as a person says it.
QString intervalText(qint64 ms);

} // namespace barkeep::ui
