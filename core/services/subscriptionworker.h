// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "barkeepcore_export.h"
#include "model/bar.h"
#include "model/series.h"
#include "model/timeframe.h"
#include "util/error.h"

#include <QObject>
#include <QTimer>

#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <random>

class QThreadPool;

namespace barkeep {

class BarStream;
class DataOrchestrator;
class MarketService;
class ApiMetrics;

// The seed's SubscriptionWorker: the one upstream of a series, however many clients watch it.
// It keeps closed 1m bars from a minute cursor on and builds the series' timeframe buckets from
// them: a bucket whose minutes are all closed is sent once as final:true, the bucket in
// progress as final:false when it changed.
//
// Upstream: the provider's live stream (MarketPlugin::openStream(symbol, "1m"): Binance kline,
// Kraken ohlc, Alpaca bars) when it has one, otherwise polling every pollMs — closed minutes
// through the orchestrator (so they are stored like any fetched history) and the forming
// minute from the provider. A lost stream is reopened after an exponential backoff with jitter
// (kBackoffBaseMs doubling to kBackoffMaxMs, each delay drawn from its upper half); while it is
// down the worker polls.
//
// Healing: the minute cursor advances only over minutes known closed — a successful REST
// fetch through the orchestrator, or the stream's final bar of exactly the cursor's minute. A
// stream bar beyond the cursor (a reconnect, a minute Kraken skipped, a dropped frame) waits
// while [cursor, its minute) is fetched over REST; on every (re)connect the window up to now is
// fetched the same way. So final bars go out in order, each once, with no hole. A minute the
// stream did not close within kStreamGraceMs is fetched over REST too (Kraken only closes a
// candle when the next trade comes).
// Health: a fetch that fails (provider down, banned, credentials refused, symbol gone) makes
// the upstream failing — upstreamFailed() once, with the error — until a fetch succeeds again
// (upstreamRecovered()). A lost provider stream alone is no failure while polling still works.
// Lives on the thread that made it (the API thread; the live thread in the GUI); fetches run
// on the pool, one at a time.
class BARKEEPCORE_EXPORT SubscriptionWorker : public QObject
{
    Q_OBJECT

public:
    static constexpr int kBackoffBaseMs = 250;
    static constexpr int kBackoffMaxMs = 30'000;
    static constexpr qint64 kStreamGraceMs = 10'000;

    SubscriptionWorker(const SeriesKey &series, DataOrchestrator *orchestrator,
                       MarketService *market, QThreadPool *pool, ApiMetrics *metrics,
                       std::function<qint64()> clock, int pollMs, QObject *parent = nullptr);
    ~SubscriptionWorker() override;

    const SeriesKey &series() const { return m_series; }
    void start();
    // Before start(): the first bucket to send as final is the one holding `t` when that is
    // earlier than the current one (RedisFanout: taking over another instance's upstream heals
    // the window that one may have left unsent).
    void setResumeFrom(qint64 t) { m_resumeFrom = t; }
    // The last forming bar sent (a new subscriber gets it after its snapshot).
    std::optional<Bar> formingBar() const { return m_forming; }
    // Polls now instead of at the next tick (tests, and right after a subscription). With a
    // connected stream it only fetches minutes the stream left unclosed past the grace.
    void pollNow();
    // Whether the upstream is a connected provider stream right now (else polling).
    bool isStreaming() const;
    // The error that made the upstream failing; nullopt while it works.
    const std::optional<Error> &failure() const { return m_failure; }

signals:
    void barReady(const barkeep::SeriesKey &series, const barkeep::Bar &bar, bool final);
    // Every failed fetch and every loss of the provider stream (the window's status line).
    void pollFailed(const barkeep::SeriesKey &series, const QString &message);
    // The upstream went from working (or starting) to failing, and back.
    void upstreamFailed(const barkeep::SeriesKey &series, const barkeep::Error &error);
    void upstreamRecovered(const barkeep::SeriesKey &series);

private:
    struct PollResult;
    struct StreamEvent
    {
        Bar bar;
        bool final = false;
    };

    void refresh(qint64 until, bool withForming);
    void handle(const PollResult &result);
    void openStream();
    void onStreamBar(const Bar &bar, bool final);
    void onStreamConnected();
    void onStreamDisconnected(const QString &reason);
    void scheduleReconnect();
    void drainPending();
    void persist(const Bar &bar);
    void apply(const StreamEvent &event);
    void flush();
    void setFailure(const Error &error);
    void clearFailure();

    SeriesKey m_series;
    Timeframe m_tf;
    DataOrchestrator *m_orchestrator;
    MarketService *m_market;
    QThreadPool *m_pool;
    ApiMetrics *m_metrics;
    std::function<qint64()> m_clock;
    QTimer m_timer;
    qint64 m_cursor = 0;       // start of the first bucket not yet sent as final
    qint64 m_resumeFrom = -1;  // setResumeFrom()
    qint64 m_minuteCursor = 0; // first minute not known closed; m_minutes holds [m_cursor, it)
    Bars m_minutes;
    std::optional<Bar> m_formingMinute;
    std::optional<Bar> m_forming;
    bool m_busy = false;
    bool m_healDue = false;    // a (re)connect asked for the window up to now
    bool m_fetchFailed = false; // the last fetch failed: stream bars wait for the next tick
    std::optional<Error> m_failure; // failure()
    std::deque<StreamEvent> m_pending; // stream bars that arrived during a fetch or a hole
    std::unique_ptr<BarStream> m_stream;
    QTimer m_reconnect;
    int m_attempts = 0;
    std::minstd_rand m_rng;
    std::shared_ptr<bool> m_alive;
};

} // namespace barkeep
