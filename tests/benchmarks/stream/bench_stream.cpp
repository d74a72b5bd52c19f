// SPDX-License-Identifier: GPL-3.0-or-later
// Benchmark driver of the WebSocket stream (not a test): N subscribers (1000 by default) on
// one series; for each bar, the time from its broadcast to its receipt by the *last*
// subscriber; p50/p99 over many bars. Baselines, measured in the same run: the same figure
// with a single subscriber (the floor: one WebSocket frame through the event loops), and the
// 1000 subscribers served the way the stream did before StreamClient wrote its frames
// itself: QWebSocket::sendTextMessage() + flush() per client (ApiOptions::streamQtWriteBaseline,
// a second server in this process). The p50/p99 rows used to carry the 1-subscriber figure as
// their baseline; they now carry the QWebSocket-path figure, the 1-subscriber floor has its row.
// A third server runs the product's writes with its API thread on Qt's own event dispatcher
// (poll(2) over every socket per pass) instead of EpollEventDispatcher: the "vs Qt
// dispatcher" row.
//
// Set-up: an in-process LocalApiServer on its own thread (created inside it, style.md §6),
// serving the demo provider. The subscribers are raw RFC 6455 clients on one epoll thread of
// this process (a QWebSocket per client would make the receiving side, not the server, the
// cost being measured: 1000 of them share one thread's event loop).
//
// Bars are injected with LocalApiServer::injectUpstreamBar(), called on the API thread: it
// emits the series' SubscriptionWorker::barReady, so a bar takes exactly the path of an upstream
// bar (SubscriptionService → BroadcastManager → every StreamClient). The clock starts right
// before that call and stops when the last client has read the frame. Injected bars are final
// and lie far in the future, so the demo upstream's own bars (older) are dropped by
// BroadcastManager and do not disturb the figures. One bar at a time: the next is injected
// 5 ms after every client has the previous one (latency, not throughput), after 20 unmeasured
// warm-up bars (g_warmupBars says why).
// Prints `name | barkeep | baseline | ratio | goal | pass/miss`.
//   bench_stream [--clients N] [--bars N] [--send-threads N] [--smoke] [--no-baseline] [--pause-ms N] [--warmup N]
// --no-baseline measures only the product's path (for profiling it alone, e.g. under perf);
// --pause-ms N: the pause between bars (5); BENCH_DUMP=FILE appends each measured bar's
// latency and broadcast-call time.
#include "support/apiserverthread.h"
#include "support/demoapiservices.h"
#include "support/rawsocketclient.h"
#include "api/localapiserver.h"
#include "model/bar.h"
#include "model/series.h"

#include <QCoreApplication>
#include <QThread>

#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

using namespace barkeep;

