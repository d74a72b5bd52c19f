// SPDX-License-Identifier: GPL-3.0-or-later
#include "gapmapview.h"

#include "chart/timeaxis.h"
#include "model/timeframe.h"
#include "services/backfillmanager.h"
#include "storage/barstore.h"
#include "util/threadaffinity.h"
#include "util/whenfinished.h"

#include <QAction>
#include <QContextMenuEvent>
#include <QDateTime>
#include <QHelpEvent>
#include <QKeyEvent>
#include <QLocale>
#include <QMenu>
#include <QMouseEvent>
#include <QPainter>
#include <QPointer>
#include <QToolTip>
#include <QWheelEvent>
#include <QtConcurrent>

#include <algorithm>
#include <cmath>

namespace barkeep::ui {

namespace {

constexpr double kMinSpanMs = 2.0 * kHourMs;
constexpr double kMaxSpanMs = 12.0 * 366 * kDayMs;
constexpr int kRowHeight = 22;

// Candles of the row's timeframe in `range` (a row is one (series, timeframe): a daily row's
// day of bars is one bar, not 1,440). Months count their calendar buckets.
qint64 bucketsIn(const SeriesKey &series, TimeRange range)
{
    const Result<Timeframe> tf = Timeframe::parse(series.timeframe);
    if (!tf || range.isEmpty())
        return range.length() / kMinuteMs;
    if (tf->minuteCount() > 0)
        return range.length() / (qint64(tf->minuteCount()) * kMinuteMs);
    qint64 n = 0;
    for (qint64 t = tf->bucketStart(range.from); t < range.to; t = tf->bucketEnd(t))
        n += t >= range.from && tf->bucketEnd(t) <= range.to ? 1 : 0;
    return n;
}

QString formatTime(qint64 t)
{
    return QDateTime::fromMSecsSinceEpoch(t, Qt::UTC).toString(QStringLiteral("yyyy-MM-dd HH:mm"));
}

} // namespace

GapMapView::GapMapView(BarStore *store, QWidget *parent)
    : QWidget(parent)
    , m_store(store)
{
    setMouseTracking(true);
    setFocusPolicy(Qt::StrongFocus);
    setAttribute(Qt::WA_OpaquePaintEvent);
    setMinimumHeight(m_axisHeight + m_legendHeight + 2 * kRowHeight);

    m_reloadTimer.setSingleShot(true);
    m_reloadTimer.setInterval(150);
    connect(&m_reloadTimer, &QTimer::timeout, this, [this] {
        const TimeRange v = view();
        const TimeRange window{v.from - v.length() / 2, v.to + v.length() / 2};
        loadCoverage(window);
    });

    m_backfillAction = new QAction(QIcon::fromTheme(QStringLiteral("download")),
                                   tr("&Backfill selection"), this);
    m_backfillAction->setShortcut(Qt::Key_B);
    m_backfillAction->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    m_backfillAction->setToolTip(tr("Fetch the never-fetched minutes of the selected range (B)"));
    m_backfillAction->setEnabled(false);
    connect(m_backfillAction, &QAction::triggered, this, &GapMapView::backfillSelection);
    addAction(m_backfillAction);

    m_fitAction
        = new QAction(QIcon::fromTheme(QStringLiteral("zoom-fit-best")), tr("&Fit all"), this);
    m_fitAction->setShortcut(Qt::Key_Home);
    m_fitAction->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    connect(m_fitAction, &QAction::triggered, this, &GapMapView::fitAll);
    addAction(m_fitAction);

    m_refreshAction
        = new QAction(QIcon::fromTheme(QStringLiteral("view-refresh")), tr("&Refresh"), this);
    connect(m_refreshAction, &QAction::triggered, this, &GapMapView::reloadSeries);
    addAction(m_refreshAction);

    const double now = double(QDateTime::currentMSecsSinceEpoch());
    m_geometry.setView(now - 30.0 * kDayMs, now + kDayMs);
    updateGeometryHelper();
}

GapMapView::~GapMapView() = default;

void GapMapView::setBackfillManager(BackfillManager *manager)
{
    BARKEEP_ASSERT_THREAD(this);
    if (m_backfill)
        disconnect(m_backfill, nullptr, this, nullptr);
    m_backfill = manager;
    if (m_backfill)
        connect(m_backfill, &BackfillManager::chunkStored, this, &GapMapView::onChunkStored);
    m_backfillAction->setEnabled(m_backfill && !m_selection.empty());
}

void GapMapView::setSeries(const QList<SeriesKey> &series)
{
    BARKEEP_ASSERT_THREAD(this);
    // Each (series, timeframe) is its own row: native daily candles have their own coverage
    // ledger beside the 1m one, and a drag on a daily row backfills daily candles.
    m_series.clear();
    for (const SeriesKey &s : series)
        if (!m_series.contains(s))
            m_series.append(s);
    m_segments.assign(size_t(m_series.size()), {});
    m_loaded = {};
    clearSelection();
    updateGeometryHelper();
    setMinimumHeight(m_axisHeight + m_legendHeight
                     + std::max<int>(2, int(m_series.size())) * kRowHeight);
    refresh();
}

void GapMapView::addSeries(const SeriesKey &series)
{
    BARKEEP_ASSERT_THREAD(this);
    // The chart's row is its 1m series: every provider has 1m, and it is what the chart's
    // forming bars and most fetches store; native rows of other timeframes come from the store.
    const SeriesKey key = series.withTimeframe(QStringLiteral("1m"));
    if (key.symbol.isEmpty() || m_series.contains(key))
        return;
    QList<SeriesKey> all = m_series;
    all.append(key);
    setSeries(all);
}

void GapMapView::reloadSeries()
{
    if (!m_store)
        return;
    const quint64 generation = ++m_seriesGeneration;
    BarStore *store = m_store;
    runAsync(
        &m_pool, this, [store] { return store->listSeries(); },
        [this, generation](const Result<QList<SeriesKey>> &series) {
            if (generation != m_seriesGeneration)
                return;
            if (!series) {
                emit statusMessage(series.error().userMessage());
                return;
            }
            // Keep rows the user added (the chart's series) next to the stored ones.
            QList<SeriesKey> rows = *series;
            for (const SeriesKey &s : std::as_const(m_series))
                if (!rows.contains(s))
                    rows.append(s);
            std::sort(rows.begin(), rows.end(), [](const SeriesKey &a, const SeriesKey &b) {
                return a.toString() < b.toString();
            });
            setSeries(rows);
        });
}

void GapMapView::setView(TimeRange range)
{
    BARKEEP_ASSERT_THREAD(this);
    if (range.isEmpty())
        return;
    m_geometry.setView(double(range.from), double(range.to));
    viewChanged();
}

TimeRange GapMapView::view() const
{
    return {qint64(m_geometry.viewFrom()), qint64(std::ceil(m_geometry.viewTo()))};
}

void GapMapView::fitAll()
{
    if (!m_store || m_series.isEmpty())
        return;
    BarStore *store = m_store;
    const QList<SeriesKey> rows = m_series;
    runAsync(
        &m_pool, this,
        [store, rows] {
            TimeRange all;
            for (const SeriesKey &s : rows) {
                Result<TimeRange> e = store->extent(s);
                if (!e || e->isEmpty())
                    continue;
                all = all.isEmpty()
                          ? *e
                          : TimeRange{std::min(all.from, e->from), std::max(all.to, e->to)};
            }
            return all;
        },
        [this](TimeRange all) {
            if (all.isEmpty())
                return;
            const qint64 pad = std::max<qint64>(all.length() / 20, kHourMs);
            setView({all.from - pad, all.to + pad});
        });
}

void GapMapView::refresh()
{
    BARKEEP_ASSERT_THREAD(this);
    m_loaded = {};
    m_reloadTimer.start(0);
}

GapSegments GapMapView::segments(int row) const
{
    return row >= 0 && size_t(row) < m_segments.size() ? m_segments[size_t(row)] : GapSegments{};
}

void GapMapView::setSelection(const std::vector<RowRange> &selection)
{
    m_selection = selection;
    m_backfillAction->setEnabled(m_backfill && !m_selection.empty());
    update();
    emit selectionChanged();
}

void GapMapView::clearSelection()
{
    if (m_selection.empty())
        return;
    setSelection({});
}

QColor GapMapView::colorFor(GapState state)
{
    // Okabe–Ito: distinguishable with every common colour-vision deficiency.
    switch (state) {
    case GapState::Bars:
        return QColor(0x00, 0x9E, 0x73); // bluish green
    case GapState::Empty:
        return QColor(0x56, 0xB4, 0xE9); // sky blue
    case GapState::Missing:
        return QColor(0xD5, 0x5E, 0x00); // vermillion
    case GapState::Closed:
        return QColor(0xB8, 0xB8, 0xB8); // neutral grey
    case GapState::None:
        break;
    }
    return {};
}

QString GapMapView::stateName(GapState state)
{
    switch (state) {
    case GapState::Bars:
        return tr("bars stored");
    case GapState::Empty:
        return tr("fetched, no bars");
    case GapState::Missing:
        return tr("never fetched");
    case GapState::Closed:
        return tr("market closed");
    case GapState::None:
        break;
    }
    return tr("not loaded");
}

qint64 GapMapView::now() const
{
    return m_clock ? m_clock() : QDateTime::currentMSecsSinceEpoch();
}

void GapMapView::updateGeometryHelper()
{
    m_labelWidth = std::clamp(width() / 6, 110, 220);
    m_geometry.setPlot(m_labelWidth, std::max(1, width() - m_labelWidth - 8), m_axisHeight,
                       kRowHeight);
    m_geometry.setRowCount(int(m_series.size()));
}

void GapMapView::viewChanged()
{
    const TimeRange v = view();
    // Coverage answers are exact intervals, so zooming in never needs a reload; only a view
    // leaving the loaded window does.
    if (m_loaded.isEmpty() || v.from < m_loaded.from || v.to > m_loaded.to)
        m_reloadTimer.start(150);
    update();
}

void GapMapView::loadCoverage(TimeRange window)
{
    if (!m_store || m_series.isEmpty()) {
        update();
        emit coverageLoaded();
        return;
    }
    window.from = std::max<qint64>(0, window.from - window.from % kMinuteMs);
    window.to = window.to - window.to % kMinuteMs + kMinuteMs;
    const quint64 generation = ++m_generation;
    BarStore *store = m_store;
    const QList<SeriesKey> rows = m_series;
    const qint64 nowMs = now();
    runAsync(
        &m_pool, this,
        [store, rows, window, nowMs] {
            std::vector<GapSegments> out;
            out.reserve(size_t(rows.size()));
            const TimeRange past{window.from, std::min(window.to, nowMs - nowMs % kMinuteMs)};
            for (const SeriesKey &s : rows) {
                if (past.isEmpty()) {
                    out.emplace_back();
                    continue;
                }
                Result<CoverageIntervals> cov = store->coverage(s, past);
                Result<TimeRanges> gaps = store->gaps(s, past);
                out.push_back(GapMapGeometry::classify(past, cov ? *cov : CoverageIntervals{},
                                                       gaps ? *gaps : TimeRanges{past}, nowMs));
            }
            return out;
        },
        [this, generation, rows, window](std::vector<GapSegments> segments) {
            if (generation != m_generation || rows != m_series)
                return; // a newer request or another row set superseded this answer
            m_segments = std::move(segments);
            m_loaded = window;
            update();
            emit coverageLoaded();
        });
}

void GapMapView::onChunkStored(const SeriesKey &series, TimeRange covered)
{
    BARKEEP_ASSERT_THREAD(this);
    const SeriesKey key = series.withTimeframe(QStringLiteral("1m"));
    if (!m_series.contains(key)) {
        // A backfill started elsewhere (API, CLI) for a series not shown yet.
        if (!m_store)
            return;
        addSeries(key);
        return;
    }
    const TimeRange v = view();
    if (covered.to <= std::min(m_loaded.from, v.from)
        || covered.from >= std::max(m_loaded.to, v.to))
        return;
    // Chunks land many times a second: coalesce into one reload of the window.
    if (!m_reloadTimer.isActive()) {
        m_loaded = {};
        m_reloadTimer.start(200);
    }
}

void GapMapView::backfillSelection()
{
    if (!m_backfill || m_selection.empty())
        return;
    QList<QPair<SeriesKey, TimeRange>> jobs;
    for (const RowRange &r : m_selection)
        if (r.row >= 0 && r.row < m_series.size())
            jobs.append({m_series[r.row], r.range});
    BackfillManager *manager = m_backfill;
    runAsync(
        &m_pool, this,
        [manager, jobs] {
            QList<qint64> ids;
            QStringList errors;
            for (const auto &[series, range] : jobs) {
                // Priority 1: what the user asked for on screen goes before queued bulk jobs.
                Result<qint64> id = manager->submit(series, range, 1);
                if (id)
                    ids.append(*id);
                else
                    errors.append(series.symbol + QStringLiteral(": ") + id.error().userMessage());
            }
            return qMakePair(ids, errors.join(QLatin1Char('\n')));
        },
        [this](const QPair<QList<qint64>, QString> &result) {
            if (result.second.isEmpty())
                emit statusMessage(
                    tr("%n backfill job(s) started", nullptr, int(result.first.size())));
            else
                emit statusMessage(result.second);
            emit backfillSubmitted(result.first, result.second);
        });
    clearSelection();
}

bool GapMapView::event(QEvent *event)
{
    if (event->type() == QEvent::ToolTip) {
        auto *help = static_cast<QHelpEvent *>(event);
        const QString text = tooltipAt(help->pos());
        if (text.isEmpty())
            QToolTip::hideText();
        else
            QToolTip::showText(help->globalPos(), text, this);
        return true;
    }
    return QWidget::event(event);
}

QString GapMapView::tooltipAt(QPoint pos) const
{
    const int row = m_geometry.rowAt(pos.y());
    if (row < 0 || pos.x() < m_geometry.left())
        return {};
    const SeriesKey &s = m_series[row];
    const qint64 t = qint64(m_geometry.timeForX(pos.x()));
    const GapSegments segs = segments(row);
    QString text = QStringLiteral("<b>%1</b> · %2 · %3")
                       .arg(s.symbol.toHtmlEscaped(), s.provider.toHtmlEscaped(),
                            s.timeframe.toHtmlEscaped());
    const GapSegment *seg = GapMapGeometry::segmentAt(segs, t);
    const QLocale locale;
    if (seg) {
        text += QStringLiteral("<br>")
                + tr("%1: %2 – %3 UTC")
                      .arg(stateName(seg->state), formatTime(seg->range.from),
                           formatTime(seg->range.to));
        if (seg->state == GapState::Bars)
            text += QStringLiteral(" ")
                    + tr("(%1 bars)").arg(locale.toString(bucketsIn(s, seg->range)));
        else
            text += QStringLiteral(" ")
                    + tr("(%1 minutes)").arg(locale.toString(seg->range.length() / kMinuteMs));
    } else {
        text += QStringLiteral("<br>") + (t >= now() ? tr("the future") : tr("loading…"));
    }
    // The pixel under the cursor may hold several states: give its exact counts.
    const qint64 p0 = qint64(m_geometry.timeForX(std::floor(pos.x())));
    const qint64 p1 = qint64(m_geometry.timeForX(std::floor(pos.x()) + 1));
    if (p1 - p0 >= 2 * kMinuteMs) {
        const GapCounts c = GapMapGeometry::counts(segs, {p0, p1});
        text += QStringLiteral("<br>")
                + tr("Under the cursor, %1 – %2: %3 bars, %4 min empty, %5 min never fetched")
                      .arg(formatTime(p0), formatTime(p1),
                           locale.toString(bucketsIn(s, {0, c.barMinutes * kMinuteMs})),
                           locale.toString(c.emptyMinutes), locale.toString(c.missingMinutes));
    }
    return text;
}

void GapMapView::paintEvent(QPaintEvent *)
{
    QPainter p(this);
    const QPalette pal = palette();
    p.fillRect(rect(), pal.color(QPalette::Base));
    const double left = m_geometry.left();
    const double plotW = m_geometry.width();

    if (m_series.isEmpty()) {
        p.setPen(pal.color(QPalette::PlaceholderText));
        p.drawText(rect().adjusted(8, m_axisHeight, -8, -m_legendHeight),
                   Qt::AlignCenter | Qt::TextWordWrap,
                   tr("Nothing stored yet. Open a chart, or add a series and drag over a range to "
                      "backfill it."));
    }

    // Rows.
    const int rowsBottom = height() - m_legendHeight;
    for (int r = 0; r < m_series.size(); ++r) {
        const double y = m_geometry.rowTop(r);
        if (y >= rowsBottom)
            break;
        const QRectF labelRect(6, y, left - 10, kRowHeight);
        p.setPen(pal.color(QPalette::Text));
        const SeriesKey &s = m_series[r];
        // The timeframe is part of the row: a daily row and a 1m row of one symbol are
        // different series with their own coverage, and a drag on either fetches its candles.
        // Symbol and timeframe first: when the column is narrow the provider is what is cut.
        const QString label = QStringLiteral("%1 · %2 · %3").arg(s.symbol, s.timeframe, s.provider);
        p.drawText(labelRect, Qt::AlignVCenter | Qt::AlignLeft,
                   fontMetrics().elidedText(label, Qt::ElideRight, int(labelRect.width())));
        if (size_t(r) < m_segments.size()) {
            for (const PixelRun &run : m_geometry.runs(m_segments[size_t(r)]))
                p.fillRect(QRectF(left + run.x0, y + 3, run.x1 - run.x0, kRowHeight - 6),
                           colorFor(run.state));
        }
        p.setPen(QPen(pal.color(QPalette::Mid), 0));
        p.drawLine(QPointF(left, y + kRowHeight - 0.5),
                   QPointF(left + plotW, y + kRowHeight - 0.5));
    }

    // "Now" marker.
    const double xNow = m_geometry.xForTime(double(now()));
    if (xNow >= left && xNow <= left + plotW) {
        p.setPen(QPen(pal.color(QPalette::Highlight), 1, Qt::DashLine));
        p.drawLine(QPointF(xNow, m_axisHeight), QPointF(xNow, rowsBottom));
    }

    // Selection (committed, or the one being dragged).
    QColor sel = pal.color(QPalette::Highlight);
    sel.setAlpha(70);
    QColor selBorder = pal.color(QPalette::Highlight);
    p.setPen(QPen(selBorder, 1.5));
    p.setBrush(sel);
    if (m_dragStart) {
        const QRect r = QRect(*m_dragStart, m_dragNow).normalized();
        for (const RowRange &rr :
             m_geometry.selection(r.left(), r.top(), r.right(), r.bottom(), now())) {
            const double x0 = m_geometry.xForTime(double(rr.range.from));
            const double x1 = m_geometry.xForTime(double(rr.range.to));
            p.drawRect(
                QRectF(x0, m_geometry.rowTop(rr.row) + 1, std::max(1.0, x1 - x0), kRowHeight - 2));
        }
    }
    for (const RowRange &rr : m_selection) {
        const double x0 = std::max(left, m_geometry.xForTime(double(rr.range.from)));
        const double x1 = std::min(left + plotW, m_geometry.xForTime(double(rr.range.to)));
        if (x1 > x0)
            p.drawRect(
                QRectF(x0, m_geometry.rowTop(rr.row) + 1, std::max(1.0, x1 - x0), kRowHeight - 2));
    }
    p.setBrush(Qt::NoBrush);

    paintAxis(p);
    paintLegend(p);
}

void GapMapView::paintAxis(QPainter &p) const
{
    const QPalette pal = palette();
    const double left = m_geometry.left();
    const double right = left + m_geometry.width();
    p.fillRect(QRectF(0, 0, width(), m_axisHeight), pal.color(QPalette::Window));
    p.setPen(pal.color(QPalette::Text));
    p.drawText(QRectF(6, 0, left - 10, m_axisHeight), Qt::AlignVCenter | Qt::AlignLeft,
               tr("Series (UTC)"));
    const QColor grid = pal.color(QPalette::Mid);
    // The chart's axis in UTC (the gap map's rows are UTC), ticks at least ~110 px apart.
    const TimeAxis axis;
    for (const TimeAxis::Tick &tick :
         axis.ticks(qint64(m_geometry.viewFrom()), qint64(std::ceil(m_geometry.viewTo())),
                    m_geometry.msPerPixel(), 110)) {
        const double x = m_geometry.xForTime(double(tick.t));
        if (x < left || x > right)
            continue;
        p.setPen(QPen(grid, 0));
        p.drawLine(QPointF(x, m_axisHeight - 5), QPointF(x, m_axisHeight));
        p.setPen(pal.color(QPalette::Text));
        p.drawText(QRectF(x + 3, 0, 120, m_axisHeight), Qt::AlignVCenter | Qt::AlignLeft,
                   tick.label);
    }
    p.setPen(QPen(grid, 0));
    p.drawLine(QPointF(0, m_axisHeight - 0.5), QPointF(width(), m_axisHeight - 0.5));
}

QRect GapMapView::legendRect() const
{
    return QRect(0, height() - m_legendHeight, width(), m_legendHeight);
}

void GapMapView::paintLegend(QPainter &p) const
{
    const QPalette pal = palette();
    const QRect r = legendRect();
    p.fillRect(r, pal.color(QPalette::Window));
    int x = 8;
    const int box = 12;
    for (GapState st : {GapState::Bars, GapState::Empty, GapState::Missing, GapState::Closed}) {
        p.fillRect(QRect(x, r.center().y() - box / 2, box, box), colorFor(st));
        x += box + 5;
        const QString name = stateName(st);
        p.setPen(pal.color(QPalette::Text));
        p.drawText(QRect(x, r.top(), 400, r.height()), Qt::AlignVCenter | Qt::AlignLeft, name);
        x += fontMetrics().horizontalAdvance(name) + 18;
    }
    p.setPen(pal.color(QPalette::PlaceholderText));
    p.drawText(QRect(x, r.top(), width() - x - 8, r.height()), Qt::AlignVCenter | Qt::AlignRight,
               fontMetrics().elidedText(
                   tr("Drag: select · Shift/middle-drag: pan · Wheel: zoom · Double-click: chart"),
                   Qt::ElideRight, std::max(0, width() - x - 8)));
}

void GapMapView::resizeEvent(QResizeEvent *)
{
    updateGeometryHelper();
}

void GapMapView::wheelEvent(QWheelEvent *event)
{
    const double steps = event->angleDelta().y() / 120.0;
    if (steps == 0) {
        // Horizontal wheel / touchpad: pan.
        m_geometry.panByPixels(-event->angleDelta().x() / 2.0);
    } else {
        m_geometry.zoomAt(std::pow(0.8, steps), event->position().x(), kMinSpanMs, kMaxSpanMs);
    }
    viewChanged();
    event->accept();
}

void GapMapView::mousePressEvent(QMouseEvent *event)
{
    setFocus(Qt::MouseFocusReason);
    if (event->button() == Qt::MiddleButton
        || (event->button() == Qt::LeftButton && (event->modifiers() & Qt::ShiftModifier))) {
        m_panning = true;
        m_panLast = event->position().toPoint();
        setCursor(Qt::ClosedHandCursor);
        return;
    }
    if (event->button() == Qt::LeftButton) {
        m_dragStart = event->position().toPoint();
        m_dragNow = *m_dragStart;
    }
}

void GapMapView::mouseMoveEvent(QMouseEvent *event)
{
    const QPoint pos = event->position().toPoint();
    if (m_panning) {
        m_geometry.panByPixels(m_panLast.x() - pos.x());
        m_panLast = pos;
        viewChanged();
        return;
    }
    if (m_dragStart) {
        m_dragNow = pos;
        update();
    }
}

void GapMapView::mouseReleaseEvent(QMouseEvent *event)
{
    if (m_panning) {
        m_panning = false;
        unsetCursor();
        return;
    }
    if (!m_dragStart || event->button() != Qt::LeftButton)
        return;
    const QPoint a = *m_dragStart;
    const QPoint b = event->position().toPoint();
    m_dragStart.reset();
    if (std::abs(b.x() - a.x()) < 3) {
        clearSelection(); // a click, not a drag
        update();
        return;
    }
    setSelection(m_geometry.selection(a.x(), a.y(), b.x(), b.y(), now()));
    if (!m_selection.empty()) {
        qint64 minutes = 0;
        for (const RowRange &r : m_selection)
            minutes += r.range.length() / kMinuteMs;
        emit statusMessage(tr("Selected %1 – %2 UTC on %n series; press B to backfill", nullptr,
                              int(m_selection.size()))
                               .arg(formatTime(m_selection.front().range.from),
                                    formatTime(m_selection.front().range.to)));
    }
}

void GapMapView::mouseDoubleClickEvent(QMouseEvent *event)
{
    const int row = m_geometry.rowAt(event->position().y());
    if (row < 0 || event->position().x() < m_geometry.left())
        return;
    emit openChartRequested(m_series[row], qint64(m_geometry.timeForX(event->position().x())));
}

void GapMapView::keyPressEvent(QKeyEvent *event)
{
    const double mid = m_geometry.left() + m_geometry.width() / 2;
    switch (event->key()) {
    case Qt::Key_Plus:
    case Qt::Key_Equal:
        m_geometry.zoomAt(0.5, mid, kMinSpanMs, kMaxSpanMs);
        break;
    case Qt::Key_Minus:
        m_geometry.zoomAt(2.0, mid, kMinSpanMs, kMaxSpanMs);
        break;
    case Qt::Key_Left:
        m_geometry.panByPixels(-m_geometry.width() / 8);
        break;
    case Qt::Key_Right:
        m_geometry.panByPixels(m_geometry.width() / 8);
        break;
    case Qt::Key_Escape:
        clearSelection();
        return;
    default:
        QWidget::keyPressEvent(event);
        return;
    }
    viewChanged();
}

void GapMapView::contextMenuEvent(QContextMenuEvent *event)
{
    QMenu menu(this);
    menu.addAction(m_backfillAction);
    menu.addSeparator();
    menu.addAction(m_fitAction);
    menu.addAction(m_refreshAction);
    menu.exec(event->globalPos());
}

QSize GapMapView::sizeHint() const
{
    return QSize(900, m_axisHeight + m_legendHeight
                          + std::max<int>(4, int(m_series.size())) * kRowHeight);
}

} // namespace barkeep::ui
