# Sources of core/api (LocalApiServer: REST + WebSocket stream, encoders, metrics).
target_sources(barkeep_core PRIVATE
    api/localapiserver.h api/localapiserver.cpp
    api/barjsonencoder.h api/barjsonencoder.cpp
)
