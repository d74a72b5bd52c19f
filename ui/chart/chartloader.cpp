// SPDX-License-Identifier: GPL-3.0-or-later
#include "chartloader.h"

#include "services/dataorchestrator.h"

#include <QThreadPool>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace barkeep::ui {

ChartLoader::ChartLoader(DataOrchestrator *orchestrator, QThreadPool *pool)
    : m_orchestrator(orchestrator)
    , m_pool(pool)
{
}

Result<Bars> ChartLoader::read(const SeriesKey &series, TimeRange range) const
{
    if (!m_orchestrator)
        return Error(Error::Kind::Internal, QStringLiteral("no data orchestrator"));
    return m_orchestrator->bars(series, range);
}

Result<SourcedBars> ChartLoader::readSourced(const SeriesKey &series, TimeRange range) const
{
    if (!m_orchestrator)
        return Error(Error::Kind::Internal, QStringLiteral("no data orchestrator"));
    return m_orchestrator->sourcedBars(series, range);
}

bool ChartLoader::releaseAfter(size_t bars) const
{
    if (bars < kReleaseAfterBars || !m_pool)
        return false;
    m_pool->start([] { releaseFreedHeap(); });
    return true;
}

bool ChartLoader::releaseFreedHeap()
{
#if defined(__GLIBC__)
    return malloc_trim(0) != 0;
#else
    return false;
#endif
}

} // namespace barkeep::ui
