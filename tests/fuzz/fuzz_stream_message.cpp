// SPDX-License-Identifier: GPL-3.0-or-later
// One text frame of the WebSocket stream (/api/v1/stream): JSON parsing by QJsonDocument,
// then StreamMessage::parse (core/api/stream/streammessage.h), the code
// SubscriptionService::handleMessage runs on every client message before any registry lookup.
#include "api/stream/streammessage.h"
#include "fuzzinput.h"
#include "model/timeframe.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    using namespace barkeep;
    if (size > 65536) // QWebSocket frames are capped far below this by the server's limits
        return 0;
    const QByteArray text = fuzz::bytes(data, size);
    const Result<StreamCommand> cmd = StreamMessage::parse(text, 5000);
    if (!cmd) {
        // Every rejection says why.
        if (cmd.error().message().isEmpty())
            __builtin_trap();
        return 0;
    }
    if (cmd->op == StreamCommand::Op::Subscribe) {
        // What the service does next with an accepted command must hold: a valid id, a
        // canonical timeframe that parses again, a limit in range.
        if (cmd->id.isEmpty() || cmd->id.size() > StreamMessage::kMaxIdLength)
            __builtin_trap();
        const Result<Timeframe> tf = Timeframe::parse(cmd->series.timeframe);
        if (!tf || (cmd->limit && (*cmd->limit < 0 || *cmd->limit > 5000)))
            __builtin_trap();
        fuzz::consume(tf->bucketStart(0));
    }
    fuzz::consume(cmd);
    return 0;
}
