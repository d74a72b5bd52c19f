// SPDX-License-Identifier: GPL-3.0-or-later
// Alpaca's real-time bars: the pure frame parser (every message type, every malformed frame
// rejected with a reason) and AlpacaStream against AlpacaStreamFake — connected → auth →
// subscribe handshake, "b" bars final, "u" corrections, errors and drops with a reason.
#include "alpacafake.h"
#include "alpacaplugin.h"
#include "alpacastreamfake.h"
#include "alpacawire.h"

#include <QSignalSpy>
#include <QTest>

using namespace barkeep;
using namespace barkeep::alpaca;
using barkeep::fakes::AlpacaFake;

namespace {
// 2024-01-02 (a Tuesday) 15:00 UTC = 10:00 New York: inside the regular session.
constexpr qint64 kMinute0 = 1704207600000LL;
}

class TstAlpacaStream : public QObject
{
    Q_OBJECT

private:
    ProviderSettings settings(const AlpacaFake &rest, const fakes::StreamFake &ws) const
    {
        ProviderSettings s;
        s.provider = QStringLiteral("alpaca");
        s.market = QStringLiteral("stocks");
        s.baseUrl = rest.url().toString();
        s.tradingUrl = rest.url().toString();
        s.wsUrl = ws.url().toString();
        s.apiKey = rest.keyId();
        s.apiSecret = rest.secret();
        return s;
    }

private slots:
    void parse()
    {
        Result<QList<StreamMessage>> r = parseStreamFrame(
            R"([{"T":"success","msg":"connected"}])");
        QVERIFY(r && r->size() == 1 && r->at(0).type == StreamMessage::Type::Success
                && r->at(0).msg == QStringLiteral("connected"));
        r = parseStreamFrame(R"([{"T":"subscription","trades":[],"quotes":[],"bars":["AAPL"],"updatedBars":[],"dailyBars":[],"statuses":[],"lulds":[],"corrections":[],"cancelErrors":[]}])");
        QVERIFY(r && r->at(0).type == StreamMessage::Type::Subscription);
        QCOMPARE(r->at(0).bars, QStringList{QStringLiteral("AAPL")});
        r = parseStreamFrame(R"([{"T":"error","code":402,"msg":"auth failed"}])");
        QVERIFY(r && r->at(0).type == StreamMessage::Type::Error && r->at(0).code == 402);
        // Data messages may be batched.
        r = parseStreamFrame(R"([{"T":"b","S":"SPY","o":470.1,"h":470.5,"l":469.9,"c":470.2,"v":1200,"t":"2024-01-02T15:00:00Z","n":10,"vw":470.2},)"
                             R"({"T":"u","S":"SPY","o":470.1,"h":470.6,"l":469.9,"c":470.2,"v":1300,"t":"2024-01-02T15:00:00Z"},)"
                             R"({"T":"d","S":"SPY","o":468,"h":471,"l":467,"c":470.2,"v":90000,"t":"2024-01-02T05:00:00Z"},)"
                             R"({"T":"t","S":"SPY","p":470.2}])");
        QVERIFY2(r, qPrintable(r ? QString() : r.error().toString()));
        QCOMPARE(r->size(), 4);
        QCOMPARE(r->at(0).type, StreamMessage::Type::Bar);
        QCOMPARE(r->at(0).symbol, QStringLiteral("SPY"));
        QCOMPARE(r->at(0).bar, (Bar{kMinute0, 470.1, 470.5, 469.9, 470.2, 1200}));
        QCOMPARE(r->at(1).type, StreamMessage::Type::UpdatedBar);
        QCOMPARE(r->at(2).type, StreamMessage::Type::DailyBar);
        QCOMPARE(r->at(3).type, StreamMessage::Type::Other);
    }

    void parseRejects_data()
    {
        QTest::addColumn<QByteArray>("frame");
        QTest::addColumn<QString>("reason");
        QTest::newRow("not json") << QByteArray("[{\"T\":") << "not JSON";
        QTest::newRow("object") << QByteArray(R"({"T":"success","msg":"connected"})") << "not an array";
        QTest::newRow("no type") << QByteArray(R"([{"msg":"connected"}])") << "without a type";
        QTest::newRow("not object") << QByteArray(R"([42])") << "without a type";
        QTest::newRow("success no msg") << QByteArray(R"([{"T":"success"}])") << "without \"msg\"";
        QTest::newRow("subscription bars") << QByteArray(R"([{"T":"subscription","bars":"AAPL"}])") << "not an array";
        QTest::newRow("bar no symbol") << QByteArray(R"([{"T":"b","o":1,"h":1,"l":1,"c":1,"v":1,"t":"2024-01-02T15:00:00Z"}])") << "symbol";
        QTest::newRow("bar price string") << QByteArray(R"([{"T":"b","S":"SPY","o":"1","h":1,"l":1,"c":1,"v":1,"t":"2024-01-02T15:00:00Z"}])") << "\"o\" is not a number";
        QTest::newRow("bar bad time") << QByteArray(R"([{"T":"b","S":"SPY","o":1,"h":1,"l":1,"c":1,"v":1,"t":"yesterday"}])") << "RFC-3339";
        QTest::newRow("bar not on minute") << QByteArray(R"([{"T":"b","S":"SPY","o":1,"h":1,"l":1,"c":1,"v":1,"t":"2024-01-02T15:00:30Z"}])") << "not on a minute";
        QTest::newRow("bar high below low") << QByteArray(R"([{"T":"b","S":"SPY","o":1,"h":1,"l":2,"c":1,"v":1,"t":"2024-01-02T15:00:00Z"}])") << "high below low";
        QTest::newRow("bar ancient") << QByteArray(R"([{"T":"b","S":"SPY","o":1,"h":1,"l":1,"c":1,"v":1,"t":"1960-01-02T15:00:00Z"}])") << "out of range";
    }
    void parseRejects()
    {
        QFETCH(QByteArray, frame);
        QFETCH(QString, reason);
        const Result<QList<StreamMessage>> r = parseStreamFrame(frame);
        QVERIFY(!r);
        QCOMPARE(r.error().kind(), Error::Kind::BadResponse);
        QVERIFY2(r.error().message().contains(reason), qPrintable(r.error().message()));
    }

