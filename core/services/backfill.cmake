# SPDX-License-Identifier: GPL-3.0-or-later
# Backfill: request pacing per provider, chunk planning and the BackfillManager (issue 6).
target_sources(barkeep_core PRIVATE
    services/requestpacer.h services/requestpacer.cpp
    services/sharedbudget.h services/sharedbudget.cpp
    services/backfillplanner.h services/backfillplanner.cpp
    services/backfillmanager.h services/backfillmanager.cpp
    services/backfillclaimkeeper.h services/backfillclaimkeeper.cpp
    services/backfillchunkrunner.h services/backfillchunkrunner.cpp
    services/backfillinflight.h services/backfillinflight.cpp
    services/backfilljob.h services/backfilljob.cpp
    services/backfilljobrecorder.h services/backfilljobrecorder.cpp
    services/backfilloutbox.h services/backfilloutbox.cpp
)
