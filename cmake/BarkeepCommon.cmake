# Flags every Barkeep target shares (qBittorrent's CommonConfig idea): one INTERFACE target.
add_library(barkeep_common INTERFACE)
add_library(Barkeep::Common ALIAS barkeep_common)
target_compile_features(barkeep_common INTERFACE cxx_std_20)
target_compile_definitions(barkeep_common INTERFACE
    QT_NO_CAST_FROM_ASCII
    QT_USE_QSTRINGBUILDER
    QT_NO_NARROWING_CONVERSIONS_IN_CONNECT
    QT_DISABLE_DEPRECATED_BEFORE=0x060400
    BARKEEP_VERSION="${PROJECT_VERSION}")
target_compile_options(barkeep_common INTERFACE
    -Wall -Wextra -Wpedantic -Wshadow=local -Wnon-virtual-dtor -Wcast-align
    -Woverloaded-virtual -Wno-missing-field-initializers)

# Sanitizer build for CI (ASan + UBSan): cmake -DBARKEEP_SANITIZE=ON
option(BARKEEP_SANITIZE "Build with AddressSanitizer and UndefinedBehaviorSanitizer" OFF)
if(BARKEEP_SANITIZE)
    target_compile_options(barkeep_common INTERFACE -fsanitize=address,undefined,float-cast-overflow -fno-omit-frame-pointer)
    target_link_options(barkeep_common INTERFACE -fsanitize=address,undefined,float-cast-overflow)
    # The suite runs there with NDEBUG: keep the thread-affinity asserts (util/threadaffinity.h).
    target_compile_definitions(barkeep_common INTERFACE BARKEEP_THREAD_ASSERTS)
endif()

# Debug information for the barkeep-dbgsym package (packaging/CMakeLists.txt): -g1 keeps
# function names and line tables, enough for symbolized backtraces, at a small build cost.
# Off by default: it changes every object file (a full rebuild of an existing tree).
option(BARKEEP_DEBUG_INFO "Compile with -g1 so the -dbgsym package carries line tables" OFF)
if(BARKEEP_DEBUG_INFO)
    target_compile_options(barkeep_common INTERFACE -g1)
endif()
