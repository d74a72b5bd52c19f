// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "model/bar.h"
#include "model/timeframe.h"

#include <QDate>
#include <QDateTime>
#include <QString>
#include <QTimeZone>

#include <numeric>
#include <optional>

// Checks every plugin runs on the candles a provider sent before they may be stored
// (issue 17 "wire checks"): a provider, or a proxy or cache in front of it, that answers
// another interval than the one asked for must not fill a series with wrong candles.
// Header-only so that each plugin library (they see only the plugin interface) can use it.
namespace barkeep::wire {

// Rows at least this many before the spacing of a whole answer is judged: fewer rows of a
// thinly traded market can be spaced by a multiple of the interval by chance.
inline constexpr int kSpacingSample = 16;

// The bucket number of `t` on the grid of `tf` (t must be on the grid).
inline qint64 bucketIndex(qint64 t, const Timeframe &tf)
{
    if (tf.isMonthly()) {
        const QDate d = QDateTime::fromMSecsSinceEpoch(t, QTimeZone::utc()).date();
        return (qint64(d.year()) * 12 + d.month() - 1) / tf.monthCount();
    }
    // Weeks start on the Monday before the epoch; other timeframes at the epoch.
    return (t - tf.bucketStart(0)) / tf.durationMs();
}

// Why the bucket starts `rows` (oldest first) cannot be candles of `tf`, or nullopt. Refused:
// a row off the grid of `tf` (a finer interval served as this one), and an answer of at
// least kSpacingSample rows whose spacings are all multiples of a larger step (a coarser
// interval served as this one: 1h rows asked as 1m are all 60 buckets apart). Gaps of any
// size are allowed otherwise: buckets without trades have no row at most providers.
inline std::optional<QString> spacingProblem(const Bars &rows, const Timeframe &tf)
{
    auto when = [](qint64 t) {
        return QDateTime::fromMSecsSinceEpoch(t, QTimeZone::utc()).toString(Qt::ISODate);
    };
    qint64 step = 0; // gcd of the spacings, in buckets
    qsizetype distinct = 0;
    for (std::size_t i = 0; i < rows.size(); ++i) {
        if (!tf.isAligned(rows[i].t))
            return QStringLiteral("a row at %1 does not start a %2 bucket")
                .arg(when(rows[i].t), tf.name());
        if (i > 0 && rows[i].t != rows[i - 1].t) {
            ++distinct;
            step = std::gcd(step, bucketIndex(rows[i].t, tf) - bucketIndex(rows[i - 1].t, tf));
        }
    }
    if (distinct + 1 >= kSpacingSample && step > 1)
        return QStringLiteral("all %1 rows are spaced by multiples of %2 %3 buckets, as candles of "
                              "a coarser interval are")
            .arg(distinct + 1)
            .arg(step)
            .arg(tf.name());
    return std::nullopt;
}

// The error a plugin returns for a refused answer: the candles are not stored.
inline QString refusal(const QString &provider, const Timeframe &tf, const QString &problem)
{
    return QStringLiteral("%1 answered %2 candles that are not %2 candles (%3): another "
                          "interval was served, the answer is not stored")
        .arg(provider, tf.name(), problem);
}

} // namespace barkeep::wire
