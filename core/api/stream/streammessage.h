// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "barkeepcore_export.h"
#include "model/series.h"
#include "util/result.h"

#include <QByteArray>
#include <QJsonObject>
#include <QString>

#include <optional>

namespace barkeep {

// One client message of the WebSocket stream (/api/v1/stream, design.md), checked and typed:
//   {"op":"subscribe","id","market","provider","symbol","timeframe"[, "limit"]}
//   {"op":"unsubscribe","id"}
//   {"op":"ping"}
// Pure (no registry, no I/O) so it can be fuzzed and unit-tested; what needs the plugin
// registry (does the market/provider exist, does the symbol) stays in SubscriptionService.
struct StreamCommand
{
    enum class Op { Ping, Subscribe, Unsubscribe };
    Op op = Op::Ping;
    QString id;                 // subscribe/unsubscribe: 1..kMaxIdLength characters
    SeriesKey series;           // subscribe: market, provider, symbol, canonical timeframe name
    std::optional<qint64> limit; // subscribe: snapshot size asked for, in [0, maxLimit]
};

class BARKEEPCORE_EXPORT StreamMessage
{
public:
    static constexpr int kMaxIdLength = 128;

    // The message's "id" as the client sent it (a string, or a number written back as
    // text), for the error answer; empty when absent or not a usable id.
    static QString idOf(const QJsonObject &message);

    // Every error is BadInput with a message that says what to change. `maxLimit` caps
    // "limit" (the server's bars per answer).
    static Result<StreamCommand> parse(const QJsonObject &message, qint64 maxLimit);
    // The raw text frame: must be a JSON object, then as above.
    static Result<StreamCommand> parse(const QByteArray &json, qint64 maxLimit);
};

} // namespace barkeep
