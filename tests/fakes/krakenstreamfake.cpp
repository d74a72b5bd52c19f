// SPDX-License-Identifier: GPL-3.0-or-later
#include "krakenstreamfake.h"

#include "fakeserver.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTimeZone>
#include <QWebSocket>

namespace barkeep::fakes {

namespace {
const std::pair<const char *, const char *> kNames[] = {
    {"BTC/USD", "XXBTZUSD"}, {"ETH/USD", "XETHZUSD"}, {"SOL/USD", "SOLUSD"}, {"BTC/EUR", "XXBTZEUR"}};

QString rfc3339(qint64 ms)
{
    return QDateTime::fromMSecsSinceEpoch(ms, QTimeZone::utc())
        .toString(QStringLiteral("yyyy-MM-ddTHH:mm:ss.zzz000000Z"));
}

QByteArray compact(const QJsonObject &o)
{
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}
} // namespace

KrakenStreamFake::KrakenStreamFake(const FakeServer *rest, QObject *parent)
    : StreamFake(
          [rest](const QString &symbol, qint64 minute) -> std::optional<Bar> {
              const Bars b = rest->groundTruth(symbol, {minute, minute + kMinuteMs});
              return b.empty() ? std::nullopt : std::optional<Bar>(b.front());
          },
          parent)
{
}

QString KrakenStreamFake::truthSymbol(const QString &symbol) const
{
    for (const auto &[ws, key] : kNames)
        if (symbol == QLatin1String(ws))
            return QString::fromLatin1(key);
    return {};
}

void KrakenStreamFake::handleOpen(Client &client, const QUrl &url)
{
    if (url.path() != QLatin1String("/v2"))
        client.socket->close(QWebSocketProtocol::CloseCodeProtocolError, QStringLiteral("unknown path"));
}

void KrakenStreamFake::handleText(Client &client, const QByteArray &message)
{
    const QJsonObject o = QJsonDocument::fromJson(message).object();
    const QString method = o.value(QStringLiteral("method")).toString();
    const QJsonObject params = o.value(QStringLiteral("params")).toObject();
    const QJsonValue reqId = o.value(QStringLiteral("req_id"));
    auto answer = [&](const QString &symbol, const QString &error) {
        QJsonObject a{{QStringLiteral("method"), method},
                      {QStringLiteral("success"), error.isEmpty()},
                      {QStringLiteral("time_in"), rfc3339(QDateTime::currentMSecsSinceEpoch())},
                      {QStringLiteral("time_out"), rfc3339(QDateTime::currentMSecsSinceEpoch())}};
        if (error.isEmpty())
            a.insert(QStringLiteral("result"),
                     QJsonObject{{QStringLiteral("channel"), QStringLiteral("ohlc")},
                                 {QStringLiteral("symbol"), symbol},
                                 {QStringLiteral("snapshot"), params.value(QStringLiteral("snapshot")).toBool(true)},
                                 {QStringLiteral("interval"), 1}});
        else
            a.insert(QStringLiteral("error"), error);
        if (!reqId.isUndefined())
            a.insert(QStringLiteral("req_id"), reqId);
        send(client, compact(a));
    };
    if (method != QLatin1String("subscribe") && method != QLatin1String("unsubscribe"))
        return answer({}, QStringLiteral("Unsupported method"));
    if (params.value(QStringLiteral("channel")).toString() != QLatin1String("ohlc"))
        return answer({}, QStringLiteral("Channel not supported by this fake"));
    if (params.value(QStringLiteral("interval")).toInt() != 1)
        return answer({}, QStringLiteral("Invalid interval (this fake serves 1)"));
    const QJsonArray symbols = params.value(QStringLiteral("symbol")).toArray();
    if (symbols.isEmpty())
        return answer({}, QStringLiteral("Missing symbol"));
    for (const QJsonValue &v : symbols) {
        const QString sym = v.toString();
        if (truthSymbol(sym).isEmpty()) {
            answer(sym, QStringLiteral("Currency pair not supported ") + sym);
            continue;
        }
        answer(sym, {});
        if (method == QLatin1String("unsubscribe")) {
            client.symbols.remove(sym);
            continue;
        }
        addSubscription(client, sym);
        if (params.value(QStringLiteral("snapshot")).toBool(true)) {
            const auto it = m_last.constFind(sym);
            send(client, frame("snapshot", sym, it == m_last.cend() ? std::nullopt : std::optional<Bar>(*it)));
        }
    }
}

QByteArray KrakenStreamFake::frame(const char *type, const QString &symbol,
                                   const std::optional<Bar> &bar) const
{
    QJsonArray data;
    if (bar) {
        data.append(QJsonObject{{QStringLiteral("symbol"), symbol},
                                {QStringLiteral("open"), bar->o},
                                {QStringLiteral("high"), bar->h},
                                {QStringLiteral("low"), bar->l},
                                {QStringLiteral("close"), bar->c},
                                {QStringLiteral("vwap"), (bar->o + bar->c) / 2},
                                {QStringLiteral("trades"), 10},
                                {QStringLiteral("volume"), bar->v},
                                {QStringLiteral("interval_begin"), rfc3339(bar->t)},
                                {QStringLiteral("interval"), 1},
                                {QStringLiteral("timestamp"), rfc3339(bar->t + kMinuteMs)}});
    }
    return compact({{QStringLiteral("channel"), QStringLiteral("ohlc")},
                    {QStringLiteral("type"), QString::fromLatin1(type)},
                    {QStringLiteral("timestamp"), rfc3339(QDateTime::currentMSecsSinceEpoch())},
                    {QStringLiteral("data"), data}});
}

QByteArray KrakenStreamFake::encodeBar(const QString &symbol, const Bar &bar, bool final)
{
    Q_UNUSED(final); // Kraken has no closed flag: a later candle closes this one
    m_last.insert(symbol, bar);
    return frame("update", symbol, bar);
}

} // namespace barkeep::fakes
