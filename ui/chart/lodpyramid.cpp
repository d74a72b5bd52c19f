// SPDX-License-Identifier: GPL-3.0-or-later
#include "lodpyramid.h"

#include <algorithm>
#include <limits>

namespace barkeep::ui {

namespace {
// Buckets of (barMs << k) ms: stop well before qint64 overflows (2^40 minutes is ~2 million years).
constexpr int kMaxShift = 40;
// Levels this small are always stored: they cost nothing and keep the pyramid regular.
constexpr size_t kAlwaysKeep = 64;
} // namespace

qint64 LodPyramid::bucketStart(qint64 t, qint64 bucketMs)
{
    qint64 q = t / bucketMs;
    if (t % bucketMs != 0 && t < 0)
        --q;
    return q * bucketMs;
}

Bar LodPyramid::mergeBars(const Bar &a, const Bar &b)
{
    return Bar{a.t, a.o, std::max(a.h, b.h), std::min(a.l, b.l), b.c, a.v + b.v};
}

const Bars &LodPyramid::emptyBars()
{
    static const Bars empty;
    return empty;
}

size_t LodPyramid::entryCount() const
{
    ensureCoarse();
    size_t n = 0;
    for (const Bars &lv : m_levels)
        n += lv.size();
    return n;
}

void LodPyramid::clear()
{
    m_levels.clear();
    m_shifts.clear();
    m_coarseStale = false;
    m_barMs = 60'000;
}

void LodPyramid::build(Bars bars, qint64 barDurationMs)
{
    m_levels.clear();
    m_shifts.clear();
    m_barMs = std::max<qint64>(1, barDurationMs);
    m_levels.push_back(std::move(bars));
    m_shifts.push_back(0);
    m_coarseStale = true;
}

void LodPyramid::buildLevelsFrom(int firstLevel) const
{
    m_coarseStale = false;
    m_levels.resize(size_t(firstLevel));
    m_shifts.resize(size_t(firstLevel));
    int shift = m_shifts.back() + 1;
    while (shift <= kMaxShift) {
        const Bars &src = m_levels.back();
        if (src.size() <= 1)
            break;
        const qint64 width = m_barMs << shift;
        // A bucket of a dense level holds two entries of the level below, so half the source is
        // the usual size; sparse data grows past it and is trimmed below (one pass, no count).
        Bars dst;
        dst.reserve(src.size() / 2 + 16);
        // The source is ascending, so a bucket changes only once t reaches its end: one
        // division per bucket instead of per entry, and the merge works in place.
        qint64 bucketEnd = std::numeric_limits<qint64>::min();
        Bar *cur = nullptr;
        for (const Bar &bar : src) {
            if (bar.t >= bucketEnd || !cur) {
                const qint64 b = bucketStart(bar.t, width);
                bucketEnd = b + width;
                dst.push_back(bar);
                cur = &dst.back();
                cur->t = b;
            } else {
                cur->h = std::max(cur->h, bar.h);
                cur->l = std::min(cur->l, bar.l);
                cur->c = bar.c;
                cur->v += bar.v;
            }
        }
        if (dst.size() > kAlwaysKeep && dst.size() * 10 > src.size() * 9) {
            ++shift; // hardly merged anything: try wider buckets over the same source
            continue;
        }
        if (dst.capacity() > dst.size() + dst.size() / 4 + 64)
            dst.shrink_to_fit();
        m_levels.push_back(std::move(dst));
        m_shifts.push_back(shift);
        ++shift;
    }
}

void LodPyramid::updateLast(const Bar &bar)
{
    if (m_levels.empty()) {
        m_levels.emplace_back();
        m_shifts.push_back(0);
    }
    Bars &base = m_levels.front();
    if (!base.empty() && bar.t < base.back().t) {
        merge(Bars{bar});
        return;
    }
    if (!base.empty() && base.back().t == bar.t)
        base.back() = bar;
    else
        base.push_back(bar);
    if (m_coarseStale)
        return; // built from level 0 when first needed

    // Only the last bucket of each level can change: recompute it from the entries of the level
    // below that share its bucket (they are at the end of that level).
    for (int k = 1; k < levelCount(); ++k) {
        const Bars &src = m_levels[size_t(k - 1)];
        Bars &dst = m_levels[size_t(k)];
        const qint64 width = bucketMs(k);
        const qint64 b = bucketStart(src.back().t, width);
        size_t first = src.size() - 1;
        while (first > 0 && bucketStart(src[first - 1].t, width) == b)
            --first;
        Bar merged = src[first];
        merged.t = b;
        for (size_t i = first + 1; i < src.size(); ++i)
            merged = mergeBars(merged, src[i]);
        if (!dst.empty() && dst.back().t == b)
            dst.back() = merged;
        else
            dst.push_back(merged);
    }
    // A level that held one entry may now need a coarser level above it.
    if (m_shifts.back() < kMaxShift && m_levels.back().size() > 1)
        buildLevelsFrom(levelCount());
}

void LodPyramid::merge(const Bars &bars)
{
    if (bars.empty())
        return;
    if (!std::is_sorted(bars.begin(), bars.end(),
                        [](const Bar &x, const Bar &y) { return x.t < y.t; })) {
        Bars sorted = bars;
        std::stable_sort(sorted.begin(), sorted.end(),
                         [](const Bar &x, const Bar &y) { return x.t < y.t; });
        merge(sorted);
        return;
    }
    if (m_levels.empty()) {
        m_levels.emplace_back();
        m_shifts.push_back(0);
    }
    Bars &base = m_levels.front();
    Bars merged;
    merged.reserve(base.size() + bars.size());
    auto a = base.cbegin();
    auto b = bars.cbegin();
    while (a != base.cend() || b != bars.cend()) {
        if (b == bars.cend() || (a != base.cend() && a->t < b->t)) {
            merged.push_back(*a++);
        } else {
            if (a != base.cend() && a->t == b->t)
                ++a;
            merged.push_back(*b++);
        }
    }
    base = std::move(merged);
    // The coarse levels are rebuilt when a view needs one; drop them now to free the memory.
    m_levels.resize(1);
    m_shifts.resize(1);
    m_coarseStale = true;
}

int LodPyramid::levelFor(double msPerPx, double minCandlePx) const
{
    if (m_levels.empty())
        return 0;
    // Level 0 is wide enough: no need for the coarse levels (and no need to build them).
    if (double(m_barMs) / msPerPx >= minCandlePx)
        return 0;
    int k = 0;
    while (k + 1 < levelCount() && double(bucketMs(k)) / msPerPx < minCandlePx)
        ++k;
    return k;
}

std::pair<qsizetype, qsizetype> LodPyramid::indexRange(int k, qint64 from, qint64 to) const
{
    const Bars &lv = level(k);
    // An entry overlaps [from, to) when t < to and t + width > from.
    const qint64 width = bucketMs(k);
    const auto lo = std::lower_bound(lv.begin(), lv.end(), from - width + 1,
                                     [](const Bar &b, qint64 t) { return b.t < t; });
    const auto hi
        = std::lower_bound(lo, lv.end(), to, [](const Bar &b, qint64 t) { return b.t < t; });
    return {qsizetype(lo - lv.begin()), qsizetype(hi - lv.begin())};
}

} // namespace barkeep::ui
