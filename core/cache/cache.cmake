# Sources of core/cache (BarCache: memory LRU and Redis).
target_sources(barkeep_core PRIVATE
    cache/barcache.h cache/barcache.cpp
    cache/packedbars.h cache/packedbars.cpp
    cache/memorycache.h cache/memorycache.cpp
    cache/rediscache.h cache/rediscache.cpp
)
