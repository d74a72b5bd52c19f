# Sources of core/storage (bar store, coverage ledger, rollups, quarantine, jobs).
target_sources(barkeep_core PRIVATE
    storage/barstore.h storage/barstore.cpp
    storage/coverageledger.h storage/coverageledger.cpp
    storage/rollup.h storage/rollup.cpp
    storage/barvalidator.h storage/barvalidator.cpp
    storage/barblockcodec.h storage/barblockcodec.cpp
    storage/sqlitebarstore.h storage/sqlitebarstore.cpp
)
target_sources(barkeep_core PRIVATE
    storage/postgresbarstore.h storage/postgresbarstore.cpp storage/postgresjobstore.cpp
    # The libpq toolkit of the PostgreSQL store.
    storage/pg/pgwire.h storage/pg/pgwire.cpp
    storage/pg/pgcopy.h storage/pg/pgcopy.cpp
    storage/pg/pgsession.h
    storage/pg/pgschema.h storage/pg/pgschema.cpp
    storage/pg/pgseries.h
    storage/pg/pgconnections.h storage/pg/pgconnections.cpp
)
# The codec's rounding (add and subtract 1.5 * 2^52) must see the product already rounded: a
# fused multiply-add (-march with FMA) would round once and could pick another integer.
set_source_files_properties(storage/barblockcodec.cpp PROPERTIES COMPILE_OPTIONS -ffp-contract=off)
