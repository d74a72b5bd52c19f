// SPDX-License-Identifier: GPL-3.0-or-later
#include "alpacastreamfake.h"

#include "alpacafake.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTimeZone>
#include <QWebSocket>

namespace barkeep::fakes {

namespace {
QByteArray array(const QJsonObject &o)
{
    return QJsonDocument(QJsonArray{o}).toJson(QJsonDocument::Compact);
}

QByteArray error(int code, const char *msg)
{
    return array({{QStringLiteral("T"), QStringLiteral("error")},
                  {QStringLiteral("code"), code},
                  {QStringLiteral("msg"), QString::fromLatin1(msg)}});
}
} // namespace

AlpacaStreamFake::AlpacaStreamFake(const AlpacaFake *rest, QObject *parent)
    : StreamFake(
          [rest](const QString &symbol, qint64 minute) -> std::optional<Bar> {
              const Bars b = rest->groundTruth(symbol, {minute, minute + kMinuteMs});
              return b.empty() ? std::nullopt : std::optional<Bar>(b.front());
          },
          parent),
      m_rest(rest)
{
}

void AlpacaStreamFake::handleOpen(Client &client, const QUrl &url)
{
    const QString path = url.path();
    if (path != QLatin1String("/v2/iex") && path != QLatin1String("/v2/sip")
        && path != QLatin1String("/v1beta3/crypto/us")) {
        client.socket->close(QWebSocketProtocol::CloseCodeProtocolError, QStringLiteral("unknown feed"));
        return;
    }
    send(client, array({{QStringLiteral("T"), QStringLiteral("success")},
                        {QStringLiteral("msg"), QStringLiteral("connected")}}));
}

void AlpacaStreamFake::handleText(Client &client, const QByteArray &message)
{
    const QJsonDocument doc = QJsonDocument::fromJson(message);
    const QJsonObject o = doc.object();
    const QString action = o.value(QStringLiteral("action")).toString();
    if (!doc.isObject() || action.isEmpty())
        return send(client, error(400, "invalid syntax"));
    if (action == QLatin1String("auth")) {
        if (client.authenticated)
            return send(client, error(403, "already authenticated"));
        if (o.value(QStringLiteral("key")).toString() != m_rest->keyId()
            || o.value(QStringLiteral("secret")).toString() != m_rest->secret())
            return send(client, error(402, "auth failed"));
        client.authenticated = true;
        return send(client, array({{QStringLiteral("T"), QStringLiteral("success")},
                                   {QStringLiteral("msg"), QStringLiteral("authenticated")}}));
    }
    if (action != QLatin1String("subscribe") && action != QLatin1String("unsubscribe"))
        return send(client, error(400, "invalid syntax"));
    if (!client.authenticated)
        return send(client, error(401, "not authenticated"));
    QSet<QString> wanted;
    for (const char *list : {"bars", "updatedBars"})
        for (const QJsonValue &v : o.value(QLatin1String(list)).toArray())
            wanted.insert(v.toString());
    for (const QString &s : std::as_const(wanted)) {
        if (action == QLatin1String("subscribe"))
            addSubscription(client, s);
        else
            client.symbols.remove(s);
    }
    QJsonArray bars;
    for (const QString &s : std::as_const(client.symbols))
        bars.append(s);
    send(client, array({{QStringLiteral("T"), QStringLiteral("subscription")},
                        {QStringLiteral("trades"), QJsonArray()},
                        {QStringLiteral("quotes"), QJsonArray()},
                        {QStringLiteral("bars"), bars},
                        {QStringLiteral("updatedBars"), bars},
                        {QStringLiteral("dailyBars"), QJsonArray()},
                        {QStringLiteral("statuses"), QJsonArray()},
                        {QStringLiteral("lulds"), QJsonArray()},
                        {QStringLiteral("corrections"), QJsonArray()},
                        {QStringLiteral("cancelErrors"), QJsonArray()}}));
}

QByteArray AlpacaStreamFake::barMessage(const char *type, const QString &symbol, const Bar &bar)
{
    return array({{QStringLiteral("T"), QString::fromLatin1(type)},
                  {QStringLiteral("S"), symbol},
                  {QStringLiteral("o"), bar.o},
                  {QStringLiteral("h"), bar.h},
                  {QStringLiteral("l"), bar.l},
                  {QStringLiteral("c"), bar.c},
                  {QStringLiteral("v"), bar.v},
                  {QStringLiteral("t"), QDateTime::fromMSecsSinceEpoch(bar.t, QTimeZone::utc())
                                            .toString(Qt::ISODate)},
                  {QStringLiteral("n"), 12},
                  {QStringLiteral("vw"), (bar.o + bar.c) / 2}});
}

QByteArray AlpacaStreamFake::encodeBar(const QString &symbol, const Bar &bar, bool final)
{
    // A "b" bar comes only once its minute ended: Alpaca has no forming bar to send.
    return final ? barMessage("b", symbol, bar) : QByteArray();
}

void AlpacaStreamFake::pushUpdatedBar(const QString &symbol, const Bar &bar)
{
    const QByteArray frame = barMessage("u", symbol, bar);
    forEachSubscriber(symbol, [this, &frame](Client &c) { send(c, frame); });
}

} // namespace barkeep::fakes
