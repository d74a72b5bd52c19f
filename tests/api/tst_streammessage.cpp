// SPDX-License-Identifier: GPL-3.0-or-later
// StreamMessage::parse (core/api/stream/streammessage.h): the WebSocket stream's client
// messages typed, and every malformed one rejected with a BadInput error that names the field.
#include "api/stream/streammessage.h"

#include <QJsonDocument>
#include <QTest>

using namespace barkeep;

namespace {
constexpr qint64 kMaxLimit = 5000;

Result<StreamCommand> parse(const QByteArray &json) { return StreamMessage::parse(json, kMaxLimit); }
} // namespace

class TstStreamMessage : public QObject
{
    Q_OBJECT

private slots:
    void subscribe()
    {
        const Result<StreamCommand> c = parse(
            R"({"op":"subscribe","id":"s1","market":"crypto","provider":"binance","symbol":"BTC/USDT","timeframe":"1h"})");
        QVERIFY2(c, c ? "" : qPrintable(c.error().message()));
        QCOMPARE(c->op, StreamCommand::Op::Subscribe);
        QCOMPARE(c->id, QStringLiteral("s1"));
        QCOMPARE(c->series.market, QStringLiteral("crypto"));
        QCOMPARE(c->series.provider, QStringLiteral("binance"));
        QCOMPARE(c->series.symbol, QStringLiteral("BTC/USDT"));
        QCOMPARE(c->series.timeframe, QStringLiteral("1h"));
        QVERIFY(!c->limit);
    }

    void subscribeDefaultsAndLimit()
    {
        // No timeframe → 1m; a numeric id is written back as text; limit 0 is allowed.
        const Result<StreamCommand> c = parse(
            R"({"op":"subscribe","id":42,"market":"stocks","provider":"alpaca","symbol":"AAPL","limit":0})");
        QVERIFY2(c, c ? "" : qPrintable(c.error().message()));
        QCOMPARE(c->id, QStringLiteral("42"));
        QCOMPARE(c->series.timeframe, QStringLiteral("1m"));
        QCOMPARE(c->limit, std::optional<qint64>(0));
        const Result<StreamCommand> max = parse(
            R"({"op":"subscribe","id":"x","market":"m","provider":"p","symbol":"S","limit":5000})");
        QVERIFY(max);
        QCOMPARE(max->limit, std::optional<qint64>(5000));
    }

    void unsubscribeAndPing()
    {
        const Result<StreamCommand> u = parse(R"({"op":"unsubscribe","id":"s1"})");
        QVERIFY(u);
        QCOMPARE(u->op, StreamCommand::Op::Unsubscribe);
        QCOMPARE(u->id, QStringLiteral("s1"));
        const Result<StreamCommand> p = parse(R"({"op":"ping"})");
        QVERIFY(p);
        QCOMPARE(p->op, StreamCommand::Op::Ping);
    }

