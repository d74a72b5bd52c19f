// SPDX-License-Identifier: GPL-3.0-or-later
#include "streammessage.h"

#include "api/apiparams.h"
#include "model/timeframe.h"

#include <QJsonDocument>
#include <QJsonParseError>
#include <QJsonValue>

namespace barkeep {

namespace {
Error badInput(const QString &message) { return Error(Error::Kind::BadInput, message); }

QString rawId(const QJsonValue &v)
{
    if (v.isString())
        return v.toString();
    if (v.isDouble())
        return QString::number(v.toDouble(), 'g', 17);
    return {};
}

// A required non-empty string field; the message names the field.
Result<QString> requiredText(const QJsonObject &message, const QString &name)
{
    const QJsonValue v = message.value(name);
    if (v.isUndefined() || v.isNull())
        return badInput(QStringLiteral("missing '%1'").arg(name));
    if (!v.isString())
        return badInput(QStringLiteral("'%1' must be a string").arg(name));
    if (v.toString().isEmpty())
        return badInput(QStringLiteral("'%1' must not be empty").arg(name));
    return v.toString();
}
} // namespace

QString StreamMessage::idOf(const QJsonObject &message)
{
    const QString id = rawId(message.value(QStringLiteral("id")));
    return id.size() > kMaxIdLength ? QString() : id;
}

Result<StreamCommand> StreamMessage::parse(const QJsonObject &message, qint64 maxLimit)
{
    StreamCommand cmd;
    const QJsonValue opValue = message.value(QStringLiteral("op"));
    const QString op = opValue.toString();
    if (op == QLatin1String("ping"))
        return cmd;
    if (op == QLatin1String("subscribe"))
        cmd.op = StreamCommand::Op::Subscribe;
    else if (op == QLatin1String("unsubscribe"))
        cmd.op = StreamCommand::Op::Unsubscribe;
    else if (opValue.isUndefined())
        return badInput(QStringLiteral("missing 'op': use subscribe, unsubscribe or ping"));
    else
        return badInput(QStringLiteral("unknown op '%1': use subscribe, unsubscribe or ping").arg(op.left(32)));

    cmd.id = rawId(message.value(QStringLiteral("id")));
    if (cmd.id.isEmpty() || cmd.id.size() > kMaxIdLength)
        return badInput(QStringLiteral("'id' must be a non-empty string (at most %1 characters)").arg(kMaxIdLength));
    if (cmd.op == StreamCommand::Op::Unsubscribe)
        return cmd;

    for (auto [field, name] : {std::pair{&cmd.series.market, QStringLiteral("market")},
                               std::pair{&cmd.series.provider, QStringLiteral("provider")},
                               std::pair{&cmd.series.symbol, QStringLiteral("symbol")}}) {
        Result<QString> text = requiredText(message, name);
        if (!text)
            return text.error();
        *field = *text;
    }
    if (VoidResult ok = checkSymbolText(cmd.series.symbol); !ok)
        return ok.error();

    const QJsonValue tfValue = message.value(QStringLiteral("timeframe"));
    if (!tfValue.isUndefined() && !tfValue.isString())
        return badInput(QStringLiteral("'timeframe' must be a string like \"1m\", \"1h\" or \"1d\""));
    Result<Timeframe> tf = Timeframe::parse(tfValue.toString(QStringLiteral("1m")));
    if (!tf)
        return badInput(tf.error().message());
    cmd.series.timeframe = tf->name();

    if (message.contains(QStringLiteral("limit"))) {
        // JSON numbers are doubles: compare before converting (a cast of 1e300 is undefined).
        const double l = message.value(QStringLiteral("limit")).toDouble(-1);
        if (!(l >= 0 && l <= double(maxLimit) && l == double(qint64(l))))
            return badInput(QStringLiteral("'limit' must be an integer between 0 and %1").arg(maxLimit));
        cmd.limit = qint64(l);
    }
    return cmd;
}

Result<StreamCommand> StreamMessage::parse(const QByteArray &json, qint64 maxLimit)
{
    QJsonParseError perr;
    const QJsonDocument doc = QJsonDocument::fromJson(json, &perr);
    if (!doc.isObject())
        return badInput(QStringLiteral("messages are JSON objects like {\"op\":\"subscribe\",...}"));
    return parse(doc.object(), maxLimit);
}

} // namespace barkeep
