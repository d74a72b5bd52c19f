// SPDX-License-Identifier: GPL-3.0-or-later
#include "gapmapgeometry.h"

#include <algorithm>
#include <cmath>

namespace barkeep::ui {

void GapMapGeometry::setPlot(double left, double width, double top, double rowHeight)
{
    m_left = left;
    m_width = std::max(1.0, width);
    m_top = top;
    m_rowHeight = std::max(1.0, rowHeight);
}

void GapMapGeometry::setView(double fromMs, double toMs)
{
    if (toMs <= fromMs)
        toMs = fromMs + 1;
    m_from = fromMs;
    m_to = toMs;
}

int GapMapGeometry::rowAt(double y) const
{
    if (y < m_top)
        return -1;
    const int row = int(std::floor((y - m_top) / m_rowHeight));
    return row < m_rows ? row : -1;
}

void GapMapGeometry::zoomAt(double factor, double x, double minSpanMs, double maxSpanMs)
{
    const double anchor = timeForX(x);
    const double span = std::clamp((m_to - m_from) * factor, minSpanMs, maxSpanMs);
    const double frac = (x - m_left) / m_width;
    m_from = anchor - frac * span;
    m_to = m_from + span;
}

void GapMapGeometry::panByPixels(double dx)
{
    const double d = dx * msPerPixel();
    m_from += d;
    m_to += d;
}

std::vector<RowRange> GapMapGeometry::selection(double x0, double y0, double x1, double y1,
                                                qint64 nowMs) const
{
    std::vector<RowRange> out;
    const double xa = std::clamp(std::min(x0, x1), m_left, m_left + m_width);
    const double xb = std::clamp(std::max(x0, x1), m_left, m_left + m_width);
    // Whole minutes: the ledger and the backfill work in 1m; round outward so the range the
    // user sees selected is inside what gets fetched.
    qint64 from = qint64(std::floor(timeForX(xa) / double(kMinuteMs))) * kMinuteMs;
    qint64 to = qint64(std::ceil(timeForX(xb) / double(kMinuteMs))) * kMinuteMs;
    from = std::max<qint64>(from, 0);
    to = std::min(to, nowMs - nowMs % kMinuteMs);
    if (to - from < kMinuteMs)
        return out;
    if (m_rows <= 0)
        return out;
    const double ya = std::min(y0, y1);
    const double yb = std::max(y0, y1);
    const double lastY = m_top + m_rows * m_rowHeight;
    if (yb < m_top || ya >= lastY)
        return out;
    const int r0 = std::max(0, rowAt(std::max(ya, m_top)));
    const int r1 = rowAt(std::min(yb, lastY - 1e-9));
    for (int r = r0; r <= r1 && r >= 0; ++r)
        out.push_back({r, {from, to}});
    return out;
}

PixelRuns GapMapGeometry::runs(const GapSegments &segments) const
{
    const int w = int(std::ceil(m_width));
    std::vector<GapState> px(size_t(std::max(0, w)), GapState::None);
    for (const GapSegment &s : segments) {
        if (s.state == GapState::None || s.range.isEmpty())
            continue;
        const double xa = xForTime(double(s.range.from)) - m_left;
        const double xb = xForTime(double(s.range.to)) - m_left;
        if (xb <= 0 || xa >= w)
            continue;
        int p0 = int(std::floor(xa));
        // A segment shorter than a pixel still gets its pixel.
        int p1 = std::max(p0 + 1, int(std::ceil(xb)));
        p0 = std::max(0, p0);
        p1 = std::min(w, p1);
        for (int p = p0; p < p1; ++p)
            if (s.state > px[size_t(p)])
                px[size_t(p)] = s.state;
    }
    PixelRuns out;
    for (int p = 0; p < w; ++p) {
        if (!out.empty() && out.back().state == px[size_t(p)] && out.back().x1 == p)
            out.back().x1 = p + 1;
        else if (px[size_t(p)] != GapState::None)
            out.push_back({p, p + 1, px[size_t(p)]});
    }
    return out;
}

GapCounts GapMapGeometry::counts(const GapSegments &segments, TimeRange range)
{
    GapCounts c;
    for (const GapSegment &s : segments) {
        const qint64 a = std::max(s.range.from, range.from);
        const qint64 b = std::min(s.range.to, range.to);
        if (b <= a)
            continue;
        const qint64 minutes = (b - a) / kMinuteMs;
        switch (s.state) {
        case GapState::Bars:
            c.barMinutes += minutes;
            break;
        case GapState::Empty:
            c.emptyMinutes += minutes;
            break;
        case GapState::Missing:
            c.missingMinutes += minutes;
            break;
        case GapState::Closed:
            c.closedMinutes += minutes;
            break;
        case GapState::None:
            break;
        }
    }
    return c;
}

const GapSegment *GapMapGeometry::segmentAt(const GapSegments &segments, qint64 t)
{
    auto it = std::upper_bound(segments.begin(), segments.end(), t,
                               [](qint64 v, const GapSegment &s) { return v < s.range.to; });
    if (it != segments.end() && it->range.contains(t))
        return &*it;
    return nullptr;
}

GapSegments GapMapGeometry::classify(TimeRange window, const CoverageIntervals &coverage,
                                     const TimeRanges &gaps, qint64 nowMs)
{
    GapSegments pieces;
    auto clip = [&](TimeRange r, GapState st) {
        r.from = std::max(r.from, window.from);
        r.to = std::min(r.to, window.to);
        if (!r.isEmpty())
            pieces.push_back({r, st});
    };
    for (const CoverageInterval &c : coverage)
        clip(c.range, c.state == CoverageState::Bars ? GapState::Bars : GapState::Empty);
    for (const TimeRange &g : gaps)
        clip(g, GapState::Missing);
    std::sort(pieces.begin(), pieces.end(),
              [](const GapSegment &a, const GapSegment &b) { return a.range.from < b.range.from; });

    GapSegments out;
    auto append = [&out](TimeRange r, GapState st) {
        if (r.isEmpty())
            return;
        if (!out.empty() && out.back().state == st && out.back().range.to == r.from)
            out.back().range.to = r.to;
        else
            out.push_back({r, st});
    };
    // Stretches no answer mentions: closed before now, nothing after it.
    auto filler = [&](qint64 a, qint64 b) {
        const qint64 split = std::clamp(nowMs, a, b);
        append({a, split}, GapState::Closed);
        append({split, b}, GapState::None);
    };
    qint64 cursor = window.from;
    for (GapSegment p : pieces) {
        if (p.range.from > cursor)
            filler(cursor, p.range.from);
        p.range.from = std::max(p.range.from, cursor); // overlapping answers: first one wins
        append(p.range, p.state);
        cursor = std::max(cursor, p.range.to);
    }
    if (cursor < window.to)
        filler(cursor, window.to);
    out.erase(std::remove_if(out.begin(), out.end(),
                             [](const GapSegment &s) { return s.state == GapState::None; }),
              out.end());
    return out;
}

} // namespace barkeep::ui