namespace {
constexpr qint64 kFarFuture = 4102444800000LL; // 2100-01-01: after any real bar of the demo
// Bars sent before the measured ones, on every connection set: a new TCP connection
// acknowledges its first 16 segments at once (quick-ack mode, the kernel's
// TCP_MAX_QUICKACKS), and on loopback that ACK runs in the sender's softirq, so the first
// ~14 bars after the snapshot cost the server up to twice as much (measured: bars 0-13 of a
// run at 7-9 ms against 4.5-5.5 ms after). A subscriber stays connected for hours; the
// goal is about that steady state, so these bars are sent and not counted.
int g_warmupBars = 20; // --warmup N
const QByteArray kToken = "bench";

qint64 nowNs()
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

using ServerThread = bench::ApiServerThread;

// What the receiving thread reports to the injecting one.
struct Shared
{
    std::mutex mutex;
    std::condition_variable changed;
    int clients = 0;
    int snapshots = 0;           // clients that got their snapshot
    qint64 expectT = -1;         // the bar being measured
    int received = 0;            // clients that got it
    qint64 lastReceiptNs = 0;    // when the last of them did
    int failures = 0;            // connections lost or refused
    std::atomic<bool> stop{false};
};

struct Client
{
    int fd = -1;
    std::string in; // unparsed bytes
};

// Connects, upgrades (blocking) and subscribes; the socket is non-blocking afterwards.
int openSubscriber(quint16 port, int index)
{
    const int fd = test::connectLoopback(port);
    if (fd < 0)
        return -1;
    std::string answer;
    char buf[4096];
    if (!test::sendAll(fd, test::upgradeRequest(port, "/api/v1/stream?token=" + kToken))) {
        ::close(fd);
        return -1;
    }
    // Read the 101 byte by byte so no frame that follows it is swallowed.
    while (answer.find("\r\n\r\n") == std::string::npos) {
        const ssize_t n = ::recv(fd, buf, 1, 0);
        if (n <= 0) {
            ::close(fd);
            return -1;
        }
        answer.append(buf, size_t(n));
    }
    if (answer.compare(0, 12, "HTTP/1.1 101") != 0) {
        std::fprintf(stderr, "upgrade refused: %s\n", answer.substr(0, answer.find('\r')).c_str());
        ::close(fd);
        return -1;
    }
    const QByteArray sub = "{\"op\":\"subscribe\",\"id\":\"s" + QByteArray::number(index)
        + "\",\"market\":\"crypto\",\"provider\":\"demo\",\"symbol\":\"BTC/USDT\","
          "\"timeframe\":\"1m\",\"limit\":1}";
    if (!test::sendAll(fd, test::maskedTextFrame(sub))) {
        ::close(fd);
        return -1;
    }
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
    return fd;
}

// Handles one whole server frame's payload.
void onMessage(Shared &shared, const char *p, size_t n)
{
    const std::string_view m(p, n);
    if (m.find("\"type\":\"snapshot\"") != std::string_view::npos) {
        std::lock_guard lock(shared.mutex);
        ++shared.snapshots;
        shared.changed.notify_all();
        return;
    }
    if (m.find("\"type\":\"bar\"") == std::string_view::npos)
        return;
    const size_t at = m.find("\"bar\":[");
    if (at == std::string_view::npos)
        return;
    const qint64 t = std::strtoll(p + at + 7, nullptr, 10);
    const qint64 ns = nowNs();
    std::lock_guard lock(shared.mutex);
    if (t != shared.expectT)
        return;
    if (++shared.received == shared.clients) {
        shared.lastReceiptNs = ns;
        shared.changed.notify_all();
    }
}

// Consumes whole frames from c.in.
bool parseFrames(Shared &shared, Client &c)
{
    size_t pos = 0;
    test::FrameHeader h;
    while (test::parseFrameHeader(c.in.data() + pos, c.in.size() - pos, &h)) {
        const size_t len = size_t(h.length);
        if (c.in.size() - pos < h.size + len)
            break;
        if (h.opcode == 0x8)
            return false; // closed by the server
        if (h.opcode == 0x1)
            onMessage(shared, c.in.data() + pos + h.size, len);
        pos += h.size + len;
    }
    c.in.erase(0, pos);
    return true;
}

// The receiving thread: every subscriber on one epoll loop.
void receiveLoop(Shared &shared, std::vector<Client> &clients)
{
    const int ep = ::epoll_create1(0);
    for (size_t i = 0; i < clients.size(); ++i) {
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.u64 = i;
        ::epoll_ctl(ep, EPOLL_CTL_ADD, clients[i].fd, &ev);
    }
    std::vector<epoll_event> events(256);
    char buf[65536];
    while (!shared.stop.load()) {
        const int n = ::epoll_wait(ep, events.data(), int(events.size()), 50);
        for (int e = 0; e < n; ++e) {
            Client &c = clients[events[e].data.u64];
            bool alive = true;
            // One recv per readiness (level-triggered: what is left is reported again), so the
            // receiving side costs one syscall per client and bar.
            const ssize_t r = ::recv(c.fd, buf, sizeof buf, 0);
            if (r > 0)
                c.in.append(buf, size_t(r));
            else if (r == 0 || (errno != EAGAIN && errno != EWOULDBLOCK))
                alive = false;
            if (!parseFrames(shared, c))
                alive = false;
            if (!alive) {
                ::epoll_ctl(ep, EPOLL_CTL_DEL, c.fd, nullptr);
                std::lock_guard lock(shared.mutex);
                ++shared.failures;
                shared.changed.notify_all();
            }
        }
    }
    ::close(ep);
}

struct Figures
{
    double p50Ms = 0;
    double p99Ms = 0;
    double loopP50Ms = 0;   // the broadcast call on the server thread, p50
    double cpuMsPerBar = 0; // this process (server and receiving threads), per measured bar
    int samples = 0;
    int failures = 0;
};

// The 1-minute load average: on this shared machine a figure under load is not the code's.
std::string loadAverage()
{
    double l[1] = {0};
    if (::getloadavg(l, 1) != 1)
        return "?";
    char b[16];
    std::snprintf(b, sizeof b, "%.1f", l[0]);
    return b;
}

double percentile(std::vector<double> v, double p)
{
    if (v.empty())
        return 0;
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, size_t(p * double(v.size() - 1) + 0.5))];
}

