// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "barkeepcore_export.h"
#include "storage/barstore.h"
#include "storage/claimstore.h"
#include "storage/jobstore.h"

#include <QString>

#include <memory>

namespace barkeep {

// One database holding bars, jobs and claims (the seed's DbSource): SQLite by default,
// PostgreSQL when shared. Whoever owns it (Application, tests) opens and closes it and hands
// each part the interface it uses.
class BARKEEPCORE_EXPORT Store : public BarStore, public JobStore, public ClaimStore
{
public:
    ~Store() override;

    // Opens (creating or migrating the schema) and checks it is usable.
    virtual VoidResult open() = 0;
    virtual void close() = 0;
};

// Creates the store for a store.url (sqlite:///path | postgresql://...).
BARKEEPCORE_EXPORT Result<std::unique_ptr<Store>> createBarStore(const QString &url);

} // namespace barkeep
