// SPDX-License-Identifier: GPL-3.0-or-later
#include "subscriptionworker.h"

#include "api/apimetrics.h"
#include "util/whenfinished.h"
#include "log/logging.h"
#include "plugin/barstream.h"
#include "services/dataorchestrator.h"
#include "services/marketservice.h"

#include <QThreadPool>
#include <QtConcurrent>

#include <algorithm>

namespace barkeep {

namespace {
qint64 floorMinute(qint64 t)
{
    return t / kMinuteMs * kMinuteMs;
}

void merge(std::optional<Bar> &agg, const Bar &b, qint64 bucket)
{
    if (!agg) {
        agg = b;
        agg->t = bucket;
    } else {
        agg->h = std::max(agg->h, b.h);
        agg->l = std::min(agg->l, b.l);
        agg->c = b.c;
        agg->v += b.v;
    }
}
} // namespace

struct SubscriptionWorker::PollResult
{
    Error error;
    bool ok = false;
    qint64 until = 0;      // every minute before this is closed
    Bars minutes;          // closed 1m bars in [cursor, until)
    bool withForming = false;
    std::optional<Bar> formingMinute;
    // The forming minute could not be asked for: with every closed minute stored already this
    // is the only request a poll makes, so it is what tells that the provider is down.
    std::optional<Error> formingError;
};

SubscriptionWorker::SubscriptionWorker(const SeriesKey &series, DataOrchestrator *orchestrator,
                                       MarketService *market, QThreadPool *pool,
                                       ApiMetrics *metrics, std::function<qint64()> clock,
                                       int pollMs, QObject *parent)
    : QObject(parent), m_series(series), m_tf(*Timeframe::parse(series.timeframe)),
      m_orchestrator(orchestrator), m_market(market), m_pool(pool), m_metrics(metrics),
      m_clock(std::move(clock)), m_rng(std::random_device{}()),
      m_alive(std::make_shared<bool>(true))
{
    m_timer.setInterval(pollMs);
    connect(&m_timer, &QTimer::timeout, this, &SubscriptionWorker::pollNow);
    m_reconnect.setSingleShot(true);
    connect(&m_reconnect, &QTimer::timeout, this, [this] {
        if (m_stream)
            m_stream->open();
    });
    if (m_metrics)
        ++m_metrics->streamUpstreams;
}

SubscriptionWorker::~SubscriptionWorker()
{
    *m_alive = false;
    m_stream.reset();
    if (m_metrics)
        --m_metrics->streamUpstreams;
}

void SubscriptionWorker::start()
{
    m_cursor = m_tf.bucketStart(m_clock());
    if (m_resumeFrom >= 0)
        m_cursor = std::min(m_cursor, m_tf.bucketStart(m_resumeFrom));
    m_minuteCursor = m_cursor;
    m_timer.start();
    pollNow();
    openStream();
}

bool SubscriptionWorker::isStreaming() const
{
    return m_stream && m_stream->isConnected();
}

void SubscriptionWorker::pollNow()
{
    m_fetchFailed = false;
    if (m_busy)
        return;
    if (!m_pending.empty() || m_healDue) {
        drainPending();
        return;
    }
    const qint64 now = m_clock();
    if (isStreaming()) {
        // The stream closes minutes itself; fetch only those it left open past the grace.
        const qint64 due = floorMinute(now - kStreamGraceMs);
        if (m_minuteCursor < due)
            refresh(due, false);
        return;
    }
    refresh(floorMinute(now), true); // no stream, or it is down
}

void SubscriptionWorker::refresh(qint64 until, bool withForming)
{
    m_busy = true;
    const qint64 from = m_minuteCursor;
    const SeriesKey minuteKey = m_series.withTimeframe(QStringLiteral("1m"));
    DataOrchestrator *orchestrator = m_orchestrator;
    MarketService *market = m_market;
    whenFinished(QtConcurrent::run(m_pool, [=]() {
        PollResult r;
        r.until = std::max(from, until);
        r.withForming = withForming;
        if (from < until) {
            Result<Bars> bars = orchestrator->bars(minuteKey, {from, until}, 0);
            if (!bars) {
                r.error = bars.error();
                return r;
            }
            r.minutes = std::move(bars).value();
        }
        // The forming minute, if the provider serves it (exchanges do; the demo does not).
        if (withForming) {
            if (Result<std::shared_ptr<MarketPlugin>> plugin
                = market->plugin(minuteKey.market, minuteKey.provider)) {
                BarRequest req;
                req.symbol = minuteKey.symbol;
                req.since = until;
                req.until = until + kMinuteMs;
                Result<BarBatch> batch = (*plugin)->fetchBars(req);
                if (batch && !batch->bars.empty() && batch->bars.back().t == until)
                    r.formingMinute = batch->bars.back();
                else if (!batch && batch.error().kind() != Error::Kind::Unsupported)
                    r.formingError = batch.error();
            } else {
                r.formingError = plugin.error();
            }
        }
        r.ok = true;
        return r;
    }), this, [this, alive = m_alive](const PollResult &r) {
        if (!*alive)
            return;
        m_busy = false;
        handle(r);
    });
}

void SubscriptionWorker::handle(const PollResult &r)
{
    if (!r.ok) {
        m_fetchFailed = true;
        if (m_metrics)
            ++m_metrics->streamPollErrors;
        qCInfo(lcApi).noquote() << "stream upstream" << m_series.toString() << "failed, retrying:"
                                << r.error.message();
        emit pollFailed(m_series, r.error.message());
        setFailure(r.error);
        return;
    }
    if (r.formingError) {
        if (m_metrics)
            ++m_metrics->streamPollErrors;
        emit pollFailed(m_series, r.formingError->message());
        setFailure(*r.formingError);
    } else {
        clearFailure();
    }
    for (const Bar &b : r.minutes)
        if (b.t >= m_minuteCursor && b.t < r.until && floorMinute(b.t) == b.t
            && (m_minutes.empty() || b.t > m_minutes.back().t))
            m_minutes.push_back(b);
    m_minuteCursor = std::max(m_minuteCursor, r.until);
    // A poll that went out before the stream connected must not overwrite its forming minute.
    if (r.withForming && !isStreaming())
        m_formingMinute = r.formingMinute;
    flush();
    drainPending();
}

void SubscriptionWorker::flush()
{
    if (m_formingMinute && m_formingMinute->t < m_minuteCursor)
        m_formingMinute.reset();
    // Buckets whose every minute is closed become final bars, in order.
    while (m_tf.bucketEnd(m_cursor) <= m_minuteCursor) {
        const qint64 end = m_tf.bucketEnd(m_cursor);
        std::optional<Bar> agg;
        auto it = m_minutes.begin();
        for (; it != m_minutes.end() && it->t < end; ++it)
            if (it->t >= m_cursor)
                merge(agg, *it, m_cursor);
        m_minutes.erase(m_minutes.begin(), it);
        if (agg)
            emit barReady(m_series, *agg, true); // no bar = no trades in that bucket
        m_forming.reset();
        m_cursor = end;
    }
    // The bucket in progress: its closed minutes plus the forming one.
    std::optional<Bar> forming;
    for (const Bar &b : m_minutes)
        merge(forming, b, m_cursor);
    if (m_formingMinute && m_formingMinute->t >= m_cursor
        && m_formingMinute->t < m_tf.bucketEnd(m_cursor))
        merge(forming, *m_formingMinute, m_cursor);
    if (forming && (!m_forming || !(*m_forming == *forming))) {
        m_forming = forming;
        emit barReady(m_series, *forming, false);
    }
}

void SubscriptionWorker::setFailure(const Error &error)
{
    const bool first = !m_failure;
    m_failure = error;
    if (first) {
        qCWarning(lcStream).noquote() << m_series.toString() << "upstream failing:" << error.toString();
        emit upstreamFailed(m_series, error);
    }
}

void SubscriptionWorker::clearFailure()
{
    if (!m_failure)
        return;
    m_failure.reset();
    qCInfo(lcStream).noquote() << m_series.toString() << "upstream recovered";
    emit upstreamRecovered(m_series);
}

// --- the provider stream ------------------------------------------------------------------

void SubscriptionWorker::openStream()
{
    // Instantiating the plugin and loading its symbols may block: done on the pool; the
    // stream itself is made here, on the thread that owns it.
    const SeriesKey key = m_series;
    MarketService *market = m_market;
    whenFinished(QtConcurrent::run(m_pool, [=]() -> std::shared_ptr<MarketPlugin> {
        Result<std::shared_ptr<MarketPlugin>> plugin = market->plugin(key.market, key.provider);
        if (!plugin || !(*plugin)->symbols())
            return nullptr;
        return *plugin;
    }), this, [this, alive = m_alive](std::shared_ptr<MarketPlugin> plugin) {
        if (!*alive)
            return;
        if (!plugin) {
            scheduleReconnect(); // a transient failure: try again later; polling meanwhile
            return;
        }
        m_stream = plugin->openStream(m_series.symbol, QStringLiteral("1m"));
        if (!m_stream) {
            qCDebug(lcStream).noquote() << m_series.toString() << "has no provider stream: polling";
            return;
        }
        m_stream->setParent(nullptr);
        connect(m_stream.get(), &BarStream::barReceived, this, &SubscriptionWorker::onStreamBar);
        connect(m_stream.get(), &BarStream::connected, this, &SubscriptionWorker::onStreamConnected);
        connect(m_stream.get(), &BarStream::disconnected, this,
                &SubscriptionWorker::onStreamDisconnected);
        m_stream->open();
    });
}

void SubscriptionWorker::scheduleReconnect()
{
    // Exponential backoff with jitter: the delay doubles per failed attempt up to the cap, and
    // is drawn from its upper half so that many series losing one exchange do not reconnect
    // in lockstep (Binance allows 300 connection attempts per 5 minutes per IP).
    const int shift = std::min(m_attempts, 16);
    const qint64 cap = std::min<qint64>(kBackoffMaxMs, qint64(kBackoffBaseMs) << shift);
    std::uniform_int_distribution<qint64> half(cap / 2, cap);
    ++m_attempts;
    if (!m_stream) {
        QTimer::singleShot(int(half(m_rng)), this, [this] {
            if (!m_stream)
                openStream();
        });
        return;
    }
    m_reconnect.start(int(half(m_rng)));
}

void SubscriptionWorker::onStreamConnected()
{
    m_attempts = 0;
    qCInfo(lcStream).noquote() << m_series.toString() << "streams from the provider";
    // Heal the window the stream did not cover (startup, or the time it was down) before any
    // newer final bar: drainPending() fetches it first.
    m_healDue = true;
    drainPending();
}

void SubscriptionWorker::onStreamDisconnected(const QString &reason)
{
    emit pollFailed(m_series, QStringLiteral("provider stream lost: ") + reason);
    m_pending.clear(); // the reconnect heals over REST whatever they carried
    scheduleReconnect();
}

void SubscriptionWorker::onStreamBar(const Bar &bar, bool final)
{
    if (bar.t != floorMinute(bar.t) || !bar.isFinite())
        return; // a 1m stream never sends these; never let one shift the cursor
    // Coalesce forming updates that queue up behind a fetch: only the latest matters.
    if (!final && !m_pending.empty() && !m_pending.back().final && m_pending.back().bar.t == bar.t)
        m_pending.back().bar = bar;
    else
        m_pending.push_back({bar, final});
    drainPending();
}

void SubscriptionWorker::drainPending()
{
    while (!m_busy) {
        if (m_healDue) {
            if (m_fetchFailed)
                return; // the next tick retries
            m_healDue = false;
            refresh(floorMinute(m_clock()), false);
            continue;
        }
        if (m_pending.empty())
            return;
        const StreamEvent e = m_pending.front();
        if (e.bar.t > m_minuteCursor) {
            // A hole between the cursor and this bar: every minute before it is closed (the
            // provider is past them), so fetch them over REST first.
            if (m_fetchFailed)
                return;
            refresh(e.bar.t, false);
            return;
        }
        m_pending.pop_front();
        apply(e);
    }
}

void SubscriptionWorker::apply(const StreamEvent &e)
{
    const Bar &b = e.bar;
    if (!e.final) {
        if (b.t < m_minuteCursor)
            return; // stale: that minute is already closed
        m_formingMinute = b;
        flush();
        return;
    }
    persist(b);
    if (b.t == m_minuteCursor) {
        m_minutes.push_back(b);
        m_minuteCursor += kMinuteMs;
        flush();
        return;
    }
    // A minute closed before: a correction (Alpaca's updatedBars) counts while its bucket is
    // still open; once the bucket went out as final it is not sent again.
    if (b.t < m_cursor)
        return;
    auto it = std::lower_bound(m_minutes.begin(), m_minutes.end(), b.t,
                               [](const Bar &x, qint64 t) { return x.t < t; });
    if (it != m_minutes.end() && it->t == b.t)
        *it = b;
    else
        m_minutes.insert(it, b);
    flush();
}

// A final bar from the stream is history: store it with its coverage, off this thread (bars
// fetched over REST are stored by the orchestrator already).
void SubscriptionWorker::persist(const Bar &bar)
{
    DataOrchestrator *orchestrator = m_orchestrator;
    const SeriesKey key = m_series.withTimeframe(QStringLiteral("1m"));
    (void)QtConcurrent::run(m_pool, [orchestrator, key, bar] {
        const Result<qint64> r = orchestrator->storeClosed(key, Bars{bar}, {bar.t, bar.t + kMinuteMs});
        if (!r)
            qCWarning(lcStream).noquote() << key.toString() << "streamed bar not stored:" << r.error().message();
    });
}

} // namespace barkeep
