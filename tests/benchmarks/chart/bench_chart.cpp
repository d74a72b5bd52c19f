// SPDX-License-Identifier: GPL-3.0-or-later
// ChartView against Qt Charts' QCandlestickSeries, both measured in this run (offscreen,
// 1600x900, rendered into a QImage). The 1M first frame is also measured the way the app gets
// there: open a SQLite store file holding 1M bars, read them through DataOrchestrator (with
// the default memory cache, as Application sets it up) with ChartLoader on a pool thread, hand
// them to the chart and paint: MainWindow's path. The untimed write of that store file runs in
// a child process (`--write-store DIR N`), and in the full run the SQLite rows themselves run
// in a child (`--store-only`), so their RSS is the app path's alone: VmRSS after the load, the
// first frame, a zoom-out (the pyramid built) and the loader's heap release.
// Not a ctest test: run `bench_chart` (about a minute),
// `bench_chart --quick` (10k only, seconds) or `--smoke` (ours at 10k, no baseline: the ctest
// entry). `--save DIR` writes the first frames as PNG.
//
// Prints: name | barkeep | baseline | ratio | goal | pass/miss
// Times are wall clock. On a shared machine a frame also waits for a CPU, so the "cpu" rows
// give the process CPU time per frame next to it, and the load average is printed.
#include "cache/barcache.h"
#include "chart/chartloader.h"
#include "chart/chartview.h"
#include "config/config.h"
#include "plugin/pluginregistry.h"
#include "services/dataorchestrator.h"
#include "services/marketservice.h"
#include "storage/store.h"

#include <QApplication>
#include <QCandlestickSeries>
#include <QCandlestickSet>
#include <QChart>
#include <QChartView>
#include <QDateTimeAxis>
#include <QElapsedTimer>
#include <QDir>
#include <QFile>
#include <QProcess>
#include <QThreadPool>
#include <QtConcurrent>
#include <QImage>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QValueAxis>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <numeric>
#include <optional>
#include <vector>

using namespace barkeep;
using namespace barkeep::ui;

