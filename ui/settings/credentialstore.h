// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QObject>
#include <QString>

#include <functional>

namespace barkeep::ui {

// Provider API keys in the OS keychain (Secret Service / KWallet through QtKeychain), under
// the service "barkeep" and the names "<provider>/apiKey" and "<provider>/apiSecret".
// Asynchronous: callbacks run on the calling (GUI) thread when the keychain answers.
class CredentialStore : public QObject
{
    Q_OBJECT

public:
    using ReadCallback
        = std::function<void(const QString &value, bool found, const QString &error)>;
    using WriteCallback = std::function<void(bool ok, const QString &error)>;

    explicit CredentialStore(QObject *parent = nullptr);

    static QString service() { return QStringLiteral("barkeep"); }
    static QString entryName(const QString &provider, const QString &field)
    {
        return provider + QLatin1Char('/') + field;
    }

    // `found` is false with an empty error when there is no such entry.
    void read(const QString &name, ReadCallback done);
    // An empty value deletes the entry.
    void write(const QString &name, const QString &value, WriteCallback done);
};

} // namespace barkeep::ui
