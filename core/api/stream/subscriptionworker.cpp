// SPDX-License-Identifier: GPL-3.0-or-later
#include "subscriptionworker.h"

#include "api/apimetrics.h"
#include "log/logging.h"
#include "services/dataorchestrator.h"
#include "services/marketservice.h"

#include <QThreadPool>
#include <QtConcurrent>

namespace barkeep {

struct SubscriptionWorker::PollResult
{
    Error error;
    bool ok = false;
    qint64 closedEnd = 0;  // every minute before this is closed
    Bars minutes;          // closed 1m bars from the cursor on
    std::optional<Bar> formingMinute;
};

SubscriptionWorker::SubscriptionWorker(const SeriesKey &series, DataOrchestrator *orchestrator,
                                       MarketService *market, QThreadPool *pool,
                                       ApiMetrics *metrics, std::function<qint64()> clock,
                                       int pollMs, QObject *parent)
    : QObject(parent), m_series(series), m_tf(*Timeframe::parse(series.timeframe)),
      m_orchestrator(orchestrator), m_market(market), m_pool(pool), m_metrics(metrics),
      m_clock(std::move(clock)), m_alive(std::make_shared<bool>(true))
{
    m_timer.setInterval(pollMs);
    connect(&m_timer, &QTimer::timeout, this, &SubscriptionWorker::pollNow);
    if (m_metrics)
        ++m_metrics->streamUpstreams;
}

SubscriptionWorker::~SubscriptionWorker()
{
    *m_alive = false;
    if (m_metrics)
        --m_metrics->streamUpstreams;
}

void SubscriptionWorker::start()
{
    m_cursor = m_tf.bucketStart(m_clock());
    m_timer.start();
    pollNow();
}

void SubscriptionWorker::pollNow()
{
    if (m_busy)
        return;
    m_busy = true;
    const qint64 now = m_clock();
    const qint64 closedEnd = now / kMinuteMs * kMinuteMs;
    const qint64 from = m_cursor;
    const SeriesKey minuteKey = m_series.withTimeframe(QStringLiteral("1m"));
    DataOrchestrator *orchestrator = m_orchestrator;
    MarketService *market = m_market;
    QtConcurrent::run(m_pool, [=]() {
        PollResult r;
        r.closedEnd = closedEnd;
        if (from < closedEnd) {
            Result<Bars> bars = orchestrator->bars(minuteKey, {from, closedEnd}, 0);
            if (!bars) {
                r.error = bars.error();
                return r;
            }
            r.minutes = std::move(bars).value();
        }
        // The forming minute, if the provider serves it (exchanges do; the demo does not).
        if (Result<std::shared_ptr<MarketPlugin>> plugin = market->plugin(minuteKey.market, minuteKey.provider)) {
            BarRequest req;
            req.symbol = minuteKey.symbol;
            req.since = closedEnd;
            req.until = closedEnd + kMinuteMs;
            if (Result<BarBatch> batch = (*plugin)->fetchBars(req); batch && !batch->bars.empty()
                && batch->bars.back().t == closedEnd)
                r.formingMinute = batch->bars.back();
        }
        r.ok = true;
        return r;
    }).then(this, [this, alive = m_alive](const PollResult &r) {
        if (!*alive)
            return;
        m_busy = false;
        handle(r);
    });
}

void SubscriptionWorker::handle(const PollResult &r)
{
    if (!r.ok) {
        if (m_metrics)
            ++m_metrics->streamPollErrors;
        qCInfo(lcApi).noquote() << "stream upstream" << m_series.toString() << "failed, retrying:"
                                << r.error.message();
        emit pollFailed(m_series, r.error.message());
        return;
    }
    // Walk the buckets from the cursor: closed ones become final bars, in order.
    size_t i = 0;
    const Bars &m = r.minutes;
    while (m_cursor < r.closedEnd) {
        const qint64 end = m_tf.bucketEnd(m_cursor);
        if (end > r.closedEnd)
            break;
        std::optional<Bar> agg;
        for (; i < m.size() && m[i].t < end; ++i) {
            if (m[i].t < m_cursor)
                continue;
            if (!agg) {
                agg = m[i];
                agg->t = m_cursor;
            } else {
                agg->h = std::max(agg->h, m[i].h);
                agg->l = std::min(agg->l, m[i].l);
                agg->c = m[i].c;
                agg->v += m[i].v;
            }
        }
        if (agg)
            emit barReady(m_series, *agg, true); // no bar = no trades in that bucket
        m_forming.reset();
        m_cursor = end;
    }
    // The bucket in progress: its closed minutes plus the forming one.
    std::optional<Bar> forming;
    Bars rest(m.begin() + qsizetype(i), m.end());
    if (r.formingMinute)
        rest.push_back(*r.formingMinute);
    for (const Bar &b : rest) {
        if (b.t < m_cursor)
            continue;
        if (!forming) {
            forming = b;
            forming->t = m_cursor;
        } else {
            forming->h = std::max(forming->h, b.h);
            forming->l = std::min(forming->l, b.l);
            forming->c = b.c;
            forming->v += b.v;
        }
    }
    if (forming && (!m_forming || !(*m_forming == *forming))) {
        m_forming = forming;
        emit barReady(m_series, *forming, false);
    }
}

} // namespace barkeep
