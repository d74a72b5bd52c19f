# Sources of core/api (LocalApiServer: REST + WebSocket stream, encoders, metrics).
target_sources(barkeep_core PRIVATE
    api/localapiserver.h api/localapiserver.cpp
    api/apicontext.h api/apiaccess.h api/apiaccess.cpp
    api/apimetrics.h api/apimetrics.cpp
    api/apiparams.h api/apiparams.cpp
    api/pendingresponse.h api/pendingresponse.cpp
    api/responsecache.h api/responsecache.cpp
    api/connectionguard.h api/connectionguard.cpp
    api/backfillcontrol.h
    api/barjsonencoder.h api/barjsonencoder.cpp
    api/apitoken.h api/apitoken.cpp
    api/systemcontroller.h api/systemcontroller.cpp
    api/marketscontroller.h api/marketscontroller.cpp
    api/barscontroller.h api/barscontroller.cpp
    api/backfillscontroller.h api/backfillscontroller.cpp
    api/backfillrequest.h api/backfillrequest.cpp
    api/stream/streamqueue.h api/stream/streamqueue.cpp
    api/stream/streamclient.h api/stream/streamclient.cpp
    api/stream/streamsender.h api/stream/streamsender.cpp
    api/stream/subscriptionregistry.h api/stream/subscriptionregistry.cpp
    api/stream/broadcastmanager.h api/stream/broadcastmanager.cpp
    api/stream/redisasyncconnection.h api/stream/redisasyncconnection.cpp
    api/stream/redisfanout.h api/stream/redisfanout.cpp
    api/stream/streammessage.h api/stream/streammessage.cpp
    api/stream/subscriptionservice.h api/stream/subscriptionservice.cpp
)
# docs/openapi.json, compiled in (core links no resource system it does not need); CMake
# re-runs this when the file changes (file(READ) alone does not make it a configure
# dependency: an edited document would be served stale until the next manual configure).
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/docs/openapi.json)
file(READ ${PROJECT_SOURCE_DIR}/docs/openapi.json OPENAPI_JSON)
configure_file(${CMAKE_CURRENT_LIST_DIR}/openapidocument_p.h.in
               ${CMAKE_CURRENT_BINARY_DIR}/api/openapidocument_p.h @ONLY)
target_sources(barkeep_core PRIVATE ${CMAKE_CURRENT_BINARY_DIR}/api/openapidocument_p.h)