namespace {

constexpr QSize kSize(1600, 900);
constexpr int kPanFrames = 300;
constexpr int kBaselinePanFrames = 10;

Bars makeBars(qsizetype n)
{
    QRandomGenerator rng(42);
    Bars bars;
    bars.reserve(size_t(n));
    double price = 30000;
    qint64 t = 1'600'000'020'000;
    for (qsizetype i = 0; i < n; ++i) {
        const double o = price;
        const double c = std::max(100.0, o + (rng.generateDouble() - 0.5) * 40);
        bars.push_back(Bar{t, o, std::max(o, c) + rng.generateDouble() * 15,
                           std::min(o, c) - rng.generateDouble() * 15, c,
                           rng.generateDouble() * 50});
        price = c;
        t += kMinuteMs;
        if (rng.bounded(5000) == 0) // an occasional outage: time stays continuous
            t += kMinuteMs * rng.bounded(1, 600);
    }
    return bars;
}

double rssMiB()
{
    QFile f(QStringLiteral("/proc/self/status"));
    if (!f.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray &line : f.readAll().split('\n')) {
        if (line.startsWith("VmRSS:"))
            return line.mid(6).trimmed().split(' ').first().toDouble() / 1024;
    }
    return -1;
}

struct Stats
{
    double mean = 0, p99 = 0;
};

Stats stats(std::vector<double> v)
{
    Stats s;
    if (v.empty())
        return s;
    s.mean = std::accumulate(v.begin(), v.end(), 0.0) / double(v.size());
    std::sort(v.begin(), v.end());
    s.p99 = v[std::min(v.size() - 1, size_t(double(v.size()) * 0.99))];
    return s;
}

// Process CPU time in ms (all threads: Qt may fill on its thread pool).
double cpuMs()
{
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return double(ts.tv_sec) * 1e3 + double(ts.tv_nsec) / 1e6;
}

QString loadAverage()
{
    QFile f(QStringLiteral("/proc/loadavg"));
    if (!f.open(QIODevice::ReadOnly))
        return QStringLiteral("?");
    return QString::fromLatin1(f.readAll().split(' ').mid(0, 3).join(' '));
}

double ms(const QElapsedTimer &t)
{
    return double(t.nsecsElapsed()) / 1e6;
}

struct Row
{
    QString name;
    std::optional<double> ours, baseline;
    QString unit;
    double goal = 0; // 0: no goal
    QString goalText;
};

std::vector<Row> rows;

void print(const Row &r)
{
    auto num = [&](std::optional<double> v) {
        return v ? QStringLiteral("%1 %2").arg(*v, 0, 'f', *v < 10 ? 2 : 1).arg(r.unit)
                 : QStringLiteral("-");
    };
    const QString ratio = r.ours && r.baseline && *r.ours > 0
                              ? QStringLiteral("%1x").arg(*r.baseline / *r.ours, 0, 'f', 1)
                              : QStringLiteral("-");
    const QString verdict = r.goal <= 0 || !r.ours ? QStringLiteral("-")
                            : *r.ours <= r.goal    ? QStringLiteral("pass")
                                                   : QStringLiteral("miss");
    std::printf("%-34s | %12s | %12s | %8s | %10s | %s\n", qPrintable(r.name),
                qPrintable(num(r.ours)), qPrintable(num(r.baseline)), qPrintable(ratio),
                qPrintable(r.goalText.isEmpty() ? QStringLiteral("-") : r.goalText),
                qPrintable(verdict));
    std::fflush(stdout);
}

Row &row(const QString &name)
{
    for (Row &r : rows)
        if (r.name == name)
            return r;
    rows.push_back(Row{name, {}, {}, QStringLiteral("ms"), 0, {}});
    return rows.back();
}

// Our figure on the row `name`, in `unit`; with a goal > 0 it passes at `goal` or less.
void setOurs(const QString &name, double ours, double goal = 0,
             const QString &unit = QStringLiteral("ms"))
{
    Row &r = row(name);
    r.ours = ours;
    r.unit = unit;
    if (goal > 0) {
        r.goal = goal;
        r.goalText = QStringLiteral("<= %1 %2").arg(goal).arg(unit);
    }
}

QString label(qsizetype n)
{
    return n >= 1'000'000 ? QStringLiteral("%1M").arg(n / 1'000'000)
                          : QStringLiteral("%1k").arg(n / 1000);
}

struct OursResult
{
    double first = 0, firstCpu = 0;
    double zoomOut = 0, zoomOutCpu = 0; // the first fitAll frame: builds the coarse levels
    Stats panRecent, panAll;
    double panAllCpu = 0;
    double rss = 0;
};

std::vector<double> panFrames(ChartView &view, QImage &img, int frames, double *cpuPerFrame)
{
    std::vector<double> out;
    out.reserve(size_t(frames));
    const double cpu0 = cpuMs();
    for (int i = 0; i < frames; ++i) {
        QElapsedTimer t;
        t.start();
        // Drag to the left in 7 px steps (back in time), then forward again.
        view.panByPixels(i < frames / 2 ? -7 : 7);
        view.render(&img);
        out.push_back(ms(t));
    }
    if (cpuPerFrame)
        *cpuPerFrame = (cpuMs() - cpu0) / frames;
    return out;
}

OursResult runOurs(qsizetype n, const QString &saveDir)
{
    OursResult r;
    Bars bars = makeBars(n);
    ChartView view;
    view.resize(kSize);
    view.setTitle(QStringLiteral("bench · %1 bars · 1m").arg(label(n)));
    QImage img(kSize, QImage::Format_ARGB32_Premultiplied);
    QElapsedTimer t;
    t.start();
    const double cpu0 = cpuMs();
    view.setBars(std::move(bars), kMinuteMs);
    view.render(&img);
    r.first = ms(t);
    r.firstCpu = cpuMs() - cpu0;
    if (!saveDir.isEmpty())
        img.save(saveDir + QStringLiteral("/chart-%1.png").arg(label(n)));
    r.panRecent = stats(panFrames(view, img, kPanFrames, nullptr));
    QElapsedTimer z;
    z.start();
    const double zoomCpu0 = cpuMs();
    view.fitAll();
    view.render(&img);
    r.zoomOut = ms(z);
    r.zoomOutCpu = cpuMs() - zoomCpu0;
    if (!saveDir.isEmpty())
        img.save(saveDir + QStringLiteral("/chart-%1-all.png").arg(label(n)));
    r.panAll = stats(panFrames(view, img, kPanFrames, &r.panAllCpu));
    r.rss = rssMiB();
    return r;
}

const SeriesKey kSeries{QStringLiteral("crypto"), QStringLiteral("demo"),
                        QStringLiteral("BENCH/USDT"), QStringLiteral("1m")};

// Writes n bars into a fresh SQLite store file in dir (not timed) and returns its URL. Run in
// a child process (--write-store), so the measured process never held these bars.
QString writeStore(const QString &dir, qsizetype n, TimeRange *range)
{
    const QString url = QStringLiteral("sqlite://") + QDir(dir).filePath(QStringLiteral("chart.db"));
    auto store = createBarStore(url);
    if (!store || !(*store)->open())
        return {};
    const Bars bars = makeBars(n);
    constexpr size_t kChunk = 100'000;
    for (size_t i = 0; i < bars.size(); i += kChunk) {
        const size_t end = std::min(bars.size(), i + kChunk);
        const Bars chunk(bars.begin() + qsizetype(i), bars.begin() + qsizetype(end));
        // Covered up to the next chunk, so an outage between chunks is "empty", not a hole.
        const qint64 to = end < bars.size() ? bars[end].t : bars.back().t + kMinuteMs;
        if (!(*store)->writeBars(kSeries, chunk, {chunk.front().t, to}))
            return {};
    }
    (*store)->close();
    *range = {bars.front().t, bars.back().t + kMinuteMs};
    return url;
}

// The child's side of writeStore: prints "range FROM TO".
int writeStoreMain(const QString &dir, qsizetype n)
{
    TimeRange range;
    if (writeStore(dir, n, &range).isEmpty()) {
        std::fprintf(stderr, "cannot write the store in %s\n", qPrintable(dir));
        return 1;
    }
    std::printf("range %lld %lld\n", qlonglong(range.from), qlonglong(range.to));
    return 0;
}

// Runs this driver again with args; its stdout, or an error.
std::optional<QByteArray> runChild(const QStringList &args, QString *error)
{
    QProcess child;
    child.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    child.start(QCoreApplication::applicationFilePath(), args);
    if (!child.waitForFinished(-1) || child.exitStatus() != QProcess::NormalExit
        || child.exitCode() != 0) {
        *error = QStringLiteral("%1 failed: %2").arg(args.join(u' '), child.errorString());
        return std::nullopt;
    }
    return child.readAllStandardOutput();
}

struct StoreResult
{
    double first = 0, firstCpu = 0; // open + read + setBars + paint
    double load = 0, loadCpu = 0;   // open + read
    double rss = 0, rssBefore = 0, dataMiB = 0;
    qsizetype count = 0;
    QString error;
};

// Cold start of a chart on a stored series the way MainWindow does it: open the store file,
// read through the orchestrator with ChartLoader on a pool thread, setBars (moved), the
// loader's release on the pool, paint. The page cache is warm (the file was just written), as
// after any earlier run.
StoreResult runFromStore(qsizetype n, const QString &saveDir)
{
    StoreResult r;
    QTemporaryDir dir;
    TimeRange range;
    {
        const std::optional<QByteArray> out = runChild(
            {QStringLiteral("--write-store"), dir.path(), QString::number(n)}, &r.error);
        if (!out)
            return r;
        const QList<QByteArray> words = out->trimmed().split(' ');
        if (words.size() != 3 || words[0] != "range") {
            r.error = QStringLiteral("the store writer said: %1").arg(QString::fromUtf8(*out));
            return r;
        }
        range = {words[1].toLongLong(), words[2].toLongLong()};
    }
    const QString url = QStringLiteral("sqlite://") + dir.filePath(QStringLiteral("chart.db"));
    ConfigSources sources;
    sources.dataDir = dir.path();
    const Config config = Config::load(sources).config;
    PluginRegistry registry; // the demo provider: every minute is covered, nothing is fetched
    registry.discover();
    MarketService market(&registry, config);
    QThreadPool pool; // the window's own pool
    pool.setMaxThreadCount(4);
    ChartView view;
    view.resize(kSize);
    view.setTitle(QStringLiteral("bench · %1 bars from SQLite · 1m").arg(label(n)));
    QImage img(kSize, QImage::Format_ARGB32_Premultiplied);
    view.render(&img); // an empty chart painted once, as the window shows before its load
    r.rssBefore = rssMiB();

    QElapsedTimer t;
    t.start();
    const double cpu0 = cpuMs();
    auto store = createBarStore(url);
    auto cache = createBarCache(config.cacheUrl(),
                                config.integer(QStringLiteral("cache.memoryMaxBytes")),
                                int(config.integer(QStringLiteral("cache.ttlSec"))));
    if (!store || !cache || !(*store)->open() || !(*cache)->open()) {
        r.error = QStringLiteral("cannot open the store");
        return r;
    }
    DataOrchestrator orchestrator(store->get(), cache->get(), &market);
    const ChartLoader loader(&orchestrator, &pool);
    Result<Bars> bars
        = QtConcurrent::run(&pool, [&loader, range] { return loader.read(kSeries, range); })
              .takeResult();
    r.load = ms(t);
    r.loadCpu = cpuMs() - cpu0;
    if (!bars) {
        r.error = bars.error().message();
        return r;
    }
    r.count = qsizetype(bars->size());
    view.setBars(std::move(bars).value(), kMinuteMs);
    loader.releaseAfter(size_t(r.count));
    view.render(&img);
    r.first = ms(t);
    r.firstCpu = cpuMs() - cpu0;
    if (!saveDir.isEmpty())
        img.save(saveDir + QStringLiteral("/chart-%1-sqlite.png").arg(label(n)));
    // RSS as the app holds it: the chart's bars and pyramid (after a zoom out), the store and
    // cache open, the release done.
    view.fitAll();
    view.render(&img);
    pool.waitForDone();
    r.rss = rssMiB();
    r.dataMiB = double(view.levels().entryCount() * sizeof(Bar)) / (1 << 20);
    return r;
}

struct BaselineResult
{
    double first = 0, firstCpu = 0;
    std::optional<double> pan, panCpu;
};

BaselineResult runBaseline(qsizetype n, const QString &saveDir)
{
    BaselineResult r;
    const Bars bars = makeBars(n);
    QImage img(kSize, QImage::Format_ARGB32_Premultiplied);
    QElapsedTimer t;
    t.start();
    const double cpu0 = cpuMs();
    // The documented usage: one QCandlestickSet per bar, a date-time and a value axis.
    auto *series = new QCandlestickSeries;
    series->setIncreasingColor(QColor(0x26, 0xa6, 0x9a));
    series->setDecreasingColor(QColor(0xef, 0x53, 0x50));
    QList<QCandlestickSet *> sets;
    sets.reserve(n);
    double lo = bars.front().l, hi = bars.front().h;
    for (const Bar &b : bars) {
        sets.append(new QCandlestickSet(b.o, b.h, b.l, b.c, qreal(b.t)));
        lo = std::min(lo, b.l);
        hi = std::max(hi, b.h);
    }
    series->append(sets); // one batch: the kindest way to fill it
    auto *chart = new QChart;
    chart->addSeries(series);
    chart->legend()->hide();
    auto *x = new QDateTimeAxis;
    x->setRange(QDateTime::fromMSecsSinceEpoch(bars.front().t),
                QDateTime::fromMSecsSinceEpoch(bars.back().t + kMinuteMs));
    auto *y = new QValueAxis;
    y->setRange(lo, hi);
    chart->addAxis(x, Qt::AlignBottom);
    chart->addAxis(y, Qt::AlignRight);
    series->attachAxis(x);
    series->attachAxis(y);
    QChartView cv(chart);
    cv.resize(kSize);
    static_cast<QWidget &>(cv).render(&img);
    r.first = ms(t);
    r.firstCpu = cpuMs() - cpu0;
    if (!saveDir.isEmpty())
        img.save(saveDir + QStringLiteral("/baseline-%1.png").arg(label(n)));
    // Pan frames only where they finish in seconds (at 100k one frame takes seconds).
    if (r.first < 5'000) {
        std::vector<double> frames;
        const double panCpu0 = cpuMs();
        for (int i = 0; i < kBaselinePanFrames; ++i) {
            QElapsedTimer f;
            f.start();
            chart->scroll(-7, 0);
            static_cast<QWidget &>(cv).render(&img);
            frames.push_back(ms(f));
        }
        r.pan = stats(frames).mean;
        r.panCpu = (cpuMs() - panCpu0) / kBaselinePanFrames;
    }
    return r;
}

} // namespace