// Connects `count` subscribers, injects `bars` bars one at a time, returns the percentiles of
// broadcast → last receipt.
Figures measure(ServerThread &server, const SeriesKey &series, int count, int bars, qint64 firstT,
                int pauseMs = 5)
{
    Figures f;
    Shared shared;
    shared.clients = count;
    std::vector<Client> clients(static_cast<size_t>(count));
    for (int i = 0; i < count; ++i) {
        clients[size_t(i)].fd = openSubscriber(server.port, i);
        if (clients[size_t(i)].fd < 0) {
            std::fprintf(stderr, "subscriber %d could not connect\n", i);
            for (int j = 0; j < i; ++j)
                ::close(clients[size_t(j)].fd);
            f.failures = count;
            return f;
        }
    }
    std::thread receiver(receiveLoop, std::ref(shared), std::ref(clients));
    {
        std::unique_lock lock(shared.mutex);
        shared.changed.wait_for(lock, std::chrono::seconds(120), [&] {
            return shared.snapshots + shared.failures >= count;
        });
        if (shared.snapshots < count)
            std::fprintf(stderr, "only %d of %d subscribers got their snapshot\n", shared.snapshots, count);
    }
    std::vector<double> latencies;
    std::vector<double> loops; // the server's broadcast call alone (all sends handed to the kernel)
    // CPU time of the whole process while bars are measured: on a loaded machine the wall-clock
    // latency mostly measures waiting for a core; this says what the work itself costs.
    auto cpuNs = [] {
        rusage u{};
        ::getrusage(RUSAGE_SELF, &u);
        return (qint64(u.ru_utime.tv_sec) + u.ru_stime.tv_sec) * 1000000000LL
            + (qint64(u.ru_utime.tv_usec) + u.ru_stime.tv_usec) * 1000LL;
    };
    qint64 cpu0 = cpuNs();
    for (int b = 0; b < g_warmupBars + bars && shared.failures == 0; ++b) {
        if (b == g_warmupBars)
            cpu0 = cpuNs();
        const qint64 t = firstT + qint64(b) * 60000;
        {
            std::lock_guard lock(shared.mutex);
            shared.expectT = t;
            shared.received = 0;
        }
        const Bar bar{t, 100.0 + b, 101.5 + b, 99.25 + b, 100.75 + b, 12.5};
        std::atomic<qint64> sentNs{0};
        std::atomic<qint64> loopDoneNs{0};
        bool injected = false;
        QMetaObject::invokeMethod(server.context, [&] {
            sentNs = nowNs();
            injected = server.server->injectUpstreamBar(series, bar, true);
            loopDoneNs = nowNs();
        }, Qt::BlockingQueuedConnection);
        if (!injected) {
            std::fprintf(stderr, "the series has no upstream on this server\n");
            break;
        }
        std::unique_lock lock(shared.mutex);
        if (!shared.changed.wait_for(lock, std::chrono::seconds(10),
                                     [&] { return shared.received >= count || shared.failures > 0; })) {
            std::fprintf(stderr, "bar %d: only %d of %d clients got it within 10 s\n", b,
                         shared.received, count);
            break;
        }
        if (shared.failures == 0 && b >= g_warmupBars) {
            latencies.push_back(double(shared.lastReceiptNs - sentNs.load()) / 1e6);
            loops.push_back(double(loopDoneNs.load() - sentNs.load()) / 1e6);
        }
        lock.unlock();
        // A short pause so one bar's stragglers (bytesWritten signals) do not queue ahead of the
        // next broadcast: each bar is measured on its own.
        std::this_thread::sleep_for(std::chrono::milliseconds(pauseMs));
    }
    const qint64 cpu1 = cpuNs();
    shared.stop = true;
    receiver.join();
    f.cpuMsPerBar = latencies.empty() ? 0 : double(cpu1 - cpu0) / 1e6 / double(latencies.size());
    for (Client &c : clients)
        ::close(c.fd);
    if (const char *dump = std::getenv("BENCH_DUMP"); dump && count > 1) {
        FILE *o = std::fopen(dump, "a");
        for (size_t i = 0; i < latencies.size(); ++i)
            std::fprintf(o, "%zu %.3f %.3f\n", i, latencies[i], loops[i]);
        std::fclose(o);
    }
    f.p50Ms = percentile(latencies, 0.50);
    f.p99Ms = percentile(latencies, 0.99);
    f.loopP50Ms = percentile(loops, 0.50);
    f.samples = int(latencies.size());
    f.failures = shared.failures;
    return f;
}

