// SPDX-License-Identifier: GPL-3.0-or-later
#include "demogenerator.h"

#include <algorithm>
#include <cmath>

namespace barkeep::demo {

namespace {
// SplitMix64: a fast, well-mixed hash; each (seed, symbol, minute, channel) gets its own value.
quint64 mix(quint64 x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

constexpr qint64 kEarliest = 1546300800000LL; // 2019-01-01T00:00:00Z
constexpr int kOctaves = 10;                  // periods 2^1 .. 2^19 minutes (~1 year), step x4
} // namespace

DemoGenerator::DemoGenerator(quint64 seed) : m_seed(seed) {}

QStringList DemoGenerator::symbols()
{
    return {QStringLiteral("BTC/USDT"), QStringLiteral("ETH/USDT"), QStringLiteral("SOL/USDT"),
            QStringLiteral("DOGE/USDT")};
}

qint64 DemoGenerator::earliestMs() { return kEarliest; }

std::optional<DemoGenerator::SymbolModel> DemoGenerator::model(const QString &symbol) const
{
    if (symbol == QLatin1String("BTC/USDT"))
        return SymbolModel{30000.0, 0.0007, 12.0, 0.0, 0.01, 1};
    if (symbol == QLatin1String("ETH/USDT"))
        return SymbolModel{2000.0, 0.0009, 150.0, 0.0, 0.01, 2};
    if (symbol == QLatin1String("SOL/USDT"))
        return SymbolModel{100.0, 0.0013, 900.0, 0.001, 0.001, 3};
    if (symbol == QLatin1String("DOGE/USDT"))
        return SymbolModel{0.1, 0.0016, 250000.0, 0.03, 0.00001, 4};
    return std::nullopt;
}

double DemoGenerator::uniform(quint64 a, quint64 b, quint64 c) const
{
    const quint64 h = mix(mix(mix(m_seed ^ a) ^ b) ^ c);
    return double(h >> 11) * (1.0 / 9007199254740992.0);
}

double DemoGenerator::logPrice(const SymbolModel &m, qint64 minute) const
{
    // Value noise per octave: random knots every `period` minutes, smoothly interpolated.
    double sum = 0;
    qint64 period = 2;
    for (int k = 0; k < kOctaves; ++k, period *= 4) {
        const qint64 knot = minute >= 0 ? minute / period : (minute - period + 1) / period;
        const double frac = double(minute - knot * period) / double(period);
        const double a = uniform(m.salt, quint64(k), quint64(knot)) * 2 - 1;
        const double b = uniform(m.salt, quint64(k), quint64(knot + 1)) * 2 - 1;
        const double s = frac * frac * (3 - 2 * frac);
        const double amplitude = m.minuteVolatility * std::sqrt(double(period)) * 1.4;
        sum += amplitude * (a + (b - a) * s);
    }
    // A per-minute jitter so that 1m bars are not smooth.
    sum += m.minuteVolatility * (uniform(m.salt, 101, quint64(minute)) * 2 - 1) * 0.6;
    return std::log(m.basePrice) + sum;
}

bool DemoGenerator::isOutage(qint64 t) const
{
    const qint64 day = t / kDayMs;
    // About one day in 23 has an outage of 1-3 hours starting at a whole hour.
    if (uniform(0xdead, 1, quint64(day)) >= 1.0 / 23)
        return false;
    const qint64 startHour = qint64(uniform(0xdead, 2, quint64(day)) * 21);
    const qint64 hours = 1 + qint64(uniform(0xdead, 3, quint64(day)) * 3);
    const qint64 from = day * kDayMs + startHour * kHourMs;
    return t >= from && t < from + hours * kHourMs;
}

std::optional<Bar> DemoGenerator::barAt(const QString &symbol, qint64 t) const
{
    const auto m = model(symbol);
    if (!m || t < kEarliest || t % kMinuteMs != 0 || isOutage(t))
        return std::nullopt;
    const qint64 minute = t / kMinuteMs;
    if (m->noTradeRate > 0 && uniform(m->salt, 202, quint64(minute)) < m->noTradeRate)
        return std::nullopt;
    auto round = [&](double p) { return std::round(p / m->tick) * m->tick; };
    Bar bar;
    bar.t = t;
    bar.o = round(std::exp(logPrice(*m, minute)));
    bar.c = round(std::exp(logPrice(*m, minute + 1)));
    const double wickUp = uniform(m->salt, 303, quint64(minute));
    const double wickDown = uniform(m->salt, 304, quint64(minute));
    bar.h = std::max({round(std::max(bar.o, bar.c) * (1 + wickUp * wickUp * m->minuteVolatility)),
                      bar.o, bar.c});
    bar.l = std::min({round(std::min(bar.o, bar.c) * (1 - wickDown * wickDown * m->minuteVolatility)),
                      bar.o, bar.c});
    // Log-normal volume (Box-Muller from two uniforms), larger on bigger moves.
    const double u1 = std::max(uniform(m->salt, 405, quint64(minute)), 1e-12);
    const double u2 = uniform(m->salt, 406, quint64(minute));
    const double normal = std::sqrt(-2 * std::log(u1)) * std::cos(2 * M_PI * u2);
    const double move = std::abs(bar.c - bar.o) / bar.o / m->minuteVolatility;
    bar.v = std::round(m->baseVolume * std::exp(0.6 * normal) * (0.5 + move) * 1e4) / 1e4;
    return bar;
}

Bars DemoGenerator::bars(const QString &symbol, TimeRange range) const
{
    Bars out;
    if (!model(symbol) || range.isEmpty())
        return out;
    const qint64 first = std::max(kEarliest, (range.from + kMinuteMs - 1) / kMinuteMs * kMinuteMs);
    out.reserve(size_t(std::max<qint64>(0, (range.to - first) / kMinuteMs)));
    for (qint64 t = first; t < range.to; t += kMinuteMs)
        if (auto bar = barAt(symbol, t))
            out.push_back(*bar);
    return out;
}

} // namespace barkeep::demo
