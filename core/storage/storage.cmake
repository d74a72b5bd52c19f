# Sources of core/storage (bar store, coverage ledger, rollups, quarantine, jobs).
target_sources(barkeep_core PRIVATE
    storage/barstore.h storage/barstore.cpp
)
