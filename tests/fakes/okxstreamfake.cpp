// SPDX-License-Identifier: GPL-3.0-or-later
#include "okxstreamfake.h"

#include "fakeserver.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace barkeep::fakes {

OkxStreamFake::OkxStreamFake(const FakeServer *rest, QObject *parent)
    : StreamFake(
          [rest](const QString &symbol, qint64 minute) -> std::optional<Bar> {
              const Bars b = rest->groundTruth(symbol, {minute, minute + kMinuteMs});
              return b.empty() ? std::nullopt : std::optional<Bar>(b.front());
          },
          parent)
{
}

void OkxStreamFake::handleOpen(Client &client, const QUrl &url)
{
    Q_UNUSED(client);
    Q_UNUSED(url);
}

void OkxStreamFake::handleText(Client &client, const QByteArray &message)
{
    if (message == "ping") {
        ++m_pings;
        send(client, "pong");
        return;
    }
    const QJsonObject o = QJsonDocument::fromJson(message).object();
    if (o.value(QStringLiteral("op")).toString() != QLatin1String("subscribe"))
        return;
    const QByteArray id = o.value(QStringLiteral("id")).toString().toUtf8();
    for (const QJsonValue &a : o.value(QStringLiteral("args")).toArray()) {
        const QJsonObject arg = a.toObject();
        const QByteArray argText = QJsonDocument(arg).toJson(QJsonDocument::Compact);
        if (arg.value(QStringLiteral("channel")).toString() != QLatin1String("candle1m")) {
            send(client, "{\"id\":\"" + id + "\",\"event\":\"error\",\"code\":\"60012\",\"msg\":\"Invalid request: "
                             + QByteArray(argText).replace('"', '\'') + "\",\"connId\":\"fake-conn\"}");
            continue;
        }
        addSubscription(client, arg.value(QStringLiteral("instId")).toString());
        send(client, "{\"id\":\"" + id + "\",\"event\":\"subscribe\",\"arg\":" + argText + ",\"connId\":\"fake-conn\"}");
    }
}

QByteArray OkxStreamFake::encodeBar(const QString &symbol, const Bar &bar, bool final)
{
    auto num = [](double v) { return QString::number(v, 'f', 8); };
    const QJsonArray row{QString::number(bar.t), num(bar.o), num(bar.h), num(bar.l), num(bar.c),
                         num(bar.v), num(bar.v), num(bar.v * bar.c),
                         final ? QStringLiteral("1") : QStringLiteral("0")};
    return "{\"arg\":{\"channel\":\"candle1m\",\"instId\":\"" + symbol.toUtf8() + "\"},\"data\":["
           + QJsonDocument(row).toJson(QJsonDocument::Compact) + "]}";
}

} // namespace barkeep::fakes
