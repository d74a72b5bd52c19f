// SPDX-License-Identifier: GPL-3.0-or-later
#include "binancestreamfake.h"

#include "fakeserver.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>

namespace barkeep::fakes {

namespace {
// "btcusdt@kline_1m" → "btcusdt"; empty when the name is not a 1m kline stream.
QString klineSymbol(const QString &stream)
{
    static const QRegularExpression re(QStringLiteral("^([a-z0-9]+)@kline_1m$"));
    const QRegularExpressionMatch m = re.match(stream);
    return m.hasMatch() ? m.captured(1) : QString();
}

QByteArray num(double v)
{
    return QByteArray::number(v, 'f', 8);
}
} // namespace

BinanceStreamFake::BinanceStreamFake(const FakeServer *rest, QObject *parent)
    : StreamFake(
          [rest](const QString &symbol, qint64 minute) -> std::optional<Bar> {
              const Bars b = rest->groundTruth(symbol, {minute, minute + kMinuteMs});
              return b.empty() ? std::nullopt : std::optional<Bar>(b.front());
          },
          parent)
{
}

void BinanceStreamFake::handleOpen(Client &client, const QUrl &url)
{
    const QString path = url.path();
    if (path.startsWith(QLatin1String("/ws/"))) {
        const QString sym = klineSymbol(path.mid(4));
        if (sym.isEmpty()) {
            send(client, R"({"code":2,"msg":"Invalid request: unknown stream name"})");
            return;
        }
        addSubscription(client, sym);
    }
}

void BinanceStreamFake::handleText(Client &client, const QByteArray &message)
{
    const QJsonObject o = QJsonDocument::fromJson(message).object();
    const QJsonValue id = o.value(QStringLiteral("id"));
    const QString method = o.value(QStringLiteral("method")).toString();
    auto bad = [&](int code, const char *msg) {
        send(client, QJsonDocument(QJsonObject{{QStringLiteral("code"), code},
                                               {QStringLiteral("msg"), QString::fromLatin1(msg)},
                                               {QStringLiteral("id"), id}})
                         .toJson(QJsonDocument::Compact));
    };
    if (o.isEmpty() || method.isEmpty())
        return bad(3, "Invalid JSON: expected a request object");
    if (method == QLatin1String("LIST_SUBSCRIPTIONS")) {
        QJsonArray names;
        for (const QString &s : std::as_const(client.symbols))
            names.append(QString(s + QStringLiteral("@kline_1m")));
        send(client, QJsonDocument(QJsonObject{{QStringLiteral("result"), names}, {QStringLiteral("id"), id}})
                         .toJson(QJsonDocument::Compact));
        return;
    }
    if (method != QLatin1String("SUBSCRIBE") && method != QLatin1String("UNSUBSCRIBE"))
        return bad(1, "Invalid request: unknown method");
    const QJsonArray params = o.value(QStringLiteral("params")).toArray();
    for (const QJsonValue &p : params) {
        const QString sym = klineSymbol(p.toString());
        if (sym.isEmpty())
            return bad(2, "Invalid request: unknown stream name");
        if (method == QLatin1String("SUBSCRIBE"))
            addSubscription(client, sym);
        else
            client.symbols.remove(sym);
    }
    send(client, QJsonDocument(QJsonObject{{QStringLiteral("result"), QJsonValue::Null}, {QStringLiteral("id"), id}})
                     .toJson(QJsonDocument::Compact));
}

QByteArray BinanceStreamFake::encodeBar(const QString &symbol, const Bar &bar, bool final)
{
    const QByteArray sym = symbol.toUpper().toLatin1();
    const qint64 eventTime = final ? bar.t + kMinuteMs : bar.t + kMinuteMs / 2;
    return "{\"e\":\"kline\",\"E\":" + QByteArray::number(eventTime) + ",\"s\":\"" + sym
           + "\",\"k\":{\"t\":" + QByteArray::number(bar.t) + ",\"T\":"
           + QByteArray::number(bar.t + kMinuteMs - 1) + ",\"s\":\"" + sym
           + "\",\"i\":\"1m\",\"f\":100,\"L\":200,\"o\":\"" + num(bar.o) + "\",\"c\":\""
           + num(bar.c) + "\",\"h\":\"" + num(bar.h) + "\",\"l\":\"" + num(bar.l)
           + "\",\"v\":\"" + num(bar.v) + "\",\"n\":100,\"x\":" + (final ? "true" : "false")
           + ",\"q\":\"" + num(bar.v * bar.c) + "\",\"V\":\"" + num(bar.v / 2) + "\",\"Q\":\""
           + num(bar.v * bar.c / 2) + "\",\"B\":\"0\"}}";
}

} // namespace barkeep::fakes