    void stream()
    {
        AlpacaFake rest;
        QVERIFY(rest.listen());
        fakes::AlpacaStreamFake ws(&rest);
        QVERIFY(ws.listen());
        AlpacaPlugin plugin(settings(rest, ws), nullptr);
        QVERIFY(!plugin.openStream(QStringLiteral("AAPL"), QStringLiteral("5m"))); // 1m only
        std::unique_ptr<BarStream> stream = plugin.openStream(QStringLiteral("AAPL"), QStringLiteral("1m"));
        QVERIFY(stream);
        QSignalSpy bars(stream.get(), &BarStream::barReceived);
        QSignalSpy connected(stream.get(), &BarStream::connected);
        QSignalSpy lost(stream.get(), &BarStream::disconnected);
        stream->open();
        QTRY_COMPARE(connected.size(), 1);
        // The documented order: auth first, then subscribe with bars and updatedBars.
        const QList<QByteArray> sent = ws.received();
        QCOMPARE(sent.size(), 2);
        QVERIFY(sent[0].contains(R"("action":"auth")"));
        QVERIFY(sent[1].contains(R"("action":"subscribe")"));
        QVERIFY(sent[1].contains(R"("bars":["AAPL"])"));
        QVERIFY(sent[1].contains(R"("updatedBars":["AAPL"])"));

        qint64 m = kMinute0; // a minute with trades
        while (rest.groundTruth(QStringLiteral("AAPL"), {m, m + kMinuteMs}).empty())
            m += kMinuteMs;
        QVERIFY(ws.pushBar(QStringLiteral("AAPL"), m, false)); // Alpaca has no forming bar: not sent
        const std::optional<Bar> b = ws.pushBar(QStringLiteral("AAPL"), m, true);
        QVERIFY(b);
        QTRY_COMPARE(bars.size(), 1);
        QCOMPARE(bars[0][0].value<Bar>(), *b);
        QCOMPARE(bars[0][0].value<Bar>(), rest.groundTruth(QStringLiteral("AAPL"), {m, m + kMinuteMs}).front());
        QCOMPARE(bars[0][1].toBool(), true);
        Bar corrected = *b;
        corrected.v += 100;
        ws.pushUpdatedBar(QStringLiteral("AAPL"), corrected);
        QTRY_COMPARE(bars.size(), 2);
        QCOMPARE(bars[1][0].value<Bar>(), corrected);
        QCOMPARE(bars[1][1].toBool(), true);

        ws.dropAll();
        QTRY_COMPARE(lost.size(), 1);
        QVERIFY(!stream->isConnected());
    }

    void wrongKeysEndWithTheErrorNotTheSecret()
    {
        AlpacaFake rest;
        QVERIFY(rest.listen());
        fakes::AlpacaStreamFake ws(&rest);
        QVERIFY(ws.listen());
        ProviderSettings s = settings(rest, ws);
        s.apiSecret = QStringLiteral("wrong-secret-value");
        AlpacaPlugin plugin(s, nullptr);
        std::unique_ptr<BarStream> stream = plugin.openStream(QStringLiteral("BTC/USD"), QStringLiteral("1m"));
        QVERIFY(stream);
        QSignalSpy lost(stream.get(), &BarStream::disconnected);
        stream->open();
        QTRY_COMPARE(lost.size(), 1);
        const QString reason = lost[0][0].toString();
        QVERIFY2(reason.contains(QStringLiteral("402")) && reason.contains(QStringLiteral("auth failed")), qPrintable(reason));
        QVERIFY(!reason.contains(s.apiSecret));
        QVERIFY(!reason.contains(s.apiKey));
    }

    void noKeysNoStream()
    {
        ProviderSettings s;
        s.provider = QStringLiteral("alpaca");
        s.market = QStringLiteral("crypto");
        AlpacaPlugin plugin(s, nullptr);
        QVERIFY(!plugin.openStream(QStringLiteral("BTC/USD"), QStringLiteral("1m")));
    }
};

QTEST_GUILESS_MAIN(TstAlpacaStream)
#include "tst_alpacastream.moc"
