// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "model/bar.h"
#include "model/sourcerun.h"

#include "candlerenderer.h"
#include "lodpyramid.h"
#include "priceaxis.h"
#include "timeaxis.h"

#include <QPointF>
#include <QTimeZone>
#include <QTimer>
#include <QWidget>

#include <optional>

namespace barkeep::ui {

// The candlestick chart: candles over a volume pane, a price axis with nice ticks, a time
// axis in the chosen time zone, a crosshair with an OHLCV readout, wheel zoom around the
// cursor, drag and keyboard pan. Hand-written on QPainter because QCandlestickSeries does not
// scale (one QObject and graphics item per candle: ~11 s of CPU to build and paint 100k, and
// ~150 ms per pan frame at 10k; see tests/benchmarks/chart). Time is continuous: a gap in the
// data is empty space; never-fetched ranges are shaded. Each frame draws one level of a
// precomputed LodPyramid, so a frame costs O(width), not O(bars). The crosshair readout is
// always the exact bar under the cursor, also when zoomed out to merged candles.
// GUI thread only; the loader fetches visibleRange() elsewhere and hands bars in.
class ChartView : public QWidget
{
    Q_OBJECT

public:
    explicit ChartView(QWidget *parent = nullptr);

    void setTitle(const QString &title);
    QString title() const { return m_title; }
    // Replaces the data (ascending by t) and fits the view to the last ~200 bars.
    void setBars(Bars bars, qint64 barDurationMs);
    // Upserts a lazily loaded chunk (ascending by t), keeping the view where it is.
    void mergeBars(const Bars &bars);
    // The last bar: replaces the bar with the same t, else appends (and follows it if the
    // previous last bar was in view).
    void updateLastBar(const Bar &bar);
    // A bar from the live subscription: a forming one (final false) is drawn hollow with a
    // lighter volume bar until the same t arrives as final (or another forming bar replaces
    // it); either way it is upserted like updateLastBar().
    void applyLiveBar(const Bar &bar, bool final);
    // Start of the bar drawn as forming, if any (setBars() clears it).
    std::optional<qint64> formingTime() const { return m_formingT; }
    void setUncoveredRanges(const TimeRanges &ranges);
    const TimeRanges &uncoveredRanges() const { return m_uncovered; }
    // Where the bars came from (issue 17's provenance): the readout names the source of the
    // bar under the crosshair ("native:1d", "rollup:1m"). setSources replaces, addSources
    // adds the runs of a range loaded later; setBars clears them.
    void setSources(SourceRuns runs);
    void addSources(const SourceRuns &runs);
    // The source of the bar starting at t, or empty when unknown.
    QString sourceAt(qint64 t) const;
    void setTimeZone(const QTimeZone &tz);
    QTimeZone timeZone() const { return m_timeAxis.timeZone(); }
    void setLogScale(bool on);
    bool isLogScale() const { return m_logScale; }

    void fitAll();
    // Shows [range.from, range.to) (e.g. when the gap map opens the chart at a hole).
    void setVisibleRange(const TimeRange &range);
    TimeRange visibleRange() const;
    // Moves the view by dx pixels (positive: later times come into view).
    void panByPixels(double dx);
    // Zooms by factor (< 1: in) keeping the time under widget x fixed.
    void zoomAt(double factor, double x);

    const Bars &bars() const { return m_lod.bars(); }
    qint64 barDurationMs() const { return m_lod.barDurationMs(); }
    const LodPyramid &levels() const { return m_lod; }
    // The LOD level the next frame draws.
    int currentLevel() const;
    // Plot area (candles and volume) in widget coordinates.
    QRectF plotRect() const;
    QRectF pricePaneRect() const;
    QRectF volumePaneRect() const;
    // Colours follow the palette's base colour; all opaque (see CandleRenderer::Style).
    CandleRenderer::Style candleStyle() const;
    // Colour of the never-fetched shading.
    QColor uncoveredColor() const;
    // The text colour at opacity over the background, as one opaque colour.
    QColor inkColor(double opacity) const;

    // Mapping and readout (widget x coordinates).
    double xForTime(qint64 t) const;
    qint64 timeForX(double x) const;
    std::optional<Bar> barAt(double x) const;

signals:
    void visibleRangeChanged(barkeep::TimeRange range);
    void crosshairMoved(std::optional<barkeep::Bar> bar);
    void uncoveredRangesChanged();

protected:
    void paintEvent(QPaintEvent *event) override;
    void resizeEvent(QResizeEvent *event) override;
    void wheelEvent(QWheelEvent *event) override;
    void mousePressEvent(QMouseEvent *event) override;
    void mouseMoveEvent(QMouseEvent *event) override;
    void mouseReleaseEvent(QMouseEvent *event) override;
    void mouseDoubleClickEvent(QMouseEvent *event) override;
    void leaveEvent(QEvent *event) override;
    void keyPressEvent(QKeyEvent *event) override;
    void changeEvent(QEvent *event) override;

private:
    struct Layout
    {
        QRectF plot, price, volume, priceAxis, timeAxis;
    };
    Layout layout() const;
    double msPerPx() const;
    void setView(double from, double to);
    void fitLast(int count);
    void setCrosshair(std::optional<QPointF> pos);
    PriceAxis priceAxisFor(const Layout &l, qsizetype i0, qsizetype i1, int level,
                           double *maxVolume) const;

    void paintUncovered(QPainter &p, const Layout &l) const;
    void paintGrid(QPainter &p, const Layout &l, const PriceAxis &axis,
                   const QList<TimeAxis::Tick> &timeTicks) const;
    void paintAxes(QPainter &p, const Layout &l, const PriceAxis &axis,
                   const QList<TimeAxis::Tick> &timeTicks) const;
    // Fills integer rectangles given in device pixels (sharp at any devicePixelRatio).
    void fillDeviceRects(QPainter &p, const QRect *rects, qsizetype count, const QColor &color,
                         const QRectF &clip) const;
    void paintHeader(QPainter &p, const Layout &l) const;
    void paintCrosshair(QPainter &p, const Layout &l, const PriceAxis &axis) const;

    LodPyramid m_lod;
    QString m_title;
    TimeRanges m_uncovered;
    SourceRuns m_sources; // ascending by range.from
    TimeAxis m_timeAxis;
    QString m_timeZoneLabel;
    bool m_logScale = false;
    // The view as a time span; msPerPx follows the width, so a resize keeps the span.
    double m_viewFrom = 0;
    double m_viewTo = double(kDayMs);
    std::optional<QPointF> m_crosshair;
    std::optional<Bar> m_readout;
    std::optional<qint64> m_formingT;
    bool m_dragging = false;
    QPointF m_dragOrigin;
    double m_dragFrom = 0;
    double m_dragTo = 0;
    // Throttles visibleRangeChanged to a few per second while the user drags.
    QTimer m_rangeTimer;
    // Last painted y-scale: the crosshair's price label and an empty view reuse it.
    mutable PriceAxis m_lastPriceAxis;
    int m_axisWidth = 70;
    int m_timeAxisHeight = 22;
};

} // namespace barkeep::ui
