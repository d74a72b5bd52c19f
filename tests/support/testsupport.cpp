// SPDX-License-Identifier: GPL-3.0-or-later
#include "testsupport.h"

#include <QtGlobal>

namespace barkeep::test {

QString postgresUrl() { return qEnvironmentVariable("BK_TEST_POSTGRES_URL"); }
QString redisUrl() { return qEnvironmentVariable("BK_TEST_REDIS_URL"); }
bool serversRequired() { return qEnvironmentVariableIntValue("BK_TEST_REQUIRE_SERVERS") == 1; }
QString barkeepBinary() { return QStringLiteral(BARKEEP_BINARY); }

} // namespace barkeep::test
