# Sources of core/services (MarketService, DataOrchestrator and its DataSources, backfill).
target_sources(barkeep_core PRIVATE
    services/marketservice.h services/marketservice.cpp
    services/dataorchestrator.h services/dataorchestrator.cpp
    services/subscriptionworker.h services/subscriptionworker.cpp
    services/timeframesources.h services/timeframesources.cpp
    services/datasources/cachesource.h services/datasources/dbsource.h
    services/datasources/aggregatesource.h services/datasources/aggregatesource.cpp
    services/datasources/pluginsource.h services/datasources/pluginsource.cpp
)
include(services/backfill.cmake)
