// SPDX-License-Identifier: GPL-3.0-or-later
#include "groundtruth.h"

#include <QCryptographicHash>
#include <QDateTime>

#include <cmath>
#include <numbers>

namespace barkeep::fakes {

namespace {
quint64 splitmix(quint64 x)
{
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

quint64 symbolHash(const QString &symbol)
{
    quint64 h = 1469598103934665603ull; // FNV-1a: stable across runs, unlike qHash
    for (QChar c : symbol) {
        h ^= c.unicode();
        h *= 1099511628211ull;
    }
    return h;
}

double basePrice(const QString &symbol)
{
    const QString s = symbol.toUpper();
    if (s.startsWith(QLatin1String("BTC")) || s.startsWith(QLatin1String("XBT"))
        || s.startsWith(QLatin1String("XXBT")))
        return 30000;
    if (s == QLatin1String("ETHBTC") || s == QLatin1String("ETH-BTC"))
        return 0.05;
    if (s.startsWith(QLatin1String("ETH")) || s.startsWith(QLatin1String("XETH")))
        return 2000;
    if (s.startsWith(QLatin1String("SOL")))
        return 100;
    return 10 + double(symbolHash(s) % 1000) / 10;
}
} // namespace

GroundTruth::GroundTruth(quint64 seed)
    : m_seed(seed)
{
    const qint64 today = QDateTime::currentMSecsSinceEpoch() / kDayMs * kDayMs;
    m_divergentDay = today - 3 * kDayMs;
}

Bar GroundTruth::diverged(Bar b, int decimals)
{
    b.v = round(b.v * 1.25 + 1, 4);
    b.h = round(b.h * 1.001, decimals);
    return b;
}

std::optional<Bar> GroundTruth::nativeBucket(const QString &symbol, const Timeframe &tf,
                                             qint64 bucketStart, qint64 now) const
{
    std::optional<Bar> b = bucket(symbol, tf, bucketStart, now);
    if (b && tf == Timeframe::minutes(24 * 60) && bucketStart == m_divergentDay)
        *b = diverged(*b, decimals(symbol));
    return b;
}

Bars GroundTruth::nativeBars(const QString &symbol, TimeRange range, const Timeframe &tf,
                             qint64 now) const
{
    Bars out = bars(symbol, range, tf, now);
    if (tf == Timeframe::minutes(24 * 60))
        for (Bar &b : out)
            if (b.t == m_divergentDay)
                b = diverged(b, decimals(symbol));
    return out;
}

qint64 GroundTruth::listing(const QString &symbol) const
{
    // Default: 2017-08-17, the day Binance opened.
    return m_listing.value(symbol, 1502928000000);
}

int GroundTruth::decimals(const QString &symbol) const
{
    const double p = basePrice(symbol);
    return p >= 1000 ? 2 : p >= 1 ? 4 : 6;
}

double GroundTruth::round(double v, int decimals)
{
    const double scale = std::pow(10.0, decimals);
    // k / 10^d is correctly rounded, so it equals what strtod makes of the printed text.
    return std::round(v * scale) / scale;
}

double GroundTruth::unit(const QString &symbol, qint64 t, quint64 salt) const
{
    const quint64 h = splitmix(m_seed ^ splitmix(symbolHash(symbol) ^ splitmix(quint64(t) + salt)));
    return double(h >> 11) / double(1ull << 53);
}

double GroundTruth::closeAt(const QString &symbol, qint64 minuteIndex) const
{
    constexpr double kTwoPi = 2 * std::numbers::pi;
    const double phase = unit(symbol, 0, 7) * kTwoPi;
    const double m = double(minuteIndex);
    const double logMove = 0.15 * std::sin(kTwoPi * m / (60.0 * 24 * 90) + phase)
                           + 0.03 * std::sin(kTwoPi * m / (60.0 * 24 * 7) + 2 * phase)
                           + 0.01 * std::sin(kTwoPi * m / (60.0 * 24) + 3 * phase)
                           + 0.002 * (unit(symbol, minuteIndex, 1) - 0.5);
    return round(basePrice(symbol) * std::exp(logMove), decimals(symbol));
}

bool GroundTruth::inOutage(qint64 t) const
{
    for (const TimeRange &r : m_outages)
        if (r.contains(t))
            return true;
    return false;
}

double GroundTruth::priceAt(const QString &symbol, qint64 minuteStart) const
{
    return closeAt(symbol, minuteStart / kMinuteMs - 1);
}

std::optional<Bar> GroundTruth::minute(const QString &symbol, qint64 t) const
{
    if (t < listing(symbol) || inOutage(t) || unit(symbol, t, 2) < 0.01)
        return std::nullopt;
    const qint64 m = t / kMinuteMs;
    const int d = decimals(symbol);
    Bar b;
    b.t = t;
    b.o = closeAt(symbol, m - 1);
    b.c = closeAt(symbol, m);
    b.h = round(std::max(b.o, b.c) * (1 + 0.0008 * unit(symbol, t, 3)), d);
    b.l = round(std::min(b.o, b.c) * (1 - 0.0008 * unit(symbol, t, 4)), d);
    b.v = round(0.01 + 25 * unit(symbol, t, 5) * unit(symbol, t, 6), 4);
    return b;
}

std::optional<Bar> GroundTruth::bucket(const QString &symbol, const Timeframe &tf,
                                       qint64 bucketStart, qint64 now) const
{
    const qint64 end = std::min(tf.bucketEnd(bucketStart), now);
    std::optional<Bar> out;
    for (qint64 t = std::max(bucketStart, listing(symbol) / kMinuteMs * kMinuteMs); t < end;
         t += kMinuteMs) {
        std::optional<Bar> m = minute(symbol, t);
        if (!m)
            continue;
        if (t + kMinuteMs > now) {
            // The minute in progress: part of its move and volume so far.
            const double frac = double(now - t) / kMinuteMs;
            const int d = decimals(symbol);
            m->c = round(m->o + (m->c - m->o) * frac, d);
            m->h = std::max(m->o, m->c);
            m->l = std::min(m->o, m->c);
            m->v = round(m->v * frac, 4);
        }
        if (!out) {
            out = *m;
            out->t = bucketStart;
            continue;
        }
        out->h = std::max(out->h, m->h);
        out->l = std::min(out->l, m->l);
        out->c = m->c;
        out->v += m->v;
    }
    if (out)
        out->v = round(out->v, 4);
    return out;
}

Bars GroundTruth::bars(const QString &symbol, TimeRange range, const Timeframe &tf,
                       qint64 now) const
{
    Bars out;
    const qint64 formingStart
        = now == std::numeric_limits<qint64>::max() ? now : tf.bucketStart(now);
    qint64 t = tf.bucketStart(std::max(range.from, listing(symbol)));
    if (t < range.from)
        t = tf.bucketEnd(t);
    for (; t < range.to && t < formingStart; t = tf.bucketEnd(t))
        if (std::optional<Bar> b = bucket(symbol, tf, t, now))
            out.push_back(*b);
    return out;
}

} // namespace barkeep::fakes