int main(int argc, char **argv)
{
    if (!qEnvironmentVariableIsSet("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    // The untimed store write of the SQLite rows (a child process; see runFromStore).
    if (argc == 4 && qstrcmp(argv[1], "--write-store") == 0) {
        QCoreApplication core(argc, argv);
        return writeStoreMain(QString::fromLocal8Bit(argv[2]), QByteArray(argv[3]).toLongLong());
    }
    QApplication app(argc, argv);
    const QStringList args = app.arguments();
    const bool smoke = args.contains(QStringLiteral("--smoke"));
    const bool quick = smoke || args.contains(QStringLiteral("--quick"));
    // Only the SQLite rows, in a fresh process (its RSS not raised by the runs before it).
    const bool storeOnly = args.contains(QStringLiteral("--store-only"));
    const int saveAt = int(args.indexOf(QStringLiteral("--save")));
    const QString saveDir
        = saveAt > 0 && saveAt + 1 < args.size() ? args.at(saveAt + 1) : QString();

    std::vector<qsizetype> ourSizes{10'000, 100'000, 1'000'000};
    std::vector<qsizetype> baseSizes{10'000, 100'000};
    if (quick) {
        ourSizes = {10'000};
        baseSizes = {10'000};
    }
    if (smoke)
        baseSizes.clear();
    if (storeOnly) {
        ourSizes.clear();
        baseSizes.clear();
    }
    std::printf(
        "bench_chart: %dx%d offscreen, QImage ARGB32 target; pan = panByPixels(7) + render\n",
        kSize.width(), kSize.height());
    std::printf("RSS before loading: %.1f MiB; load average %s\n", rssMiB(),
                qPrintable(loadAverage()));
    std::printf("%-34s | %12s | %12s | %8s | %10s | %s\n", "name", "barkeep", "baseline", "ratio",
                "goal", "pass/miss");

    // Ours first, so the RSS after 1M is not inflated by the baseline's QObjects.
    for (qsizetype n : ourSizes) {
        const OursResult r = runOurs(n, saveDir);
        const QString l = label(n);
        setOurs(QStringLiteral("first frame %1 (setBars+paint)").arg(l), r.first, 300);
        setOurs(QStringLiteral("first frame cpu %1").arg(l), r.firstCpu, 300);
        setOurs(QStringLiteral("zoom-out frame %1 (builds LOD)").arg(l), r.zoomOut);
        setOurs(QStringLiteral("zoom-out frame cpu %1").arg(l), r.zoomOutCpu);
        setOurs(QStringLiteral("pan frame mean %1 (last 200)").arg(l), r.panRecent.mean, 4);
        setOurs(QStringLiteral("pan frame mean %1 (all bars)").arg(l), r.panAll.mean, 4);
        setOurs(QStringLiteral("pan frame cpu %1 (all bars)").arg(l), r.panAllCpu, 4);
        setOurs(QStringLiteral("pan frame p99 %1 (all bars)").arg(l),
                std::max(r.panAll.p99, r.panRecent.p99), 4);
        if (n == 1'000'000)
            setOurs(QStringLiteral("RSS with 1M loaded"), r.rss, 150, QStringLiteral("MiB"));
    }
    // The full run measures the SQLite rows in a child (`--store-only`): a fresh process, so
    // their RSS is not raised by the in-memory runs above. Its rows are printed with ours.
    QList<QByteArray> childLines;
    if (!quick && !storeOnly) {
        QString error;
        QStringList childArgs{QStringLiteral("--store-only")};
        if (!saveDir.isEmpty())
            childArgs << QStringLiteral("--save") << saveDir;
        const std::optional<QByteArray> out = runChild(childArgs, &error);
        if (!out) {
            std::fprintf(stderr, "SQLite run failed: %s\n", qPrintable(error));
            return 1;
        }
        childLines = out->trimmed().split('\n');
    } else {
        const qsizetype n = quick && !storeOnly ? 10'000 : 1'000'000;
        const StoreResult r = runFromStore(n, saveDir);
        const QString l = label(n);
        if (!r.error.isEmpty()) {
            std::fprintf(stderr, "SQLite run failed: %s\n", qPrintable(r.error));
            return 1;
        }
        if (r.count != n) {
            std::fprintf(stderr, "SQLite run read %lld bars, wanted %lld\n",
                         qlonglong(r.count), qlonglong(n));
            return 1;
        }
        setOurs(QStringLiteral("SQLite open+read %1 (orchestrator)").arg(l), r.load);
        setOurs(QStringLiteral("SQLite open+read cpu %1").arg(l), r.loadCpu);
        setOurs(QStringLiteral("first frame %1 incl. SQLite load").arg(l), r.first, 300);
        setOurs(QStringLiteral("first frame cpu %1 incl. SQLite").arg(l), r.firstCpu, 300);
        setOurs(QStringLiteral("RSS with %1 from SQLite (app path)").arg(l), r.rss,
                n == 1'000'000 ? 150 : 0, QStringLiteral("MiB"));
        std::printf("SQLite %s: RSS %.1f MiB = %.1f MiB before the load (Qt, plugins, empty "
                    "chart) + %.1f MiB bars and zoom levels + %.1f MiB the rest (store, cache, "
                    "heap); VmRSS after load, first frame, zoom-out and the loader's release\n",
                    qPrintable(l), r.rss, r.rssBefore, r.dataMiB,
                    r.rss - r.rssBefore - r.dataMiB);
    }
    for (qsizetype n : baseSizes) {
        const BaselineResult r = runBaseline(n, saveDir);
        const QString l = label(n);
        row(QStringLiteral("first frame %1 (setBars+paint)").arg(l)).baseline = r.first;
        row(QStringLiteral("first frame cpu %1").arg(l)).baseline = r.firstCpu;
        if (r.pan) {
            row(QStringLiteral("pan frame mean %1 (all bars)").arg(l)).baseline = r.pan;
            row(QStringLiteral("pan frame cpu %1 (all bars)").arg(l)).baseline = r.panCpu;
        }
    }
    for (const Row &r : rows)
        print(r);
    // The child's rows, then its notes (prefixed).
    for (const QByteArray &line : childLines)
        if (line.count('|') == 5 && !line.startsWith("name"))
            std::printf("%s\n", line.constData());
    for (const QByteArray &line : childLines)
        if (line.count('|') != 5)
            std::printf("store run (child process): %s\n", line.constData());
    if (!quick && !storeOnly)
        std::printf("baseline skipped at 1M (QCandlestickSeries does not finish); the "
                    "setBars+paint rows start from bars in memory, the SQLite rows from the file\n");
    std::printf("load average after: %s\n", qPrintable(loadAverage()));
    // The smoke run fails only if the chart could not draw at all.
    for (const Row &r : rows)
        if (r.ours && *r.ours <= 0)
            return 1;
    return 0;
}
