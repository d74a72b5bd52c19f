// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "model/bar.h"
#include "model/series.h"
#include "services/backfillmanager.h"
#include "util/result.h"

#include <QList>

#include <optional>

namespace barkeep {

// What the backfill routes need from BackfillManager. An interface rather than the class
// itself so core/api links (and its tests run against a scripted fake) independently of
// BackfillManager's implementation; BackfillManagerControl adapts the real one.
class BackfillControl
{
public:
    virtual ~BackfillControl() = default;
    virtual Result<qint64> submit(const SeriesKey &series, TimeRange range) = 0;
    virtual VoidResult cancel(qint64 id) = 0;
    virtual VoidResult pause(qint64 id) = 0;
    virtual VoidResult resume(qint64 id) = 0;
    virtual VoidResult setPriority(qint64 id, int priority) = 0;
    virtual std::optional<BackfillJobInfo> job(qint64 id) const = 0;
    virtual QList<BackfillJobInfo> jobs() const = 0;
};

// Forwards to a BackfillManager (owned elsewhere). Header-only on purpose: only the code
// that constructs it (Application) references BackfillManager's symbols.
template <class Manager = BackfillManager>
class BackfillManagerControl final : public BackfillControl
{
public:
    explicit BackfillManagerControl(Manager *manager) : m_manager(manager) {}
    Result<qint64> submit(const SeriesKey &series, TimeRange range) override
    {
        return m_manager->submit(series, range);
    }
    VoidResult cancel(qint64 id) override { return m_manager->cancel(id); }
    VoidResult pause(qint64 id) override { return m_manager->pause(id); }
    VoidResult resume(qint64 id) override { return m_manager->resume(id); }
    VoidResult setPriority(qint64 id, int priority) override { return m_manager->setPriority(id, priority); }
    std::optional<BackfillJobInfo> job(qint64 id) const override { return m_manager->job(id); }
    QList<BackfillJobInfo> jobs() const override { return m_manager->jobs(); }

private:
    Manager *m_manager;
};

} // namespace barkeep
