# Sources of core/storage (bar store, coverage ledger, rollups, quarantine, jobs).
target_sources(barkeep_core PRIVATE
    storage/barstore.h storage/barstore.cpp
    storage/coverageledger.h storage/coverageledger.cpp
    storage/rollup.h storage/rollup.cpp
    storage/barvalidator.h storage/barvalidator.cpp
    storage/barblockcodec.h storage/barblockcodec.cpp
    storage/sqlitebarstore.h storage/sqlitebarstore.cpp
)
# PostgresBarStore is written in parallel; picked up as soon as it lands.
if(EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/storage/postgresbarstore.cpp)
    target_sources(barkeep_core PRIVATE
        storage/postgresbarstore.h storage/postgresbarstore.cpp)
endif()
# The codec's rounding (add and subtract 1.5 * 2^52) must see the product already rounded: a
# fused multiply-add (-march with FMA) would round once and could pick another integer.
set_source_files_properties(storage/barblockcodec.cpp PROPERTIES COMPILE_OPTIONS -ffp-contract=off)