void line(const char *name, double ours, double base, const char *goal, const char *verdict)
{
    std::printf("%-28s | %8.2f ms | %8.2f ms | %6.1fx | %-12s | %s\n", name, ours, base,
                base > 0 ? ours / base : 0.0, goal, verdict);
}
} // namespace

int main(int argc, char **argv)
{
    // Headless, every thread but the API thread runs on Qt's UNIX event dispatcher (app/main.cpp
    // sets QT_NO_GLIB), and that is the "Qt dispatcher" baseline's, unless the caller chose
    // explicitly (QT_NO_GLIB= to compare with glib).
    if (!qEnvironmentVariableIsSet("QT_NO_GLIB"))
        qputenv("QT_NO_GLIB", "1");
    QCoreApplication app(argc, argv);
    const QStringList args = app.arguments();
    const bool smoke = args.contains(QStringLiteral("--smoke"));
    int clients = smoke ? 50 : 1000;
    int bars = smoke ? 20 : 300;
    if (int i = int(args.indexOf(QStringLiteral("--clients"))); i > 0 && i + 1 < args.size())
        clients = args[i + 1].toInt();
    if (int i = int(args.indexOf(QStringLiteral("--bars"))); i > 0 && i + 1 < args.size())
        bars = args[i + 1].toInt();
    int sendThreads = -1; // the product's default (ApiOptions::streamSendThreads)
    if (int i = int(args.indexOf(QStringLiteral("--send-threads"))); i > 0 && i + 1 < args.size())
        sendThreads = args[i + 1].toInt();

    // 1000 subscribers are 2000 descriptors in this process (both ends).
    rlimit lim{};
    if (::getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
        lim.rlim_cur = lim.rlim_max;
        ::setrlimit(RLIMIT_NOFILE, &lim);
    }

    bench::DemoApiServices demo;
    if (!demo.open(64 << 20))
        return 1;
    const ApiServices services = demo.services();

    ApiOptions options;
    options.port = 0;
    options.token = kToken;
    options.maxConnectionsPerClient = clients + 100;
    options.snapshotBars = 1;
    if (sendThreads > 0)
        options.streamSendThreads = sendThreads;
    const SeriesKey series{QStringLiteral("crypto"), QStringLiteral("demo"), QStringLiteral("BTC/USDT"),
                           QStringLiteral("1m")};
    if (int i = int(args.indexOf(QStringLiteral("--warmup"))); i > 0 && i + 1 < args.size())
        g_warmupBars = args[i + 1].toInt();
    int pauseMs = 5;
    if (int i = int(args.indexOf(QStringLiteral("--pause-ms"))); i > 0 && i + 1 < args.size())
        pauseMs = args[i + 1].toInt();
    const bool baselines = !args.contains(QStringLiteral("--no-baseline"));
    // Each configuration on a fresh server; each run's bars lie after the previous run's, so
    // none is dropped as already delivered.
    qint64 firstT = kFarFuture;
    auto run = [&](const ApiOptions &o, int count, bool qtDispatcher, int pause) {
        ServerThread server;
        server.start(services, o, qtDispatcher);
        if (!server.port) {
            std::fprintf(stderr, "cannot listen\n");
            std::exit(1);
        }
        const Figures f = measure(server, series, count, bars, firstT, pause);
        server.stop();
        firstT += qint64(g_warmupBars + bars + 10) * 60000;
        return f;
    };
    // The QWebSocket write path (the option is read per connection).
    ApiOptions qtWrites = options;
    qtWrites.streamQtWriteBaseline = true;
    const Figures one = baselines ? run(options, 1, false, 5) : Figures{};
    const Figures many = run(options, clients, false, pauseMs);
    const Figures viaQt = baselines ? run(qtWrites, clients, false, pauseMs) : Figures{};
    // The same direct writes with the API thread on Qt's own event dispatcher (poll(2) over
    // every socket on each pass) instead of EpollEventDispatcher.
    const Figures qtLoop = baselines ? run(options, clients, true, pauseMs) : Figures{};

    std::printf("# WebSocket stream: bar broadcast -> last of %d subscribers, %d bars measured (%d "
                "received) after %d warm-up bars, %d ms apart, %d cores, load %s; baselines in the "
                "same run: QWebSocket::sendTextMessage path (%d subs), Qt's event dispatcher, and 1 "
                "subscriber. Process CPU per bar: %.2f ms (direct), %.2f ms (QWebSocket path), "
                "%.2f ms (Qt dispatcher), %.2f ms (1 sub); server broadcast call p50: %.2f ms "
                "(direct), %.2f ms (QWebSocket path), %.2f ms (Qt dispatcher); send threads: %d\n",
                clients, bars, many.samples, g_warmupBars, pauseMs, QThread::idealThreadCount(),
                loadAverage().c_str(), clients, many.cpuMsPerBar, viaQt.cpuMsPerBar,
                qtLoop.cpuMsPerBar, one.cpuMsPerBar, many.loopP50Ms, viaQt.loopP50Ms,
                qtLoop.loopP50Ms, options.streamSendThreads);
    std::printf("%-28s | %11s | %11s | %7s | %-12s | %s\n", "name", "barkeep", "baseline",
                "ratio", "goal", "pass/miss");
    char name[64];
    std::snprintf(name, sizeof name, "stream_%d_subs_p50", clients);
    line(name, many.p50Ms, viaQt.p50Ms, "report", "—");
    std::snprintf(name, sizeof name, "stream_%d_subs_p99", clients);
    const bool ok = many.samples > 0 && many.failures == 0;
    line(name, many.p99Ms, viaQt.p99Ms, "p99 <= 10 ms", ok && many.p99Ms <= 10 ? "pass" : "miss");
    line("stream_p99 vs Qt dispatcher", many.p99Ms, qtLoop.p99Ms, "report", "—");
    line("stream_1_sub_p99 (floor)", one.p99Ms, one.p99Ms, "report", "—");
    if (!ok)
        std::fprintf(stderr, "incomplete: %d samples, %d lost connections\n", many.samples, many.failures);
    if (baselines && (viaQt.samples == 0 || viaQt.failures || qtLoop.samples == 0 || qtLoop.failures))
        std::fprintf(stderr, "a baseline is incomplete: %d/%d samples, %d/%d lost connections\n",
                     viaQt.samples, qtLoop.samples, viaQt.failures, qtLoop.failures);
    return smoke ? (ok && one.samples > 0 && viaQt.samples > 0 && qtLoop.samples > 0 ? 0 : 1) : 0;
}
