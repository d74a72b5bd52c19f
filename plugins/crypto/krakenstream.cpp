// SPDX-License-Identifier: GPL-3.0-or-later
#include "krakenstream.h"

#include "krakenexchange.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>

namespace barkeep::crypto {

KrakenStream::KrakenStream(const QUrl &url, const QString &symbol, int intervalMinutes,
                           QObject *parent)
    : WebSocketBarStream(url, parent), m_symbol(symbol), m_interval(intervalMinutes)
{
}

void KrakenStream::handleOpened()
{
    const QJsonObject params{{QStringLiteral("channel"), QStringLiteral("ohlc")},
                             {QStringLiteral("symbol"), QJsonArray{m_symbol}},
                             {QStringLiteral("interval"), m_interval},
                             {QStringLiteral("snapshot"), true}};
    sendText(QJsonDocument(QJsonObject{{QStringLiteral("method"), QStringLiteral("subscribe")},
                                       {QStringLiteral("params"), params},
                                       {QStringLiteral("req_id"), 1}})
                 .toJson(QJsonDocument::Compact));
}

void KrakenStream::handleMessage(const QByteArray &message)
{
    Result<KrakenExchange::WsMessage> parsed = KrakenExchange::parseWsMessage(message);
    if (!parsed) {
        fail(parsed.error().message());
        return;
    }
    using Type = KrakenExchange::WsMessage::Type;
    if (parsed->type == Type::Ack) {
        if (parsed->ackSymbol == m_symbol)
            markConnected();
        return;
    }
    if (parsed->type != Type::Snapshot && parsed->type != Type::Update)
        return;
    QList<KrakenExchange::WsCandle> candles;
    for (const KrakenExchange::WsCandle &c : std::as_const(parsed->candles))
        if (c.symbol == m_symbol && c.interval == m_interval)
            candles.append(c);
    std::stable_sort(candles.begin(), candles.end(),
                     [](const auto &a, const auto &b) { return a.bar.t < b.bar.t; });
    for (const KrakenExchange::WsCandle &c : std::as_const(candles)) {
        if (m_last && c.bar.t < m_last->t)
            continue; // an older candle than one already seen
        if (m_last && c.bar.t > m_last->t)
            emit barReceived(*m_last, true); // a later candle closes the previous one
        m_last = c.bar;
        emit barReceived(c.bar, false);
    }
}

void KrakenStream::handleClosed()
{
    // The forming candle of a lost connection was never confirmed closed; the owner fetches
    // that window over REST.
    m_last.reset();
}

} // namespace barkeep::crypto
