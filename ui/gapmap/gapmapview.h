// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "gapmapgeometry.h"
#include "model/series.h"

#include <QColor>
#include <QList>
#include <QPoint>
#include <QThreadPool>
#include <QTimer>
#include <QWidget>

#include <functional>
#include <optional>

class QAction;

namespace barkeep {
class BarStore;
class BackfillManager;
} // namespace barkeep

namespace barkeep::ui {

// The gap map: one row per series (provider, symbol and timeframe), time across, each stretch coloured by what the coverage
// ledger says (bars / fetched but empty / never fetched / market closed). Wheel zooms from
// years to hours around the cursor, middle- or shift-drag pans, a left drag selects a time
// range over one or several rows for "Backfill", a double-click asks for the chart there.
// GUI thread only: coverage is read with BarStore::coverage()/gaps() on worker threads and
// handed back with a generation counter so a stale answer never overwrites a newer one.
class GapMapView : public QWidget
{
    Q_OBJECT

public:
    explicit GapMapView(BarStore *store, QWidget *parent = nullptr);
    ~GapMapView() override;

    // Jobs are submitted here and chunkStored refreshes the rows; may be null.
    void setBackfillManager(BackfillManager *manager);
    // The rows; reloadSeries() replaces them with every stored series.
    void setSeries(const QList<SeriesKey> &series);
    QList<SeriesKey> series() const { return m_series; }
    // Adds the 1m row of `series` unless present (the series on the chart, even before
    // anything is stored).
    void addSeries(const SeriesKey &series);
    void reloadSeries();

    void setView(TimeRange range);
    TimeRange view() const;
    // Fits the view to the stored extent of all rows (asynchronous).
    void fitAll();
    // Re-reads the coverage of every row for the loaded window.
    void refresh();

    // Test hook: the clock (ms since the epoch) for "now".
    void setClock(std::function<qint64()> clock) { m_clock = std::move(clock); }

    const GapMapGeometry &geometry() const { return m_geometry; }
    // The loaded segments of a row (empty while loading).
    GapSegments segments(int row) const;
    std::vector<RowRange> selection() const { return m_selection; }
    void setSelection(const std::vector<RowRange> &selection);
    void clearSelection();
    QAction *backfillAction() const { return m_backfillAction; }

    static QColor colorFor(GapState state);
    static QString stateName(GapState state);

signals:
    // Coverage of the rows was (re)loaded and painted.
    void coverageLoaded();
    void selectionChanged();
    // Backfill jobs were submitted for the selection (ids), or why not.
    void backfillSubmitted(const QList<qint64> &jobIds, const QString &error);
    void openChartRequested(const barkeep::SeriesKey &series, qint64 t);
    void statusMessage(const QString &text);

public slots:
    void backfillSelection();

protected:
    bool event(QEvent *event) override;
    void paintEvent(QPaintEvent *event) override;
    void resizeEvent(QResizeEvent *event) override;
    void wheelEvent(QWheelEvent *event) override;
    void mousePressEvent(QMouseEvent *event) override;
    void mouseMoveEvent(QMouseEvent *event) override;
    void mouseReleaseEvent(QMouseEvent *event) override;
    void mouseDoubleClickEvent(QMouseEvent *event) override;
    void keyPressEvent(QKeyEvent *event) override;
    void contextMenuEvent(QContextMenuEvent *event) override;
    QSize sizeHint() const override;

private:
    // Own workers: store and provider calls may block for seconds, and the destructor waits
    // for them so no task outlives the services it uses.
    QThreadPool m_pool;
    void updateGeometryHelper();
    void viewChanged();
    void loadCoverage(TimeRange window);
    void onChunkStored(const SeriesKey &series, TimeRange covered);
    qint64 now() const;
    QString tooltipAt(QPoint pos) const;
    void paintAxis(class QPainter &p) const;
    void paintLegend(class QPainter &p) const;
    QRect legendRect() const;

    BarStore *m_store;
    BackfillManager *m_backfill = nullptr;
    std::function<qint64()> m_clock;
    GapMapGeometry m_geometry;
    QList<SeriesKey> m_series;
    std::vector<GapSegments> m_segments;
    TimeRange m_loaded;       // window the segments cover
    quint64 m_generation = 0; // bumps with every coverage request
    quint64 m_seriesGeneration = 0;
    QTimer m_reloadTimer; // coalesces view changes and landed chunks
    bool m_reloadAll = false;
    std::vector<RowRange> m_selection;
    std::optional<QPoint> m_dragStart;
    QPoint m_dragNow;
    bool m_panning = false;
    QPoint m_panLast;
    QAction *m_backfillAction = nullptr;
    QAction *m_fitAction = nullptr;
    QAction *m_refreshAction = nullptr;
    int m_labelWidth = 180;
    int m_axisHeight = 22;
    int m_legendHeight = 24;
};

} // namespace barkeep::ui
