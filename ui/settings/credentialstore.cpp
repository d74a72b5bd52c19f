// SPDX-License-Identifier: GPL-3.0-or-later
#include "credentialstore.h"

#include <qt6keychain/keychain.h>

namespace barkeep::ui {

CredentialStore::CredentialStore(QObject *parent)
    : QObject(parent)
{
}

void CredentialStore::read(const QString &name, ReadCallback done)
{
    auto *job = new QKeychain::ReadPasswordJob(service(), this);
    job->setAutoDelete(true);
    job->setKey(name);
    connect(job, &QKeychain::Job::finished, this, [done = std::move(done)](QKeychain::Job *j) {
        auto *read = static_cast<QKeychain::ReadPasswordJob *>(j);
        if (j->error() == QKeychain::NoError)
            done(read->textData(), true, {});
        else if (j->error() == QKeychain::EntryNotFound)
            done({}, false, {});
        else
            done({}, false, j->errorString());
    });
    job->start();
}

void CredentialStore::write(const QString &name, const QString &value, WriteCallback done)
{
    QKeychain::Job *job = nullptr;
    if (value.isEmpty()) {
        auto *del = new QKeychain::DeletePasswordJob(service(), this);
        job = del;
    } else {
        auto *write = new QKeychain::WritePasswordJob(service(), this);
        write->setTextData(value);
        job = write;
    }
    job->setAutoDelete(true);
    job->setKey(name);
    const bool deleting = value.isEmpty();
    connect(job, &QKeychain::Job::finished, this,
            [done = std::move(done), deleting](QKeychain::Job *j) {
                const bool ok = j->error() == QKeychain::NoError
                                || (deleting && j->error() == QKeychain::EntryNotFound);
                done(ok, ok ? QString() : j->errorString());
            });
    job->start();
}

} // namespace barkeep::ui
