// SPDX-License-Identifier: GPL-3.0-or-later
// The crypto plugin's live streams: the pure frame parsers (good frames, and every malformed
// one rejected with a reason), and each exchange's BarStream against its WebSocket fake —
// forming and final bars from ground truth, a dropped connection reported with a reason.
#include "binanceexchange.h"
#include "binancefake.h"
#include "binancestreamfake.h"
#include "cryptotest.h"
#include "krakenexchange.h"
#include "krakenfake.h"
#include "krakenstreamfake.h"

#include <QSignalSpy>
#include <QTest>

using namespace barkeep;
using namespace barkeep::crypto;
using namespace barkeep::test;

namespace {
constexpr qint64 kMinute0 = 1704067200000LL + 12 * kHourMs; // 2024-01-01 12:00 UTC

const char kKline[] = R"({"e":"kline","E":1704110460000,"s":"BTCUSDT","k":{"t":1704110400000,"T":1704110459999,"s":"BTCUSDT","i":"1m","f":100,"L":200,"o":"42000.10","c":"42010.50","h":"42020.00","l":"41990.00","v":"12.3400","n":100,"x":true,"q":"1.0","V":"1.0","Q":"1.0","B":"0"}})";
const char kOhlc[] = R"({"channel":"ohlc","type":"update","timestamp":"2024-01-01T12:00:30.123456Z","data":[{"symbol":"BTC/USD","open":42000.1,"high":42020,"low":41990,"close":42010.5,"vwap":42005.2,"trades":12,"volume":1.25,"interval_begin":"2024-01-01T12:00:00.000000000Z","interval":1,"timestamp":"2024-01-01T12:01:00.000000Z"}]})";
// A REST fake, its WebSocket fake and an exchange pointed at both, markets loaded.
template<typename Rest, typename Ws, typename Exchange> struct Rig
{
    Rest rest;
    Ws ws{&rest};
    std::unique_ptr<Exchange> ex;
    bool start(const QString &provider, const QString &wsSuffix = {})
    {
        if (!rest.listen() || !ws.listen())
            return false;
        ProviderSettings s = settingsFor(provider, rest.url());
        s.wsUrl = ws.url().toString() + wsSuffix;
        ex = std::make_unique<Exchange>(s, nullptr);
        return offThread([this] { return bool(ex->symbols()); });
    }
};
using BinanceRig = Rig<fakes::BinanceFake, fakes::BinanceStreamFake, BinanceExchange>;
using KrakenRig = Rig<fakes::KrakenFake, fakes::KrakenStreamFake, KrakenExchange>;
} // namespace

class TstCryptoStreams : public QObject
{
    Q_OBJECT

private slots:
    void binanceParse()
    {
        Result<std::optional<StreamBar>> r = BinanceExchange::parseKlineEvent(kKline);
        QVERIFY2(r, qPrintable(r ? QString() : r.error().toString()));
        QVERIFY(r->has_value());
        const StreamBar sb = **r;
        QCOMPARE(sb.symbol, QStringLiteral("BTCUSDT"));
        QCOMPARE(sb.bar, (Bar{1704110400000LL, 42000.10, 42020.00, 41990.00, 42010.50, 12.34}));
        QVERIFY(sb.final);
        // x:false is a forming bar; the combined-stream envelope is unwrapped.
        QByteArray forming(kKline);
        forming.replace("\"x\":true", "\"x\":false");
        r = BinanceExchange::parseKlineEvent(forming);
        QVERIFY(r && r->has_value() && !(*r)->final);
        r = BinanceExchange::parseKlineEvent(R"({"stream":"btcusdt@kline_1m","data":)" + QByteArray(kKline) + "}");
        QVERIFY(r && r->has_value() && (*r)->final);
        // Frames without a bar.
        r = BinanceExchange::parseKlineEvent(R"({"result":null,"id":1})");
        QVERIFY(r && !r->has_value());
        r = BinanceExchange::parseKlineEvent(R"({"e":"serverShutdown","E":1704110460000})");
        QVERIFY(r && !r->has_value());
    }

