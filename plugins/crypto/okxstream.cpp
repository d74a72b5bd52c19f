// SPDX-License-Identifier: GPL-3.0-or-later
#include "okxstream.h"

#include "cryptoexchange.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <cmath>

using namespace Qt::StringLiterals;

namespace barkeep::crypto {

OkxStream::OkxStream(const QUrl &url, const QString &instId, const QString &bar, bool swap,
                     QObject *parent)
    : WebSocketBarStream(url, parent)
    , m_instId(instId)
    , m_channel(u"candle"_s + bar)
    , m_swap(swap)
{
    // At most one push a second while trading, a pong every 20 s: 45 s of silence is dead.
    setIdleTimeout(45'000);
    m_ping.setInterval(kPingIntervalMs);
    connect(&m_ping, &QTimer::timeout, this, [this] { sendText(QByteArrayLiteral("ping")); });
}

void OkxStream::handleOpened()
{
    const QJsonObject arg{{u"channel"_s, m_channel}, {u"instId"_s, m_instId}};
    sendText(QJsonDocument(QJsonObject{{u"id"_s, u"barkeep"_s}, {u"op"_s, u"subscribe"_s},
                                       {u"args"_s, QJsonArray{arg}}})
                 .toJson(QJsonDocument::Compact));
    m_ping.start();
}

void OkxStream::handleMessage(const QByteArray &message)
{
    if (message == "pong")
        return;
    Result<QJsonObject> parsed = CryptoExchange::parseJsonObject(message, u"OKX"_s, u"OKX candle stream"_s);
    if (!parsed) {
        fail(parsed.error().message());
        return;
    }
    const QJsonObject o = *parsed;
    const QString event = o.value(u"event"_s).toString();
    if (event == u"error"_s) {
        fail(u"OKX refused the subscription to %1 %2: %3 (code %4)"_s.arg(
            m_channel, m_instId, o.value(u"msg"_s).toString(), o.value(u"code"_s).toString()));
        return;
    }
    const QJsonObject arg = o.value(u"arg"_s).toObject();
    if (arg.value(u"channel"_s).toString() != m_channel || arg.value(u"instId"_s).toString() != m_instId)
        return; // another channel's frame
    if (event == u"subscribe"_s) {
        markConnected();
        return;
    }
    if (!event.isEmpty())
        return; // unsubscribe, notice
    for (const QJsonValue &v : o.value(u"data"_s).toArray()) {
        const QJsonArray row = v.toArray();
        Bar b;
        double t = 0;
        const QString confirm = row.at(8).toString();
        if (row.size() < 9 || !CryptoExchange::toNumber(row.at(0), &t) || !isTimeInRange(t)
            || t != std::floor(t) || !CryptoExchange::toNumber(row.at(1), &b.o)
            || !CryptoExchange::toNumber(row.at(2), &b.h) || !CryptoExchange::toNumber(row.at(3), &b.l)
            || !CryptoExchange::toNumber(row.at(4), &b.c)
            || !CryptoExchange::toNumber(row.at(m_swap ? 6 : 5), &b.v)
            || (confirm != u"0"_s && confirm != u"1"_s) || b.h < b.l || b.v < 0) {
            fail(u"OKX candle stream: malformed row %1"_s.arg(CryptoExchange::compact(v)));
            return;
        }
        b.t = qint64(t);
        emit barReceived(b, confirm == u"1"_s);
    }
}

void OkxStream::handleClosed()
{
    m_ping.stop();
}

} // namespace barkeep::crypto
