// SPDX-License-Identifier: GPL-3.0-or-later
#include "binancestream.h"

#include "binanceexchange.h"
#include "log/logging.h"

namespace barkeep::crypto {

BinanceStream::BinanceStream(const QUrl &url, const QString &nativeSymbol, QObject *parent)
    : WebSocketBarStream(url, parent), m_symbol(nativeSymbol)
{
    setIdleTimeout(30'000);
}

void BinanceStream::handleOpened()
{
    // Raw streams start flowing without a request; connected() waits for the first kline so
    // that a URL Binance refuses (unknown stream) never counts as a connection.
}

void BinanceStream::handleMessage(const QByteArray &message)
{
    Result<std::optional<StreamBar>> parsed = BinanceExchange::parseKlineEvent(message);
    if (!parsed) {
        fail(parsed.error().message());
        return;
    }
    if (!*parsed)
        return;
    const StreamBar &sb = **parsed;
    if (sb.symbol.compare(m_symbol, Qt::CaseInsensitive) != 0) {
        fail(QStringLiteral("Binance kline stream: a bar of %1 on the %2 stream").arg(sb.symbol, m_symbol));
        return;
    }
    markConnected();
    emit barReceived(sb.bar, sb.final);
}

} // namespace barkeep::crypto
