// SPDX-License-Identifier: GPL-3.0-or-later
#include "alpacastream.h"

#include "alpacawire.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace barkeep {

AlpacaStream::AlpacaStream(const QUrl &url, const QString &symbol, const QString &key,
                           const QString &secret, QObject *parent)
    : WebSocketBarStream(url, parent), m_symbol(symbol), m_key(key), m_secret(secret)
{
}

void AlpacaStream::handleMessage(const QByteArray &message)
{
    Result<QList<alpaca::StreamMessage>> parsed = alpaca::parseStreamFrame(message);
    if (!parsed) {
        fail(QStringLiteral("Alpaca stream: ") + parsed.error().message());
        return;
    }
    using Type = alpaca::StreamMessage::Type;
    for (const alpaca::StreamMessage &m : std::as_const(*parsed)) {
        switch (m.type) {
        case Type::Success:
            if (m.msg == QLatin1String("connected")) {
                sendText(QJsonDocument(QJsonObject{{QStringLiteral("action"), QStringLiteral("auth")},
                                                   {QStringLiteral("key"), m_key},
                                                   {QStringLiteral("secret"), m_secret}})
                             .toJson(QJsonDocument::Compact));
            } else if (m.msg == QLatin1String("authenticated")) {
                const QJsonArray syms{m_symbol};
                sendText(QJsonDocument(QJsonObject{{QStringLiteral("action"), QStringLiteral("subscribe")},
                                                   {QStringLiteral("bars"), syms},
                                                   {QStringLiteral("updatedBars"), syms}})
                             .toJson(QJsonDocument::Compact));
            }
            break;
        case Type::Subscription:
            if (m.bars.contains(m_symbol) || m.bars.contains(QStringLiteral("*")))
                markConnected();
            break;
        case Type::Error:
            fail(QStringLiteral("Alpaca stream error %1: %2").arg(m.code).arg(m.msg));
            return;
        case Type::Bar:
        case Type::UpdatedBar:
            if (m.symbol == m_symbol)
                emit barReceived(m.bar, true);
            break;
        case Type::DailyBar:
        case Type::Other:
            break;
        }
    }
}

} // namespace barkeep
