// SPDX-License-Identifier: GPL-3.0-or-later
#include "chartview.h"

#include <QKeyEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QVarLengthArray>
#include <QWheelEvent>

#include <algorithm>
#include <cmath>

namespace barkeep::ui {

namespace {
// A drawn candle is at least this wide (logical px): coarser LOD levels take over below it.
constexpr double kMinCandlePx = 2.0;
constexpr int kFitBars = 200;
// The view never narrows below this many bars.
constexpr double kMinVisibleBars = 10;
// At least this share of the view overlaps the data, so a pan cannot lose the chart entirely
// but can reach far enough past the loaded data for the loader to fetch the neighbourhood.
constexpr double kKeepDataShare = 0.1;
constexpr int kRangeSignalMs = 50;
constexpr double kWheelZoomPerNotch = 1.1892; // 2^(1/4)

double snapToPixelCenter(double v, double dpr)
{
    return (std::floor(v * dpr) + 0.5) / dpr;
}
} // namespace

ChartView::ChartView(QWidget *parent)
    : QWidget(parent)
{
    setMouseTracking(true);
    setFocusPolicy(Qt::StrongFocus);
    setAttribute(Qt::WA_OpaquePaintEvent);
    setMinimumSize(200, 150);
    setTimeZone(QTimeZone::utc());
    m_rangeTimer.setSingleShot(true);
    m_rangeTimer.setInterval(kRangeSignalMs);
    connect(&m_rangeTimer, &QTimer::timeout, this,
            [this] { emit visibleRangeChanged(visibleRange()); });
    changeEvent(nullptr);
}

// ---- data ---------------------------------------------------------------------------------

void ChartView::setTitle(const QString &title)
{
    m_title = title;
    update();
}

void ChartView::setBars(Bars bars, qint64 barDurationMs)
{
    m_lod.build(std::move(bars), barDurationMs);
    m_sources.clear();
    m_readout.reset();
    m_formingT.reset();
    fitLast(kFitBars);
    if (m_crosshair)
        setCrosshair(m_crosshair);
    update();
}

void ChartView::mergeBars(const Bars &bars)
{
    const bool wasEmpty = m_lod.isEmpty();
    m_lod.merge(bars);
    if (wasEmpty)
        fitLast(kFitBars);
    if (m_crosshair)
        setCrosshair(m_crosshair);
    update();
}

void ChartView::updateLastBar(const Bar &bar)
{
    if (m_lod.isEmpty()) {
        m_lod.updateLast(bar);
        fitLast(kFitBars);
        update();
        return;
    }
    const qint64 dur = m_lod.barDurationMs();
    const qint64 oldLast = m_lod.bars().back().t;
    const bool lastInView = double(oldLast + dur) <= m_viewTo && double(oldLast) >= m_viewFrom;
    m_lod.updateLast(bar);
    // Follow a live series: when a new bar opens off the right edge, scroll with it.
    if (bar.t > oldLast && lastInView && double(bar.t + dur) > m_viewTo) {
        const double shift = double(bar.t + dur) - m_viewTo;
        setView(m_viewFrom + shift, m_viewTo + shift);
    }
    if (m_crosshair)
        setCrosshair(m_crosshair);
    update();
}

void ChartView::applyLiveBar(const Bar &bar, bool final)
{
    if (final) {
        if (m_formingT && *m_formingT <= bar.t)
            m_formingT.reset(); // closed (or a later bar closed: the forming one is stale)
    } else {
        m_formingT = bar.t;
    }
    updateLastBar(bar);
}

void ChartView::setUncoveredRanges(const TimeRanges &ranges)
{
    m_uncovered = ranges;
    update();
    emit uncoveredRangesChanged();
}

void ChartView::setSources(SourceRuns runs)
{
    m_sources = std::move(runs);
    update();
}

void ChartView::addSources(const SourceRuns &runs)
{
    m_sources.insert(m_sources.end(), runs.begin(), runs.end());
    std::sort(m_sources.begin(), m_sources.end(),
              [](const SourceRun &a, const SourceRun &b) { return a.range.from < b.range.from; });
    update();
}

QString ChartView::sourceAt(qint64 t) const
{
    // Runs are few (one per contiguous source), so the last run starting at or before t is
    // found by binary search and checked for containing t.
    auto it = std::upper_bound(m_sources.begin(), m_sources.end(), t,
                               [](qint64 v, const SourceRun &r) { return v < r.range.from; });
    if (it == m_sources.begin())
        return {};
    --it;
    return t < it->range.to ? it->source : QString();
}

void ChartView::setTimeZone(const QTimeZone &tz)
{
    const QTimeZone zone = tz.isValid() ? tz : QTimeZone::utc();
    m_timeAxis.setTimeZone(zone);
    m_timeZoneLabel = zone == QTimeZone::utc()
                          ? tr("UTC")
                          : zone.displayName(QTimeZone::GenericTime, QTimeZone::ShortName);
    update();
}

void ChartView::setLogScale(bool on)
{
    m_logScale = on;
    update();
}

// ---- view ---------------------------------------------------------------------------------

double ChartView::msPerPx() const
{
    return (m_viewTo - m_viewFrom) / std::max(1.0, plotRect().width());
}

int ChartView::currentLevel() const
{
    return m_lod.levelFor(msPerPx(), kMinCandlePx);
}

TimeRange ChartView::visibleRange() const
{
    return TimeRange{qint64(std::floor(m_viewFrom)), qint64(std::ceil(m_viewTo))};
}

double ChartView::xForTime(qint64 t) const
{
    return plotRect().left() + (double(t) - m_viewFrom) / msPerPx();
}

qint64 ChartView::timeForX(double x) const
{
    return std::llround(m_viewFrom + (x - plotRect().left()) * msPerPx());
}

std::optional<Bar> ChartView::barAt(double x) const
{
    if (m_lod.isEmpty())
        return std::nullopt;
    const Bars &bars = m_lod.bars();
    const qint64 t = timeForX(x);
    auto it = std::upper_bound(bars.begin(), bars.end(), t,
                               [](qint64 v, const Bar &b) { return v < b.t; });
    if (it == bars.begin())
        return std::nullopt;
    --it;
    if (t >= it->t + m_lod.barDurationMs())
        return std::nullopt;
    return *it;
}

void ChartView::setView(double from, double to)
{
    double span = std::max(1.0, to - from);
    if (!m_lod.isEmpty()) {
        const double first = double(m_lod.bars().front().t);
        const double last = double(m_lod.bars().back().t + m_lod.barDurationMs());
        const double keep = span * kKeepDataShare;
        from = std::min(from, last - keep);
        from = std::max(from, first + keep - span);
    }
    if (from == m_viewFrom && from + span == m_viewTo)
        return;
    m_viewFrom = from;
    m_viewTo = from + span;
    update();
}

void ChartView::fitLast(int count)
{
    if (m_lod.isEmpty())
        return;
    const Bars &bars = m_lod.bars();
    const size_t first = bars.size() > size_t(count) ? bars.size() - size_t(count) : 0;
    const double from = double(bars[first].t);
    const double to = double(bars.back().t + m_lod.barDurationMs());
    const double span = std::max(to - from, double(m_lod.barDurationMs()) * kMinVisibleBars);
    // A little room on the right for the forming bar.
    setView(to + span * 0.05 - span * 1.05, to + span * 0.05);
}

void ChartView::fitAll()
{
    if (m_lod.isEmpty())
        return;
    const double from = double(m_lod.bars().front().t);
    const double to = double(m_lod.bars().back().t + m_lod.barDurationMs());
    const double span = std::max(to - from, double(m_lod.barDurationMs()) * kMinVisibleBars);
    setView(from - span * 0.02, from + span * 1.02);
    m_rangeTimer.start();
}

void ChartView::setVisibleRange(const TimeRange &range)
{
    if (range.isEmpty())
        return;
    setView(double(range.from), double(range.to));
    m_rangeTimer.start();
}

void ChartView::panByPixels(double dx)
{
    const double d = dx * msPerPx();
    setView(m_viewFrom + d, m_viewTo + d);
    if (!m_rangeTimer.isActive())
        m_rangeTimer.start();
}

void ChartView::zoomAt(double factor, double x)
{
    const QRectF plot = plotRect();
    const double anchor = m_viewFrom + (x - plot.left()) * msPerPx();
    const double minSpan = double(m_lod.barDurationMs()) * kMinVisibleBars;
    double maxSpan = double(m_lod.barDurationMs()) * 1000;
    if (!m_lod.isEmpty())
        maxSpan = std::max(maxSpan, 4.0 * double(m_lod.bars().back().t - m_lod.bars().front().t));
    const double span = std::clamp((m_viewTo - m_viewFrom) * factor, minSpan, maxSpan);
    // The anchor time keeps its share of the width, so it stays under the cursor.
    const double share = (x - plot.left()) / std::max(1.0, plot.width());
    setView(anchor - share * span, anchor - share * span + span);
    if (!m_rangeTimer.isActive())
        m_rangeTimer.start();
}

// ---- layout -------------------------------------------------------------------------------

ChartView::Layout ChartView::layout() const
{
    Layout l;
    const QFontMetricsF fm(font());
    const double w = std::max(1.0, double(width()) - m_axisWidth);
    const double h = std::max(1.0, double(height()) - m_timeAxisHeight);
    l.plot = QRectF(0, 0, w, h);
    const double header = std::min(h * 0.3, 2 * fm.height() + 10);
    const double volH = h * 0.18;
    l.volume = QRectF(0, h - volH, w, volH);
    l.price = QRectF(0, header, w, std::max(1.0, l.volume.top() - 8 - header));
    l.priceAxis = QRectF(w, 0, m_axisWidth, h);
    l.timeAxis = QRectF(0, h, w, m_timeAxisHeight);
    return l;
}

QRectF ChartView::plotRect() const
{
    return layout().plot;
}

QRectF ChartView::pricePaneRect() const
{
    return layout().price;
}

QRectF ChartView::volumePaneRect() const
{
    return layout().volume;
}

QColor ChartView::inkColor(double opacity) const
{
    return CandleRenderer::blend(palette().color(QPalette::WindowText),
                                 palette().color(QPalette::Base), opacity);
}

QColor ChartView::uncoveredColor() const
{
    return inkColor(0.12);
}

CandleRenderer::Style ChartView::candleStyle() const
{
    return CandleRenderer::Style::forBackground(palette().color(QPalette::Base));
}

void ChartView::changeEvent(QEvent *event)
{
    if (!event || event->type() == QEvent::FontChange) {
        const QFontMetrics fm(font());
        m_axisWidth = fm.horizontalAdvance(QStringLiteral("00000000.00")) + 14;
        m_timeAxisHeight = fm.height() + 8;
    }
    if (event)
        QWidget::changeEvent(event);
}

void ChartView::resizeEvent(QResizeEvent *event)
{
    // The time span stays and msPerPx follows the width, so the visible range is unchanged.
    QWidget::resizeEvent(event);
}

// ---- painting -----------------------------------------------------------------------------

PriceAxis ChartView::priceAxisFor(const Layout &l, qsizetype i0, qsizetype i1, int level,
                                  double *maxVolume) const
{
    PriceAxis axis;
    axis.setLogScale(m_logScale);
    axis.setPixelSpan(l.price.top(), l.price.bottom());
    *maxVolume = 0;
    if (i0 >= i1) {
        axis.setRange(m_lastPriceAxis.min(), m_lastPriceAxis.max());
        return axis;
    }
    const Bars &lv = m_lod.level(level);
    double lo = lv[size_t(i0)].l;
    double hi = lv[size_t(i0)].h;
    double vmax = 0;
    for (qsizetype i = i0; i < i1; ++i) {
        const Bar &b = lv[size_t(i)];
        lo = std::min(lo, b.l);
        hi = std::max(hi, b.h);
        vmax = std::max(vmax, b.v);
    }
    *maxVolume = vmax;
    if (m_logScale && lo > 0) {
        const double pad = std::pow(hi / lo, 0.05);
        axis.setRange(lo / pad, hi * pad);
    } else {
        const double pad = (hi - lo) * 0.05;
        axis.setRange(lo - pad, hi + pad);
        if (m_logScale) // non-positive prices: a log scale cannot show them
            axis.setLogScale(false);
    }
    return axis;
}

void ChartView::paintEvent(QPaintEvent *)
{
    QPainter p(this);
    // The scale to device pixels, whatever the target (a HiDPI screen or render() into an image).
    const double dpr = std::max(0.25, p.deviceTransform().m11());
    const Layout l = layout();
    const QPalette pal = palette();
    p.fillRect(rect(), pal.color(QPalette::Base));

    const double mpp = msPerPx();
    const int level = m_lod.isEmpty() ? 0 : m_lod.levelFor(mpp, kMinCandlePx);
    qsizetype i0 = 0, i1 = 0;
    if (!m_lod.isEmpty()) {
        const auto range
            = m_lod.indexRange(level, qint64(std::floor(m_viewFrom)), qint64(std::ceil(m_viewTo)));
        i0 = range.first;
        i1 = range.second;
    }
    double maxVolume = 0;
    const PriceAxis axis = priceAxisFor(l, i0, i1, level, &maxVolume);
    m_lastPriceAxis = axis;

    const QFontMetricsF fm(font());
    const double minTickPx = fm.horizontalAdvance(QStringLiteral("00 MMM 00")) + 16;
    const QList<TimeAxis::Tick> timeTicks = m_timeAxis.ticks(
        qint64(std::floor(m_viewFrom)), qint64(std::ceil(m_viewTo)), mpp, minTickPx);

    paintUncovered(p, l);
    paintGrid(p, l, axis, timeTicks);

    if (i0 < i1) {
        CandleRenderer::Frame frame;
        frame.dpr = dpr;
        frame.viewFrom = m_viewFrom;
        frame.msPerPx = mpp;
        frame.plotLeft = l.plot.left();
        frame.price = &axis;
        frame.volumeTop = l.volume.top();
        frame.volumeBottom = l.volume.bottom();
        frame.maxVolume = maxVolume;
        frame.clip = l.plot;
        if (m_formingT)
            frame.formingT = *m_formingT;
        const Bar *data = m_lod.level(level).data();
        CandleRenderer::paint(p, data + i0, data + i1, m_lod.bucketMs(level), frame, candleStyle());
    }

    paintAxes(p, l, axis, timeTicks);
    paintHeader(p, l);
    paintCrosshair(p, l, axis);
}

void ChartView::paintUncovered(QPainter &p, const Layout &l) const
{
    if (m_uncovered.empty())
        return;
    const QColor shade = uncoveredColor();
    const QColor text = inkColor(0.55);
    const QString label = tr("not fetched");
    const QFontMetricsF fm(font());
    for (const TimeRange &r : m_uncovered) {
        if (double(r.to) <= m_viewFrom || double(r.from) >= m_viewTo)
            continue;
        const double x0 = std::max(l.plot.left(), xForTime(r.from));
        const double x1 = std::min(l.plot.right(), xForTime(r.to));
        if (x1 <= x0)
            continue;
        const QRectF area(x0, l.plot.top(), x1 - x0, l.plot.height());
        p.fillRect(area, shade);
        if (area.width() >= fm.horizontalAdvance(label) + 12) {
            p.setPen(text);
            p.drawText(QRectF(x0, l.price.center().y() - fm.height(), x1 - x0, fm.height()),
                       Qt::AlignCenter, label);
        }
    }
}

void ChartView::paintGrid(QPainter &p, const Layout &l, const PriceAxis &axis,
                          const QList<TimeAxis::Tick> &timeTicks) const
{
    const double dpr = p.deviceTransform().m11();
    // One-device-pixel rectangles rather than cosmetic lines: the raster engine fills opaque
    // rectangles directly, while it strokes lines span by span (several times slower).
    const int left = int(std::floor(l.plot.left() * dpr));
    const int right = int(std::ceil(l.plot.right() * dpr));
    const int top = int(std::floor(l.plot.top() * dpr));
    const int bottom = int(std::ceil(l.plot.bottom() * dpr));
    QVarLengthArray<QRect, 64> rects;
    for (const TimeAxis::Tick &tick : timeTicks)
        rects.append(QRect(int(std::floor(xForTime(tick.t) * dpr)), top, 1, bottom - top));
    for (const PriceAxis::Tick &tick : axis.ticks(fontMetrics().height() * 2.5))
        rects.append(
            QRect(left, int(std::floor(axis.yForPrice(tick.value) * dpr)), right - left, 1));
    rects.append(QRect(left, int(std::floor((l.volume.top() - 4) * dpr)), right - left, 1));
    fillDeviceRects(p, rects.constData(), rects.size(), inkColor(0.09), l.plot);
}

void ChartView::fillDeviceRects(QPainter &p, const QRect *rects, qsizetype count,
                                const QColor &color, const QRectF &clip) const
{
    const double dpr = p.deviceTransform().m11();
    p.save();
    p.setWorldTransform(QTransform::fromScale(1 / dpr, 1 / dpr), true);
    p.setClipRect(
        QRectF(clip.left() * dpr, clip.top() * dpr, clip.width() * dpr, clip.height() * dpr));
    p.setPen(Qt::NoPen);
    p.setBrush(color);
    p.drawRects(rects, int(count));
    p.restore();
}

void ChartView::paintAxes(QPainter &p, const Layout &l, const PriceAxis &axis,
                          const QList<TimeAxis::Tick> &timeTicks) const
{
    const QPalette pal = palette();
    const double dpr = p.deviceTransform().m11();
    const QFontMetricsF fm(font());
    const int xAxis = int(std::floor(l.plot.right() * dpr));
    const int yAxis = int(std::floor(l.plot.bottom() * dpr));
    const QRect axes[] = {QRect(xAxis, 0, 1, yAxis + 1), QRect(0, yAxis, xAxis + 1, 1)};
    fillDeviceRects(p, axes, 2, inkColor(0.38), rect());

    p.setPen(pal.color(QPalette::WindowText));
    for (const PriceAxis::Tick &tick : axis.ticks(fm.height() * 2.5)) {
        const double y = axis.yForPrice(tick.value);
        p.drawText(QRectF(l.priceAxis.left() + 6, y - fm.height() / 2, l.priceAxis.width() - 8,
                          fm.height()),
                   Qt::AlignLeft | Qt::AlignVCenter, tick.label);
    }

    QFont bold = font();
    bold.setBold(true);
    double lastRight = -1e9;
    for (const TimeAxis::Tick &tick : timeTicks) {
        const double x = xForTime(tick.t);
        const double w = fm.horizontalAdvance(tick.label) + 4;
        const double left = x - w / 2;
        if (left < lastRight + 4 || left < l.timeAxis.left() || left + w > l.timeAxis.right())
            continue;
        lastRight = left + w;
        p.setFont(tick.major ? bold : font());
        p.drawText(QRectF(left, l.timeAxis.top() + 2, w, l.timeAxis.height() - 2),
                   Qt::AlignHCenter | Qt::AlignTop, tick.label);
    }
    p.setFont(font());
    // Which clock the labels use, in the corner under the price axis.
    p.setPen(inkColor(0.6));
    p.drawText(QRectF(l.priceAxis.left(), l.timeAxis.top() + 2, l.priceAxis.width(),
                      l.timeAxis.height() - 2),
               Qt::AlignHCenter | Qt::AlignTop, m_timeZoneLabel);
}

void ChartView::paintHeader(QPainter &p, const Layout &l) const
{
    const QPalette pal = palette();
    const QFontMetricsF fm(font());
    double y = l.plot.top() + 4;
    if (!m_title.isEmpty()) {
        QFont bold = font();
        bold.setBold(true);
        p.setFont(bold);
        p.setPen(pal.color(QPalette::WindowText));
        p.drawText(QRectF(l.plot.left() + 8, y, l.plot.width() - 16, fm.height()),
                   Qt::AlignLeft | Qt::AlignVCenter, m_title);
        p.setFont(font());
    }
    y += fm.height() + 2;
    if (m_lod.isEmpty()) {
        p.setPen(pal.color(QPalette::PlaceholderText));
        p.drawText(l.price, Qt::AlignCenter, tr("No data"));
        return;
    }
    const Bar bar = m_readout ? *m_readout : m_lod.bars().back();
    const CandleRenderer::Style style = candleStyle();
    QString text = tr("O %1  H %2  L %3  C %4  V %5")
                       .arg(PriceAxis::formatPrice(bar.o), PriceAxis::formatPrice(bar.h),
                            PriceAxis::formatPrice(bar.l), PriceAxis::formatPrice(bar.c),
                            PriceAxis::formatVolume(bar.v));
    if (m_formingT && bar.t == *m_formingT)
        text += QStringLiteral("  ") + tr("(forming)");
    else if (const QString source = sourceAt(bar.t); !source.isEmpty())
        text += QStringLiteral("  ") + tr("[%1]").arg(source);
    p.setPen(bar.c >= bar.o ? style.up : style.down);
    p.drawText(QRectF(l.plot.left() + 8, y, l.plot.width() - 16, fm.height()),
               Qt::AlignLeft | Qt::AlignVCenter, text);
}

void ChartView::paintCrosshair(QPainter &p, const Layout &l, const PriceAxis &axis) const
{
    if (!m_crosshair || !l.plot.contains(*m_crosshair))
        return;
    const QPalette pal = palette();
    const double dpr = p.deviceTransform().m11();
    const QFontMetricsF fm(font());
    const double x = snapToPixelCenter(m_crosshair->x(), dpr);
    const double y = snapToPixelCenter(m_crosshair->y(), dpr);
    QPen pen(inkColor(0.55), 0, Qt::DashLine);
    p.setPen(pen);
    const QLineF lines[] = {QLineF(x, l.plot.top(), x, l.plot.bottom()),
                            QLineF(l.plot.left(), y, l.plot.right(), y)};
    p.drawLines(lines, 2);

    const QColor boxBg = pal.color(QPalette::WindowText);
    const QColor boxFg = pal.color(QPalette::Base);
    auto box = [&](const QRectF &r, const QString &text) {
        p.fillRect(r, boxBg);
        p.setPen(boxFg);
        p.drawText(r, Qt::AlignCenter, text);
    };
    if (l.price.contains(*m_crosshair)) {
        box(QRectF(l.priceAxis.left(), m_crosshair->y() - fm.height() / 2 - 1, l.priceAxis.width(),
                   fm.height() + 2),
            PriceAxis::formatPrice(axis.priceForY(m_crosshair->y())));
    }
    const qint64 t = m_readout ? m_readout->t : timeForX(m_crosshair->x());
    const QString label = m_timeAxis.fullLabel(t, m_lod.barDurationMs());
    const double w = fm.horizontalAdvance(label) + 12;
    const double left = std::clamp(m_crosshair->x() - w / 2, l.timeAxis.left(),
                                   std::max(l.timeAxis.left(), l.timeAxis.right() - w));
    box(QRectF(left, l.timeAxis.top(), w, l.timeAxis.height()), label);
}

// ---- interaction --------------------------------------------------------------------------

void ChartView::setCrosshair(std::optional<QPointF> pos)
{
    m_crosshair = pos;
    std::optional<Bar> bar;
    if (pos && plotRect().contains(*pos))
        bar = barAt(pos->x());
    if (bar != m_readout) {
        m_readout = bar;
        emit crosshairMoved(bar);
    }
    update();
}

void ChartView::wheelEvent(QWheelEvent *event)
{
    const QPoint delta = event->angleDelta();
    if (delta.y() != 0) {
        zoomAt(std::pow(kWheelZoomPerNotch, -delta.y() / 120.0), event->position().x());
    } else if (delta.x() != 0) {
        // Horizontal wheels and touchpads pan.
        panByPixels(-delta.x() / 120.0 * plotRect().width() * 0.1);
    }
    setCrosshair(event->position());
    event->accept();
}

void ChartView::mousePressEvent(QMouseEvent *event)
{
    if (event->button() == Qt::LeftButton && plotRect().contains(event->position())) {
        m_dragging = true;
        m_dragOrigin = event->position();
        m_dragFrom = m_viewFrom;
        m_dragTo = m_viewTo;
        setCursor(Qt::ClosedHandCursor);
        event->accept();
        return;
    }
    QWidget::mousePressEvent(event);
}

void ChartView::mouseMoveEvent(QMouseEvent *event)
{
    if (m_dragging) {
        const double d = (m_dragOrigin.x() - event->position().x()) * (m_dragTo - m_dragFrom)
                         / std::max(1.0, plotRect().width());
        setView(m_dragFrom + d, m_dragTo + d);
        if (!m_rangeTimer.isActive())
            m_rangeTimer.start();
    }
    setCrosshair(event->position());
}

void ChartView::mouseReleaseEvent(QMouseEvent *event)
{
    if (m_dragging && event->button() == Qt::LeftButton) {
        m_dragging = false;
        unsetCursor();
        m_rangeTimer.start();
        event->accept();
        return;
    }
    QWidget::mouseReleaseEvent(event);
}

void ChartView::mouseDoubleClickEvent(QMouseEvent *event)
{
    if (event->button() == Qt::LeftButton) {
        fitAll();
        event->accept();
        return;
    }
    QWidget::mouseDoubleClickEvent(event);
}

void ChartView::leaveEvent(QEvent *event)
{
    setCrosshair(std::nullopt);
    QWidget::leaveEvent(event);
}

void ChartView::keyPressEvent(QKeyEvent *event)
{
    const double w = plotRect().width();
    const double span = m_viewTo - m_viewFrom;
    switch (event->key()) {
    case Qt::Key_Left:
        panByPixels(-w * 0.1);
        break;
    case Qt::Key_Right:
        panByPixels(w * 0.1);
        break;
    case Qt::Key_PageUp:
        panByPixels(-w * 0.9);
        break;
    case Qt::Key_PageDown:
        panByPixels(w * 0.9);
        break;
    case Qt::Key_Home:
        if (!m_lod.isEmpty()) {
            const double from = double(m_lod.bars().front().t) - span * 0.05;
            setView(from, from + span);
            m_rangeTimer.start();
        }
        break;
    case Qt::Key_End:
        if (!m_lod.isEmpty()) {
            const double to = double(m_lod.bars().back().t + m_lod.barDurationMs()) + span * 0.05;
            setView(to - span, to);
            m_rangeTimer.start();
        }
        break;
    case Qt::Key_Plus:
    case Qt::Key_Equal:
        zoomAt(1 / 1.25, plotRect().center().x());
        break;
    case Qt::Key_Minus:
        zoomAt(1.25, plotRect().center().x());
        break;
    default:
        QWidget::keyPressEvent(event);
        return;
    }
    event->accept();
}

} // namespace barkeep::ui
