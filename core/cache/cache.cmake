# Sources of core/cache (BarCache: memory LRU and Redis).
target_sources(barkeep_core PRIVATE
    cache/barcache.h cache/barcache.cpp
)
