// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Shared by the fault suites: times, the seed of the random fault moments, and reading a
// store the way the child wrote it.
#include "model/series.h"
#include "storage/store.h"

#include <QDateTime>
#include <QRandomGenerator>
#include <QTimeZone>
#include <QtGlobal>

#include <memory>

namespace barkeep::test {

inline qint64 utc(int y, int m, int d, int h = 0)
{
    return QDateTime(QDate(y, m, d), QTime(h, 0), QTimeZone::utc()).toMSecsSinceEpoch();
}

// The moments faults are injected at are random; BK_FAULT_SEED replays a run (the seed is
// printed by every suite so a failure can be reproduced).
inline QRandomGenerator faultRandom()
{
    bool ok = false;
    quint32 seed = qEnvironmentVariable("BK_FAULT_SEED").toUInt(&ok);
    if (!ok)
        seed = QRandomGenerator::system()->generate();
    qInfo("fault seed %u (BK_FAULT_SEED=%u replays it)", seed, seed);
    return QRandomGenerator(seed);
}

inline std::unique_ptr<Store> openStore(const QString &url)
{
    auto s = createBarStore(url);
    if (!s || !(*s)->open())
        return {};
    return std::move(s).value();
}

inline qint64 coveredMinutes(BarStore *store, const SeriesKey &key, TimeRange r)
{
    Result<CoverageIntervals> cov = store->coverage(key, r);
    qint64 n = 0;
    if (cov)
        for (const auto &c : *cov)
            n += c.range.length() / kMinuteMs;
    return n;
}

inline const SeriesKey kBinanceBtc{QStringLiteral("crypto"), QStringLiteral("binance"),
                                   QStringLiteral("BTC/USDT"), QStringLiteral("1m")};

} // namespace barkeep::test

#include "headlessinstance.h"

#include <QJsonArray>
#include <QProcess>
#include <QTcpServer>
#include <QTcpSocket>

namespace barkeep::test {

// /api/v1/ohlcv of a 1m range as bars ({} with `status` set on an error answer).
inline Bars ohlcv(HeadlessInstance &bk, const QString &provider, const QString &symbol, TimeRange r,
                  int *status = nullptr, const QString &market = QStringLiteral("crypto"))
{
    const HeadlessInstance::Reply reply =
        bk.get(QStringLiteral("/api/v1/ohlcv?market=%1&provider=%2&symbol=%3&timeframe=1m&since=%4&until=%5&limit=5000")
                   .arg(market, provider, symbol)
                   .arg(r.from)
                   .arg(r.to));
    if (status)
        *status = reply.status;
    Bars bars;
    for (const QJsonValue &v : reply.json.value(QStringLiteral("bars")).toArray()) {
        const QJsonArray a = v.toArray();
        bars.push_back({a[0].toInteger(), a[1].toDouble(), a[2].toDouble(), a[3].toDouble(),
                        a[4].toDouble(), a[5].toDouble()});
    }
    return bars;
}

// A counter of GET /metrics (Prometheus text), -1 when absent.
inline double metric(HeadlessInstance &bk, const QByteArray &name)
{
    const QByteArray text = bk.get(QStringLiteral("/metrics")).body;
    for (const QByteArray &line : text.split('\n'))
        if (line.startsWith(QByteArray(name + ' ')) || line.startsWith(QByteArray(name + '{')))
            return line.mid(line.lastIndexOf(' ') + 1).toDouble();
    return -1;
}

inline quint16 freePort()
{
    QTcpServer s;
    s.listen(QHostAddress::LocalHost, 0);
    return s.serverPort();
}

// Runs a shell command line to its end (e.g. BK_TEST_PG_CTL + " restart -m fast -w").
inline int runShell(const QString &command, QByteArray *output = nullptr, int timeoutMs = 60000)
{
    QProcess p;
    p.setProcessChannelMode(QProcess::MergedChannels);
    p.start(QStringLiteral("/bin/sh"), {QStringLiteral("-c"), command});
    if (!p.waitForFinished(timeoutMs))
        return -1;
    if (output)
        *output = p.readAll();
    return p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
}

} // namespace barkeep::test
