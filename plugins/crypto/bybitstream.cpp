// SPDX-License-Identifier: GPL-3.0-or-later
#include "bybitstream.h"

#include "cryptoexchange.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

using namespace Qt::StringLiterals;

namespace barkeep::crypto {

BybitStream::BybitStream(const QUrl &url, const QString &nativeSymbol, const QString &interval,
                         QObject *parent)
    : WebSocketBarStream(url, parent)
    , m_topic(u"kline.%1.%2"_s.arg(interval, nativeSymbol))
{
    // Pushes come every 1–60 s and pongs every 20 s: 75 s of silence is a dead connection.
    setIdleTimeout(75'000);
    m_ping.setInterval(kPingIntervalMs);
    connect(&m_ping, &QTimer::timeout, this, [this] { sendText(QByteArrayLiteral("{\"op\":\"ping\"}")); });
}

void BybitStream::handleOpened()
{
    const QJsonObject subscribe{{u"req_id"_s, u"barkeep"_s},
                                {u"op"_s, u"subscribe"_s},
                                {u"args"_s, QJsonArray{m_topic}}};
    sendText(QJsonDocument(subscribe).toJson(QJsonDocument::Compact));
    m_ping.start();
}

void BybitStream::handleMessage(const QByteArray &message)
{
    Result<QJsonObject> parsed = CryptoExchange::parseJsonObject(message, u"Bybit"_s, u"Bybit kline stream"_s);
    if (!parsed) {
        fail(parsed.error().message());
        return;
    }
    const QJsonObject o = *parsed;
    const QString op = o.value(u"op"_s).toString();
    if (op == u"subscribe"_s) {
        if (o.value(u"success"_s).toBool())
            markConnected();
        else
            fail(u"Bybit refused the subscription to %1: %2"_s.arg(m_topic, o.value(u"ret_msg"_s).toString()));
        return;
    }
    if (op == u"ping"_s || op == u"pong"_s || o.value(u"topic"_s).toString() != m_topic)
        return; // a pong, or another topic
    for (const QJsonValue &v : o.value(u"data"_s).toArray()) {
        const QJsonObject k = v.toObject();
        Bar b;
        const QJsonValue start = k.value(u"start"_s);
        const QJsonValue confirm = k.value(u"confirm"_s);
        if (!start.isDouble() || !isTimeInRange(start.toDouble()) || !confirm.isBool()
            || !CryptoExchange::toNumber(k.value(u"open"_s), &b.o)
            || !CryptoExchange::toNumber(k.value(u"high"_s), &b.h)
            || !CryptoExchange::toNumber(k.value(u"low"_s), &b.l)
            || !CryptoExchange::toNumber(k.value(u"close"_s), &b.c)
            || !CryptoExchange::toNumber(k.value(u"volume"_s), &b.v) || b.h < b.l || b.v < 0) {
            fail(u"Bybit kline stream: malformed candle %1"_s.arg(CryptoExchange::compact(v)));
            return;
        }
        b.t = qint64(start.toDouble());
        emit barReceived(b, confirm.toBool());
    }
}

void BybitStream::handleClosed()
{
    m_ping.stop();
}

} // namespace barkeep::crypto