    void binanceParseRejects_data()
    {
        QTest::addColumn<QByteArray>("frame");
        QTest::addColumn<QString>("reason");
        const QByteArray k(kKline);
        auto with = [&k](const char *from, const char *to) { return QByteArray(k).replace(from, to); };
        QTest::newRow("not json") << QByteArray("{\"e\":\"kline\",") << "malformed JSON";
        QTest::newRow("array") << QByteArray("[1,2]") << "expected an object";
        QTest::newRow("refusal") << QByteArray(R"({"code":2,"msg":"Invalid request","id":1})") << "refused: Invalid request";
        QTest::newRow("other event") << with("\"e\":\"kline\"", "\"e\":\"trade\"") << "unexpected event 'trade'";
        QTest::newRow("no event") << QByteArray(R"({"E":1})") << "no event type";
        QTest::newRow("no k") << with("\"k\":{", "\"kk\":{") << "no kline object";
        QTest::newRow("time string") << with("\"t\":1704110400000", "\"t\":\"1704110400000\"") << "start time";
        QTest::newRow("time negative") << with("\"t\":1704110400000", "\"t\":-5") << "start time";
        QTest::newRow("time huge") << with("\"t\":1704110400000", "\"t\":1e300") << "start time";
        QTest::newRow("unaligned") << with("\"t\":1704110400000", "\"t\":1704110400001") << "not aligned";
        QTest::newRow("bad interval") << with("\"i\":\"1m\"", "\"i\":\"7q\"") << "interval";
        QTest::newRow("bad price") << with("\"o\":\"42000.10\"", "\"o\":\"abc\"") << "o/h/l/c/v";
        QTest::newRow("missing volume") << with("\"v\":\"12.3400\",", "") << "o/h/l/c/v";
        QTest::newRow("nan") << with("\"c\":\"42010.50\"", "\"c\":\"nan\"") << "o/h/l/c/v";
        QTest::newRow("high below low") << with("\"h\":\"42020.00\"", "\"h\":\"1.0\"") << "high below low";
        QTest::newRow("no x") << with(",\"x\":true", "") << "closed flag";
        QTest::newRow("x string") << with("\"x\":true", "\"x\":\"true\"") << "closed flag";
    }
    void binanceParseRejects()
    {
        QFETCH(QByteArray, frame);
        QFETCH(QString, reason);
        const Result<std::optional<StreamBar>> r = BinanceExchange::parseKlineEvent(frame);
        QVERIFY(!r);
        QCOMPARE(r.error().kind(), Error::Kind::BadResponse);
        QVERIFY2(r.error().message().contains(reason), qPrintable(r.error().message()));
    }

    void binanceStream()
    {
        BinanceRig rig;
        QVERIFY(rig.start(QStringLiteral("binance")));
        auto &[rest, ws, ex] = rig;
        QVERIFY(!ex->openStream(QStringLiteral("NOPE/X"), QStringLiteral("1m")));
        std::unique_ptr<BarStream> stream = ex->openStream(QStringLiteral("BTC/USDT"), QStringLiteral("1m"));
        QVERIFY(stream);
        QSignalSpy bars(stream.get(), &BarStream::barReceived);
        QSignalSpy connected(stream.get(), &BarStream::connected);
        QSignalSpy lost(stream.get(), &BarStream::disconnected);
        stream->open();
        QTRY_COMPARE(ws.subscribedClients(), 1);
        const std::optional<Bar> forming = ws.pushBar(QStringLiteral("btcusdt"), kMinute0, false);
        const std::optional<Bar> closed = ws.pushBar(QStringLiteral("btcusdt"), kMinute0, true);
        QVERIFY(forming && closed);
        QTRY_COMPARE(bars.size(), 2);
        QCOMPARE(connected.size(), 1);
        QVERIFY(stream->isConnected());
        QCOMPARE(bars[0][0].value<Bar>(), *forming);
        QCOMPARE(bars[0][1].toBool(), false);
        QCOMPARE(bars[1][0].value<Bar>(), rest.groundTruth(QStringLiteral("BTCUSDT"), {kMinute0, kMinute0 + kMinuteMs}).front());
        QCOMPARE(bars[1][1].toBool(), true);

        ws.dropAll();
        QTRY_COMPARE(lost.size(), 1);
        QVERIFY(!lost[0][0].toString().isEmpty());
        QVERIFY(!stream->isConnected());
        // Reopened by its owner: a second connection, bars flow again.
        stream->open();
        QTRY_COMPARE(ws.subscribedClients(), 1);
        QVERIFY(ws.pushBar(QStringLiteral("btcusdt"), kMinute0 + kMinuteMs, true));
        QTRY_COMPARE(bars.size(), 3);
        QCOMPARE(connected.size(), 2);
        QCOMPARE(ws.connectionCount(), 2);
    }

    void binanceStreamMalformedFrameDrops()
    {
        BinanceRig rig;
        QVERIFY(rig.start(QStringLiteral("binance"), QStringLiteral("/ws/nope"))); // an unknown stream name
        std::unique_ptr<BarStream> stream = rig.ex->openStream(QStringLiteral("BTCUSDT"), QStringLiteral("1m"));
        QSignalSpy lost(stream.get(), &BarStream::disconnected);
        stream->open();
        QTRY_COMPARE(lost.size(), 1);
        QVERIFY2(lost[0][0].toString().contains(QStringLiteral("refused")), qPrintable(lost[0][0].toString()));
    }