    void rejected_data()
    {
        QTest::addColumn<QByteArray>("json");
        QTest::addColumn<QString>("hint"); // part of the message that says what to change
        const QByteArray sub = R"("op":"subscribe","id":"1","market":"crypto","provider":"demo")";
        QTest::newRow("not json") << QByteArray("hello") << QStringLiteral("JSON objects");
        QTest::newRow("array") << QByteArray(R"([{"op":"ping"}])") << QStringLiteral("JSON objects");
        QTest::newRow("empty") << QByteArray() << QStringLiteral("JSON objects");
        QTest::newRow("no op") << QByteArray(R"({"id":"1"})") << QStringLiteral("missing 'op'");
        QTest::newRow("unknown op") << QByteArray(R"({"op":"dance","id":"1"})") << QStringLiteral("unknown op 'dance'");
        QTest::newRow("op not a string") << QByteArray(R"({"op":3,"id":"1"})") << QStringLiteral("unknown op");
        QTest::newRow("no id") << QByteArray(R"({"op":"subscribe","market":"crypto"})") << QStringLiteral("'id'");
        QTest::newRow("empty id") << QByteArray(R"({"op":"unsubscribe","id":""})") << QStringLiteral("'id'");
        QTest::newRow("id object") << QByteArray(R"({"op":"unsubscribe","id":{}})") << QStringLiteral("'id'");
        QTest::newRow("id too long") << (R"({"op":"unsubscribe","id":")" + QByteArray(129, 'x') + R"("})")
                                     << QStringLiteral("at most 128");
        QTest::newRow("no market") << QByteArray(R"({"op":"subscribe","id":"1","provider":"demo","symbol":"A"})")
                                   << QStringLiteral("missing 'market'");
        QTest::newRow("provider null") << QByteArray(R"({"op":"subscribe","id":"1","market":"crypto","provider":null,"symbol":"A"})")
                                       << QStringLiteral("missing 'provider'");
        QTest::newRow("market number") << QByteArray(R"({"op":"subscribe","id":"1","market":5,"provider":"demo","symbol":"A"})")
                                       << QStringLiteral("'market' must be a string");
        QTest::newRow("no symbol") << QByteArray("{" + sub + "}") << QStringLiteral("missing 'symbol'");
        QTest::newRow("empty symbol") << QByteArray("{" + sub + R"(,"symbol":""})") << QStringLiteral("'symbol' must not be empty");
        QTest::newRow("symbol with space") << QByteArray("{" + sub + R"(,"symbol":"BTC USDT"})") << QStringLiteral("spaces");
        QTest::newRow("symbol too long") << QByteArray("{" + sub + R"(,"symbol":")" + QByteArray(65, 'A') + R"("})")
                                         << QStringLiteral("64");
        QTest::newRow("bad timeframe") << QByteArray("{" + sub + R"(,"symbol":"A","timeframe":"9q"})") << QStringLiteral("9q");
        QTest::newRow("timeframe number") << QByteArray("{" + sub + R"(,"symbol":"A","timeframe":60})") << QStringLiteral("'timeframe' must be a string");
        QTest::newRow("negative limit") << QByteArray("{" + sub + R"(,"symbol":"A","limit":-3})") << QStringLiteral("'limit'");
        QTest::newRow("fractional limit") << QByteArray("{" + sub + R"(,"symbol":"A","limit":2.5})") << QStringLiteral("'limit'");
        QTest::newRow("limit too big") << QByteArray("{" + sub + R"(,"symbol":"A","limit":5001})") << QStringLiteral("between 0 and 5000");
        QTest::newRow("limit 1e300") << QByteArray("{" + sub + R"(,"symbol":"A","limit":1e300})") << QStringLiteral("'limit'");
        QTest::newRow("limit string") << QByteArray("{" + sub + R"(,"symbol":"A","limit":"10"})") << QStringLiteral("'limit'");
    }

    void rejected()
    {
        QFETCH(QByteArray, json);
        QFETCH(QString, hint);
        const Result<StreamCommand> c = parse(json);
        QVERIFY(!c);
        QCOMPARE(c.error().kind(), Error::Kind::BadInput);
        QVERIFY2(c.error().message().contains(hint), qPrintable(c.error().message()));
    }

    void idForErrors()
    {
        // The error answer echoes a usable id, and nothing for a missing or oversized one.
        auto obj = [](const QByteArray &json) { return QJsonDocument::fromJson(json).object(); };
        QCOMPARE(StreamMessage::idOf(obj(R"({"op":"dance","id":"7"})")), QStringLiteral("7"));
        QCOMPARE(StreamMessage::idOf(obj(R"({"op":"dance","id":7})")), QStringLiteral("7"));
        QCOMPARE(StreamMessage::idOf(obj(R"({"op":"dance"})")), QString());
        QCOMPARE(StreamMessage::idOf(obj(R"({"id":")" + QByteArray(129, 'x') + R"("})")), QString());
    }
};

QTEST_GUILESS_MAIN(TstStreamMessage)
#include "tst_streammessage.moc"
