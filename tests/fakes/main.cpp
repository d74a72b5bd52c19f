// SPDX-License-Identifier: GPL-3.0-or-later
// barkeep-fake-exchange: runs one fake provider on loopback so a person can try a backfill
// offline. Prints its URL as the first line of stdout (its WebSocket root, where it has one,
// as the second) and runs until killed.
#include "binancefake.h"
#include "binancestreamfake.h"
#include "coinbasefake.h"
#include "krakenfake.h"
#include "krakenstreamfake.h"
#include "alpacafake.h"
#include "alpacastreamfake.h"
#include "binanceusdmfake.h"
#include "bybitfake.h"
#include "bybitstreamfake.h"
#include "okxfake.h"
#include "okxstreamfake.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QTextStream>

#include <cstdio>

using namespace barkeep::fakes;

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("barkeep-fake-exchange"));
    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("A fake crypto exchange or broker speaking the real wire format."));
    parser.addHelpOption();
    const QCommandLineOption provider(QStringLiteral("provider"),
                                      QStringLiteral("binance, coinbase, kraken, bybit, okx, binanceusdm or alpaca"),
                                      QStringLiteral("name"), QStringLiteral("binance"));
    const QCommandLineOption port(QStringLiteral("port"), QStringLiteral("port (0 = any free)"),
                                  QStringLiteral("port"), QStringLiteral("0"));
    const QCommandLineOption latency(QStringLiteral("latency-ms"),
                                     QStringLiteral("delay added to every answer"),
                                     QStringLiteral("ms"), QStringLiteral("0"));
    const QCommandLineOption seed(QStringLiteral("seed"), QStringLiteral("data seed"),
                                  QStringLiteral("seed"), QStringLiteral("1"));
    const QCommandLineOption errors(QStringLiteral("error-rate"),
                                    QStringLiteral("fraction of requests answered 5xx"),
                                    QStringLiteral("rate"), QStringLiteral("0"));
    parser.addOptions({provider, port, latency, seed, errors});
    parser.process(app);

    const QString name = parser.value(provider);
    const quint64 s = parser.value(seed).toULongLong();
    const auto p = quint16(parser.value(port).toUInt());
    QObject *server = nullptr;
    StreamFake *stream = nullptr; // the provider's WebSocket, where it has one
    quint16 bound = 0;
    QUrl url;
    if (name == QLatin1String("binance") || name == QLatin1String("coinbase")
        || name == QLatin1String("kraken")) {
        FakeServer *fake = name == QLatin1String("binance")
                               ? static_cast<FakeServer *>(new BinanceFake(s, &app))
                           : name == QLatin1String("coinbase")
                               ? static_cast<FakeServer *>(new CoinbaseFake(s, &app))
                               : static_cast<FakeServer *>(new KrakenFake(s, &app));
        fake->faults().latencyMs = parser.value(latency).toInt();
        fake->faults().serverErrorRate = parser.value(errors).toDouble();
        bound = fake->listen(p);
        url = fake->url();
        server = fake;
        if (name == QLatin1String("binance"))
            stream = new BinanceStreamFake(fake, &app);
        else if (name == QLatin1String("kraken"))
            stream = new KrakenStreamFake(fake, &app);
    } else if (name == QLatin1String("bybit") || name == QLatin1String("okx")
               || name == QLatin1String("binanceusdm")) {
        FakeServer *fake = name == QLatin1String("bybit")
                               ? static_cast<FakeServer *>(new BybitFake(s, &app))
                           : name == QLatin1String("okx")
                               ? static_cast<FakeServer *>(new OkxFake(s, &app))
                               : static_cast<FakeServer *>(new BinanceUsdmFake(s, &app));
        fake->faults().latencyMs = parser.value(latency).toInt();
        fake->faults().serverErrorRate = parser.value(errors).toDouble();
        bound = fake->listen(p);
        url = fake->url();
        server = fake;
        if (name == QLatin1String("bybit"))
            stream = new BybitStreamFake(fake, &app);
        else if (name == QLatin1String("okx"))
            stream = new OkxStreamFake(fake, &app);
    } else if (name == QLatin1String("alpaca")) {
        auto *fake = new AlpacaFake(s, &app);
        bound = fake->listen(p);
        url = fake->url();
        server = fake;
        stream = new AlpacaStreamFake(fake, &app);
    } else {
        std::fprintf(stderr, "unknown provider '%s'\n", qPrintable(name));
        return 2;
    }
    Q_UNUSED(server);
    if (bound == 0) {
        std::fprintf(stderr, "cannot listen on port %u\n", unsigned(p));
        return 1;
    }
    QTextStream out(stdout);
    out << url.toString() << Qt::endl;
    // The second line: the WebSocket root for providers.<id>.wsUrl (any free port).
    if (stream && stream->listen())
        out << stream->url().toString() << Qt::endl;
    return app.exec();
}
