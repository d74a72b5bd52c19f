// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "config/config.h"
#include "util/result.h"

#include <QDialog>
#include <QHash>
#include <QJsonObject>
#include <QThreadPool>

#include <functional>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;
class QStackedWidget;

namespace barkeep {
class PluginRegistry;
}

namespace barkeep::ui {

class CredentialStore;

// Settings: providers on/off with base URLs and API keys (keys in the OS keychain, or in the
// config file with a visible warning when there is no keychain), store and cache URLs with a
// "Test connection" that opens them on a worker thread, the API server switch and port, and
// the API token (shown, copied, regenerated). Saving writes the JSON config file Config::load
// reads, after validating it the same way; store, cache and API changes apply on restart.
class SettingsDialog : public QDialog
{
    Q_OBJECT

public:
    struct Context
    {
        Config config; // what is in force now
        PluginRegistry *registry = nullptr;
        QString configFile; // where to write
        QString tokenFile;  // the API token file (empty: api.token is set)
        QByteArray token;
        std::function<Result<QByteArray>()> regenerateToken; // writes a new token file
    };

    explicit SettingsDialog(const Context &context, QWidget *parent = nullptr);

    // The config file content Save would write (without keys that go to the keychain).
    QJsonObject configObject(bool includeKeys) const;
    // Validates, stores keys, writes the file; emits saved() (asynchronous: the keychain).
    void save();
    void testStore();
    void testCache();

    QLineEdit *storeUrlEdit() const { return m_storeUrl; }
    QLineEdit *cacheUrlEdit() const { return m_cacheUrl; }
    QLabel *keychainWarning() const { return m_keychainWarning; }
    QString tokenText() const;

signals:
    void saved(bool ok);
    void connectionTested(const QString &which, bool ok, const QString &message);

private:
    // Own workers: store and provider calls may block for seconds, and the destructor waits
    // for them so no task outlives the services it uses.
    QThreadPool m_pool;
    struct ProviderWidgets
    {
        QCheckBox *enabled = nullptr;
        QLineEdit *baseUrl = nullptr;
        QCheckBox *testnet = nullptr;
        QLineEdit *apiKey = nullptr;
        QLineEdit *apiSecret = nullptr;
        QString initialKey;
        QString initialSecret;
        bool keysInFile = false; // the keys came from the config file (no keychain)
    };

    QWidget *makeProvidersPage();
    QWidget *makeStoragePage();
    QWidget *makeApiPage();
    void loadKeys();
    void finishSave(const QStringList &keychainFailures, const QString &error);
    void showKeychainWarning(const QString &why);
    void regenerateToken();

    Context m_context;
    CredentialStore *m_credentials;
    QStringList m_providers;
    QHash<QString, ProviderWidgets> m_providerWidgets;
    QComboBox *m_providerPicker = nullptr;
    QStackedWidget *m_providerStack = nullptr;
    QLineEdit *m_storeUrl = nullptr;
    QLabel *m_storeResult = nullptr;
    QLineEdit *m_cacheUrl = nullptr;
    QLabel *m_cacheResult = nullptr;
    QCheckBox *m_apiEnabled = nullptr;
    QSpinBox *m_apiPort = nullptr;
    QLineEdit *m_token = nullptr;
    QLabel *m_keychainWarning = nullptr;
    QPushButton *m_saveButton = nullptr;
    int m_pendingWrites = 0;
    QStringList m_keychainFailures;
    QString m_keychainError;
};

} // namespace barkeep::ui
