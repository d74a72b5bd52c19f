// SPDX-License-Identifier: GPL-3.0-or-later
#include "bybitstreamfake.h"

#include "fakeserver.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace barkeep::fakes {

BybitStreamFake::BybitStreamFake(const FakeServer *rest, QObject *parent)
    : StreamFake(
          [rest](const QString &symbol, qint64 minute) -> std::optional<Bar> {
              const Bars b = rest->groundTruth(symbol, {minute, minute + kMinuteMs});
              return b.empty() ? std::nullopt : std::optional<Bar>(b.front());
          },
          parent)
{
}

void BybitStreamFake::handleOpen(Client &client, const QUrl &url)
{
    Q_UNUSED(client);
    Q_UNUSED(url); // /v5/public/spot or /linear: the topics say the rest
}

void BybitStreamFake::handleText(Client &client, const QByteArray &message)
{
    const QJsonObject o = QJsonDocument::fromJson(message).object();
    const QString op = o.value(QStringLiteral("op")).toString();
    const QString reqId = o.value(QStringLiteral("req_id")).toString();
    if (op == QLatin1String("ping")) {
        ++m_pings;
        send(client, "{\"success\":true,\"ret_msg\":\"pong\",\"conn_id\":\"fake-conn\",\"op\":\"ping\"}");
        return;
    }
    if (op != QLatin1String("subscribe"))
        return;
    bool ok = true;
    for (const QJsonValue &a : o.value(QStringLiteral("args")).toArray()) {
        const QStringList parts = a.toString().split(QLatin1Char('.'));
        if (parts.size() != 3 || parts[0] != QLatin1String("kline") || parts[1] != QLatin1String("1")) {
            ok = false;
            continue;
        }
        addSubscription(client, parts[2]);
    }
    send(client, "{\"success\":" + QByteArray(ok ? "true" : "false") + ",\"ret_msg\":\""
                     + QByteArray(ok ? "subscribe" : "Invalid topic") + "\",\"conn_id\":\"fake-conn\",\"req_id\":\""
                     + reqId.toUtf8() + "\",\"op\":\"subscribe\"}");
}

QByteArray BybitStreamFake::encodeBar(const QString &symbol, const Bar &bar, bool final)
{
    auto num = [](double v) { return QByteArray::number(v, 'f', 8); };
    const QByteArray now = QByteArray::number(QDateTime::currentMSecsSinceEpoch());
    return "{\"topic\":\"kline.1." + symbol.toUtf8() + "\",\"type\":\"snapshot\",\"ts\":" + now
           + ",\"data\":[{\"start\":" + QByteArray::number(bar.t) + ",\"end\":"
           + QByteArray::number(bar.t + kMinuteMs - 1) + ",\"interval\":\"1\",\"open\":\"" + num(bar.o)
           + "\",\"close\":\"" + num(bar.c) + "\",\"high\":\"" + num(bar.h) + "\",\"low\":\"" + num(bar.l)
           + "\",\"volume\":\"" + num(bar.v) + "\",\"turnover\":\"" + num(bar.v * bar.c)
           + "\",\"confirm\":" + (final ? "true" : "false") + ",\"timestamp\":" + now + "}]}";
}

} // namespace barkeep::fakes