    void rfc3339_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<qint64>("ms"); // -1: rejected
        QTest::newRow("Z") << "2024-01-01T12:00:00Z" << 1704110400000LL;
        QTest::newRow("ns") << "2024-01-01T12:00:00.123456789Z" << 1704110400123LL;
        QTest::newRow("offset") << "2024-01-01T13:00:00+01:00" << 1704110400000LL;
        QTest::newRow("negative offset") << "2024-01-01T07:00:00.5-05:00" << 1704110400500LL;
        QTest::newRow("no zone") << "2024-01-01T12:00:00" << -1LL;
        QTest::newRow("empty fraction") << "2024-01-01T12:00:00.Z" << -1LL;
        QTest::newRow("bad month") << "2024-13-01T12:00:00Z" << -1LL;
        QTest::newRow("bad day") << "2023-02-29T12:00:00Z" << -1LL;
        QTest::newRow("bad hour") << "2024-01-01T24:00:00Z" << -1LL;
        QTest::newRow("trailing") << "2024-01-01T12:00:00Zx" << -1LL;
        QTest::newRow("text") << "yesterday" << -1LL;
        QTest::newRow("arabic digits") << QString::fromUtf8("٢٠٢٤-01-01T12:00:00Z") << -1LL;
    }
    void rfc3339()
    {
        QFETCH(QString, text);
        QFETCH(qint64, ms);
        const std::optional<qint64> t = CryptoExchange::parseRfc3339(text);
        QCOMPARE(t.value_or(-1), ms);
    }

    void krakenParse()
    {
        Result<KrakenExchange::WsMessage> r = KrakenExchange::parseWsMessage(kOhlc);
        QVERIFY2(r, qPrintable(r ? QString() : r.error().toString()));
        QCOMPARE(r->type, KrakenExchange::WsMessage::Type::Update);
        QCOMPARE(r->candles.size(), 1);
        QCOMPARE(r->candles[0].symbol, QStringLiteral("BTC/USD"));
        QCOMPARE(r->candles[0].interval, 1);
        QCOMPARE(r->candles[0].bar, (Bar{1704110400000LL, 42000.1, 42020, 41990, 42010.5, 1.25}));
        r = KrakenExchange::parseWsMessage(R"({"method":"subscribe","result":{"channel":"ohlc","symbol":"BTC/USD","snapshot":true,"warnings":[]},"success":true,"time_in":"x","time_out":"y","req_id":1})");
        QVERIFY(r && r->type == KrakenExchange::WsMessage::Type::Ack && r->ackSymbol == QStringLiteral("BTC/USD"));
        r = KrakenExchange::parseWsMessage(R"({"channel":"heartbeat"})");
        QVERIFY(r && r->type == KrakenExchange::WsMessage::Type::Other);
        r = KrakenExchange::parseWsMessage(R"({"channel":"ohlc","type":"snapshot","data":[]})");
        QVERIFY(r && r->type == KrakenExchange::WsMessage::Type::Snapshot && r->candles.isEmpty());
    }

    void krakenParseRejects_data()
    {
        QTest::addColumn<QByteArray>("frame");
        QTest::addColumn<QString>("reason");
        const QByteArray k(kOhlc);
        auto with = [&k](const char *from, const char *to) { return QByteArray(k).replace(from, to); };
        QTest::newRow("not json") << QByteArray("{\"channel\"") << "malformed JSON";
        QTest::newRow("array") << QByteArray("[]") << "expected an object";
        QTest::newRow("refused") << QByteArray(R"({"method":"subscribe","success":false,"error":"Currency pair not supported"})") << "refused the ohlc subscription: Currency pair";
        QTest::newRow("ack no success") << QByteArray(R"({"method":"subscribe","result":{}})") << "without 'success'";
        QTest::newRow("ack no symbol") << QByteArray(R"({"method":"subscribe","success":true,"result":{"channel":"ohlc"}})") << "channel and symbol";
        QTest::newRow("no channel") << QByteArray(R"({"type":"update"})") << "neither";
        QTest::newRow("bad type") << with("\"type\":\"update\"", "\"type\":\"delta\"") << "unknown message type";
        QTest::newRow("data object") << QByteArray(R"({"channel":"ohlc","type":"update","data":{}})") << "not an array";
        QTest::newRow("no symbol") << with("\"symbol\":\"BTC/USD\",", "") << "without its symbol";
        QTest::newRow("price string") << with("\"open\":42000.1", "\"open\":\"42000.1\"") << "'open'";
        QTest::newRow("no volume") << with("\"volume\":1.25,", "") << "'volume'";
        QTest::newRow("high below low") << with("\"high\":42020", "\"high\":1") << "high below low";
        QTest::newRow("no interval") << with("\"interval\":1,", "") << "'interval'";
        QTest::newRow("fractional interval") << with("\"interval\":1,", "\"interval\":1.5,") << "'interval'";
        QTest::newRow("bad begin") << with("2024-01-01T12:00:00.000000000Z", "yesterday") << "interval_begin";
        QTest::newRow("old begin") << with("2024-01-01T12:00:00.000000000Z", "0001-01-01T00:00:00Z") << "interval_begin";
        QTest::newRow("unaligned begin") << with("2024-01-01T12:00:00.000000000Z", "2024-01-01T12:00:07Z") << "not aligned";
    }
    void krakenParseRejects()
    {
        QFETCH(QByteArray, frame);
        QFETCH(QString, reason);
        const Result<KrakenExchange::WsMessage> r = KrakenExchange::parseWsMessage(frame);
        QVERIFY(!r);
        QVERIFY2(r.error().message().contains(reason), qPrintable(r.error().message()));
    }

    void krakenStream()
    {
        KrakenRig rig;
        QVERIFY(rig.start(QStringLiteral("kraken")));
        auto &[rest, ws, ex] = rig;
        std::unique_ptr<BarStream> stream = ex->openStream(QStringLiteral("XBTUSD"), QStringLiteral("1m"));
        QVERIFY(stream);
        QSignalSpy bars(stream.get(), &BarStream::barReceived);
        QSignalSpy connected(stream.get(), &BarStream::connected);
        QSignalSpy lost(stream.get(), &BarStream::disconnected);
        stream->open();
        QTRY_COMPARE(connected.size(), 1);
        QCOMPARE(ws.subscribedClients(), 1);
        QVERIFY(ws.received().first().contains(R"("channel":"ohlc")"));
        QVERIFY(ws.received().first().contains(R"("symbol":["BTC/USD"])"));
        const QString sym = QStringLiteral("BTC/USD");
        const std::optional<Bar> forming = ws.pushBar(sym, kMinute0, false);
        QVERIFY(forming);
        QTRY_COMPARE(bars.size(), 1);
        QCOMPARE(bars[0][0].value<Bar>(), *forming);
        QCOMPARE(bars[0][1].toBool(), false);
        // The full minute is still "forming" until a later candle shows up.
        const std::optional<Bar> full = ws.pushBar(sym, kMinute0, true);
        QTRY_COMPARE(bars.size(), 2);
        QCOMPARE(bars[1][1].toBool(), false);
        QVERIFY(ws.pushBar(sym, kMinute0 + kMinuteMs, false));
        QTRY_COMPARE(bars.size(), 4);
        QCOMPARE(bars[2][0].value<Bar>(), *full);
        QCOMPARE(bars[2][1].toBool(), true);
        QCOMPARE(*full, rest.groundTruth(QStringLiteral("XXBTZUSD"), {kMinute0, kMinute0 + kMinuteMs}).front());
        QCOMPARE(bars[3][0].value<Bar>().t, kMinute0 + kMinuteMs);
        QCOMPARE(bars[3][1].toBool(), false);

        ws.dropAll();
        QTRY_COMPARE(lost.size(), 1);
        // Reconnected: the snapshot repeats the last candle, sent as forming again.
        stream->open();
        QTRY_COMPARE(connected.size(), 2);
        QTRY_COMPARE(bars.size(), 5);
        QCOMPARE(bars[4][0].value<Bar>().t, kMinute0 + kMinuteMs);
        QCOMPARE(bars[4][1].toBool(), false);
    }

    void krakenStreamRefused()
    {
        KrakenRig rig;
        QVERIFY(rig.start(QStringLiteral("kraken")));
        // The fake serves interval 1 only: a 5m stream is refused with Kraken's error text.
        std::unique_ptr<BarStream> stream = rig.ex->openStream(QStringLiteral("BTC/USD"), QStringLiteral("5m"));
        QVERIFY(stream);
        QSignalSpy lost(stream.get(), &BarStream::disconnected);
        stream->open();
        QTRY_COMPARE(lost.size(), 1);
        QVERIFY2(lost[0][0].toString().contains(QStringLiteral("Invalid interval")), qPrintable(lost[0][0].toString()));
    }
};

QTEST_GUILESS_MAIN(TstCryptoStreams)
#include "tst_cryptostreams.moc"
