// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "model/bar.h"
#include "storage/barstore.h"

#include <QList>
#include <QtGlobal>

#include <vector>

namespace barkeep::ui {

// What the gap map shows for a stretch of one series. The order is the paint priority when
// several states share one pixel: a hole must never disappear behind its neighbours.
enum class GapState : quint8 {
    None = 0, // outside the loaded window or in the future: background
    Closed,   // market closed (outside the session calendar): not missing
    Bars,     // fetched, bars stored
    Empty,    // fetched, the provider had nothing
    Missing,  // never fetched
};

struct GapSegment
{
    TimeRange range;
    GapState state = GapState::None;
    friend bool operator==(const GapSegment &, const GapSegment &) = default;
};
using GapSegments = std::vector<GapSegment>;

// A run of pixel columns [x0, x1) painted in one state.
struct PixelRun
{
    int x0 = 0;
    int x1 = 0;
    GapState state = GapState::None;
    friend bool operator==(const PixelRun &, const PixelRun &) = default;
};
using PixelRuns = std::vector<PixelRun>;

// Per-state minutes inside a range (bars count = minutes of `Bars`: the ledger records a
// minute as `bars` exactly when a bar was stored for it).
struct GapCounts
{
    qint64 barMinutes = 0;
    qint64 emptyMinutes = 0;
    qint64 missingMinutes = 0;
    qint64 closedMinutes = 0;
};

// One selected stretch of one row.
struct RowRange
{
    int row = -1;
    TimeRange range;
    friend bool operator==(const RowRange &, const RowRange &) = default;
};

// The GUI-free arithmetic of the gap map: time ↔ x in the plot area, row ↔ y, a drag
// rectangle → one range per row, and a row's segments → pixel runs. Tests check it exactly.
class GapMapGeometry
{
public:
    // The plot spans widget x in [left, left + width); rows start at `top`, each rowHeight tall.
    void setPlot(double left, double width, double top, double rowHeight);
    void setView(double fromMs, double toMs);
    void setRowCount(int rows) { m_rows = rows; }

    double left() const { return m_left; }
    double width() const { return m_width; }
    double top() const { return m_top; }
    double rowHeight() const { return m_rowHeight; }
    int rowCount() const { return m_rows; }
    double viewFrom() const { return m_from; }
    double viewTo() const { return m_to; }
    double msPerPixel() const { return (m_to - m_from) / m_width; }

    double xForTime(double t) const { return m_left + (t - m_from) / msPerPixel(); }
    double timeForX(double x) const { return m_from + (x - m_left) * msPerPixel(); }
    // -1 outside the rows.
    int rowAt(double y) const;
    double rowTop(int row) const { return m_top + row * m_rowHeight; }

    // Zooms by factor (< 1: in) keeping the time under x fixed; the span stays within
    // [minSpanMs, maxSpanMs].
    void zoomAt(double factor, double x, double minSpanMs, double maxSpanMs);
    void panByPixels(double dx);

    // A drag from (x0, y0) to (x1, y1) → the time range (whole minutes, clipped to
    // [0, nowMs)) for each row the drag touched, top row first. Empty when the drag is
    // narrower than a minute or misses every row.
    std::vector<RowRange> selection(double x0, double y0, double x1, double y1, qint64 nowMs) const;

    // Pixel runs of a row's segments over the plot (x relative to left()). A segment covers
    // at least one pixel; where states share a pixel the higher GapState wins.
    PixelRuns runs(const GapSegments &segments) const;

    // Per-state minutes of segments inside `range`.
    static GapCounts counts(const GapSegments &segments, TimeRange range);
    // The segment holding t, or nullptr.
    static const GapSegment *segmentAt(const GapSegments &segments, qint64 t);

    // Classifies `window`: coverage intervals give Bars/Empty, gaps give Missing, the rest of
    // the window before `nowMs` is Closed (outside the session), the future None.
    // Adjacent segments of one state are merged.
    static GapSegments classify(TimeRange window, const CoverageIntervals &coverage,
                                const TimeRanges &gaps, qint64 nowMs);

private:
    double m_left = 0;
    double m_width = 1;
    double m_top = 0;
    double m_rowHeight = 20;
    int m_rows = 0;
    double m_from = 0;
    double m_to = double(kDayMs);
};

} // namespace barkeep::ui
