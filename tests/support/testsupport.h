// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QString>

namespace barkeep::test {

// The URL of the throw-away server tools/test.sh started, or empty. When empty and
// BK_TEST_REQUIRE_SERVERS=1 (CI), requireServer() fails the test instead of skipping it,
// so a missing server can never turn a suite green.
QString postgresUrl();
QString redisUrl();
bool serversRequired();

// Path of the built barkeep binary.
QString barkeepBinary();

} // namespace barkeep::test

// Skips (locally) or fails (CI) when the server URL is empty.
#define BK_REQUIRE_SERVER(url, what)                                                         \
    do {                                                                                    \
        if ((url).isEmpty()) {                                                              \
            if (barkeep::test::serversRequired())                                           \
                QFAIL(what " is required (BK_TEST_REQUIRE_SERVERS=1) but its URL is unset"); \
            QSKIP(what " not available: run through tools/test.sh");                        \
        }                                                                                   \
    } while (false)
