// SPDX-License-Identifier: GPL-3.0-or-later
// Benchmark driver of the local API (not a test): GET /ohlcv answering 1000 bars, at 1 and 16
// connections, against three servers in this process, measured in the same run:
// - barkeep: BarJsonEncoder and the encoded-response cache (ResponseCache), as shipped;
// - the baseline: QJsonDocument encoder, no response cache (ApiOptions::qjsonBaseline);
// - an extra row: BarJsonEncoder without the response cache (every answer read and encoded),
//   to show what the cache adds and what a first (or uncacheable) ask costs.
// Load comes from wrk when installed, else from a small keep-alive client here.
// Prints `name | barkeep | baseline | ratio | goal | pass/miss`.
//   bench_api [--seconds N] [--smoke] [--serve N]
#include "support/apiserverthread.h"
#include "support/demoapiservices.h"
#include "support/rawsocketclient.h"
#include "api/localapiserver.h"

#include <QCoreApplication>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QThread>

#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <thread>
#include <vector>

using namespace barkeep;

namespace {
constexpr qint64 kJan2024 = 1704067200000LL;
const QByteArray kToken = "bench";

using ServerThread = bench::ApiServerThread;

// One blocking keep-alive HTTP/1.1 connection: request, read the whole answer, repeat.
void connectionLoop(quint16 port, const QByteArray &req, std::atomic<bool> &stop,
                    std::atomic<qint64> &done, qint64 *bytesPerAnswer)
{
    const int fd = test::connectLoopback(port);
    if (fd < 0)
        return;
    std::vector<char> buf(1 << 20);
    bool ok = true;
    while (ok && !stop.load()) {
        if (::send(fd, req.constData(), size_t(req.size()), 0) <= 0)
            break;
        size_t have = 0;
        long need = -1;
        while (true) {
            const ssize_t n = ::recv(fd, buf.data() + have, buf.size() - have, 0);
            if (n <= 0) {
                ok = false;
                break;
            }
            have += size_t(n);
            if (need < 0) {
                const auto *end = static_cast<const char *>(memmem(buf.data(), have, "\r\n\r\n", 4));
                if (!end)
                    continue;
                const auto *cl = static_cast<const char *>(
                    memmem(buf.data(), size_t(end - buf.data()), "Content-Length: ", 16));
                need = long(end - buf.data()) + 4 + (cl ? atol(cl + 16) : 0);
            }
            if (long(have) >= need)
                break;
        }
        if (!ok)
            break;
        if (bytesPerAnswer)
            *bytesPerAnswer = need;
        ++done;
    }
    ::close(fd);
}

double loadWithThreads(quint16 port, const QByteArray &path, int connections, double seconds,
                       qint64 *bytesPerAnswer)
{
    std::atomic<qint64> done{0};
    std::atomic<bool> stop{false};
    const QByteArray req = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
        + kToken + "\r\n\r\n";
    std::vector<std::thread> threads;
    for (int c = 0; c < connections; ++c)
        threads.emplace_back(connectionLoop, port, std::cref(req), std::ref(stop), std::ref(done),
                             c == 0 ? bytesPerAnswer : nullptr);
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
    stop = true;
    for (auto &t : threads)
        t.join();
    return double(done.load()) / seconds;
}

double loadWithWrk(const QString &wrk, quint16 port, const QByteArray &path, int connections,
                   double seconds)
{
    QProcess p;
    p.start(wrk, {QStringLiteral("-t%1").arg(std::min(connections, 2)), QStringLiteral("-c%1").arg(connections),
                  QStringLiteral("-d%1s").arg(std::max(1, int(seconds))), QStringLiteral("-H"),
                  QStringLiteral("Authorization: Bearer ") + QString::fromLatin1(kToken),
                  QStringLiteral("http://127.0.0.1:%1%2").arg(port).arg(QString::fromLatin1(path))});
    p.waitForFinished(int(seconds * 1000) + 30000);
    const QString out = QString::fromUtf8(p.readAllStandardOutput());
    const auto m = QRegularExpression(QStringLiteral("Requests/sec:\\s+([0-9.]+)")).match(out);
    if (out.contains(QStringLiteral("Non-2xx")) || !m.hasMatch())
        std::fprintf(stderr, "wrk:\n%s\n", qPrintable(out));
    return m.hasMatch() ? m.captured(1).toDouble() : 0;
}

void line(const char *name, double ours, double base, const char *goal, const char *verdict)
{
    std::printf("%-27s | %9.0f req/s | %9.0f req/s | %6.1fx | %-15s | %s\n", name, ours, base,
                base > 0 ? ours / base : 0.0, goal, verdict);
}
} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const QStringList args = app.arguments();
    const bool smoke = args.contains(QStringLiteral("--smoke"));
    double seconds = smoke ? 0.5 : 5;
    if (int i = int(args.indexOf(QStringLiteral("--seconds"))); i > 0 && i + 1 < args.size())
        seconds = args[i + 1].toDouble();

    bench::DemoApiServices demo;
    if (!demo.open(256 << 20))
        return 1;
    const ApiServices services = demo.services();

    ApiOptions options;
    options.port = 0;
    options.token = kToken;
    options.maxConnectionsPerClient = 1000;
    ServerThread ours, base, uncached;
    ours.start(services, options);
    options.responseCacheTtlMs = 0;
    uncached.start(services, options);
    options.qjsonBaseline = true;
    base.start(services, options);
    if (int i = int(args.indexOf(QStringLiteral("--serve"))); i > 0 && i + 1 < args.size()) {
        // Profiling aid: serve for N seconds (drive it with wrk, watch it with perf/callgrind).
        std::printf("serving on ports %d (barkeep) and %d (baseline)\n", ours.port, base.port);
        std::fflush(stdout);
        QThread::sleep(args[i + 1].toULong());
        ours.stop();
        base.stop();
        uncached.stop();
        return 0;
    }
    if (!ours.port || !base.port) {
        std::fprintf(stderr, "cannot listen\n");
        return 1;
    }
    const QByteArray path = "/api/v1/ohlcv?market=crypto&provider=demo&symbol=BTC/USDT&timeframe=1m&since="
        + QByteArray::number(kJan2024) + "&until=" + QByteArray::number(kJan2024 + 1000 * 60000) + "&limit=1000";
    // Warm-up: the first answer fetches from the demo provider and stores; later ones are cached.
    qint64 bytes = 0;
    loadWithThreads(ours.port, path, 1, 0.3, &bytes);
    loadWithThreads(base.port, path, 1, 0.3, nullptr);
    loadWithThreads(uncached.port, path, 1, 0.3, nullptr);

    const QString wrk = smoke ? QString() : QStandardPaths::findExecutable(QStringLiteral("wrk"));
    auto run = [&](quint16 port, int c) {
        return wrk.isEmpty() ? loadWithThreads(port, path, c, seconds, nullptr)
                             : loadWithWrk(wrk, port, path, c, seconds);
    };
    std::printf("# /ohlcv with 1000 bars (%lld bytes per answer), load: %s, %.1f s per figure, %d cores\n",
                static_cast<long long>(bytes), wrk.isEmpty() ? "built-in keep-alive client" : "wrk",
                seconds, QThread::idealThreadCount());
    std::printf("%-27s | %15s | %15s | %7s | %-15s | %s\n", "name", "barkeep", "baseline(QJson)",
                "ratio", "goal", "pass/miss");
    const double o1 = run(ours.port, 1), b1 = run(base.port, 1);
    line("ohlcv_1000_bars_1_conn", o1, b1, "> baseline", o1 > b1 ? "pass" : "miss");
    const double o16 = run(ours.port, 16), b16 = run(base.port, 16);
    line("ohlcv_1000_bars_16_conn", o16, b16, ">= 10000 req/s", o16 >= 10000 ? "pass" : "miss");
    const double u16 = run(uncached.port, 16);
    line("ohlcv_16_conn_no_resp_cache", u16, b16, "report", "—");

    ours.stop();
    base.stop();
    uncached.stop();
    return smoke ? (o1 > 0 && b1 > 0 ? 0 : 1) : 0;
}
