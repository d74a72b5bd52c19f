// SPDX-License-Identifier: GPL-3.0-or-later
#include "settingsdialog.h"
#include "util/whenfinished.h"

#include "cache/barcache.h"
#include "configfile.h"
#include "credentialstore.h"
#include "plugin/pluginregistry.h"
#include "storage/store.h"

#include <QApplication>
#include <QCheckBox>
#include <QClipboard>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QSpinBox>
#include <QStackedWidget>
#include <QTabWidget>
#include <QVBoxLayout>
#include <QtConcurrent>

namespace barkeep::ui {

SettingsDialog::SettingsDialog(const Context &context, QWidget *parent)
    : QDialog(parent)
    , m_context(context)
    , m_credentials(new CredentialStore(this))
{
    setWindowTitle(tr("Barkeep settings"));
    if (m_context.registry)
        m_providers = m_context.registry->providerIds();
    m_providers.removeDuplicates();

    auto *tabs = new QTabWidget;
    tabs->addTab(makeProvidersPage(), tr("&Providers"));
    tabs->addTab(makeStoragePage(), tr("&Storage"));
    tabs->addTab(makeApiPage(), tr("&Local API"));

    m_keychainWarning = new QLabel;
    m_keychainWarning->setWordWrap(true);
    m_keychainWarning->setStyleSheet(
        QStringLiteral("QLabel { color: #D55E00; font-weight: bold; }"));
    m_keychainWarning->hide();

    auto *restartNote
        = new QLabel(tr("Store, cache and API server changes apply when Barkeep is restarted. "
                        "Provider settings apply to new connections."));
    restartNote->setWordWrap(true);

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Save | QDialogButtonBox::Cancel);
    m_saveButton = buttons->button(QDialogButtonBox::Save);
    connect(buttons, &QDialogButtonBox::accepted, this, &SettingsDialog::save);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(tabs, 1);
    layout->addWidget(m_keychainWarning);
    layout->addWidget(restartNote);
    layout->addWidget(buttons);
    resize(640, 480);
    loadKeys();
}

QWidget *SettingsDialog::makeProvidersPage()
{
    auto *page = new QWidget;
    m_providerPicker = new QComboBox;
    m_providerStack = new QStackedWidget;
    for (const QString &id : std::as_const(m_providers)) {
        QString name = id;
        bool needsKeys = false;
        if (m_context.registry) {
            for (const ProviderInfo &p : m_context.registry->providers()) {
                if (p.id == id) {
                    name = p.name;
                    needsKeys = needsKeys || p.requiresCredentials;
                }
            }
        }
        m_providerPicker->addItem(name, id);
        ProviderWidgets w;
        auto *form = new QWidget;
        auto *fl = new QFormLayout(form);
        w.enabled = new QCheckBox(tr("Use this provider"));
        w.enabled->setChecked(m_context.config.providerEnabled(id));
        w.baseUrl = new QLineEdit(m_context.config.providerValue(id, QStringLiteral("baseUrl")));
        w.baseUrl->setPlaceholderText(tr("the provider's documented address"));
        w.testnet = new QCheckBox(tr("Use the testnet / paper environment"));
        w.testnet->setChecked(m_context.config.providerValue(id, QStringLiteral("testnet"))
                              == QLatin1String("true"));
        w.apiKey = new QLineEdit;
        w.apiSecret = new QLineEdit;
        w.apiSecret->setEchoMode(QLineEdit::PasswordEchoOnEdit);
        w.apiKey->setPlaceholderText(needsKeys ? tr("required") : tr("optional"));
        w.apiSecret->setPlaceholderText(needsKeys ? tr("required") : tr("optional"));
        // Keys set in the config file: the keychain has not got them (or is not available).
        if (m_context.config.origin(QStringLiteral("providers.%1.apiKey").arg(id))
            == QLatin1String("file")) {
            w.keysInFile = true;
            w.initialKey = m_context.config.providerValue(id, QStringLiteral("apiKey"));
            w.initialSecret = m_context.config.providerValue(id, QStringLiteral("apiSecret"));
            w.apiKey->setText(w.initialKey);
            w.apiSecret->setText(w.initialSecret);
        }
        fl->addRow(w.enabled);
        fl->addRow(tr("Base URL:"), w.baseUrl);
        fl->addRow(w.testnet);
        fl->addRow(tr("API key:"), w.apiKey);
        fl->addRow(tr("API secret:"), w.apiSecret);
        auto *note = new QLabel(tr("Keys are kept in the system keychain, never in the config file "
                                   "unless no keychain is available."));
        note->setWordWrap(true);
        fl->addRow(note);
        m_providerStack->addWidget(form);
        m_providerWidgets.insert(id, w);
    }
    connect(m_providerPicker, &QComboBox::currentIndexChanged, m_providerStack,
            &QStackedWidget::setCurrentIndex);
    auto *layout = new QVBoxLayout(page);
    auto *row = new QHBoxLayout;
    row->addWidget(new QLabel(tr("Provider:")));
    row->addWidget(m_providerPicker, 1);
    layout->addLayout(row);
    layout->addWidget(m_providerStack, 1);
    return page;
}

QWidget *SettingsDialog::makeStoragePage()
{
    auto *page = new QWidget;
    auto *fl = new QFormLayout(page);
    m_storeUrl = new QLineEdit(m_context.config.storeUrl());
    m_storeUrl->setPlaceholderText(
        QStringLiteral("sqlite:///path/barkeep.db · postgresql://user@host:5432/db"));
    auto *storeTest = new QPushButton(tr("Test connection"));
    connect(storeTest, &QPushButton::clicked, this, &SettingsDialog::testStore);
    m_storeResult = new QLabel;
    m_storeResult->setWordWrap(true);
    auto *storeRow = new QHBoxLayout;
    storeRow->addWidget(m_storeUrl, 1);
    storeRow->addWidget(storeTest);
    fl->addRow(tr("Store URL:"), storeRow);
    fl->addRow(QString(), m_storeResult);

    m_cacheUrl = new QLineEdit(m_context.config.cacheUrl());
    m_cacheUrl->setPlaceholderText(QStringLiteral("memory: · redis://host:6379/0"));
    auto *cacheTest = new QPushButton(tr("Test connection"));
    connect(cacheTest, &QPushButton::clicked, this, &SettingsDialog::testCache);
    m_cacheResult = new QLabel;
    m_cacheResult->setWordWrap(true);
    auto *cacheRow = new QHBoxLayout;
    cacheRow->addWidget(m_cacheUrl, 1);
    cacheRow->addWidget(cacheTest);
    fl->addRow(tr("Cache URL:"), cacheRow);
    fl->addRow(QString(), m_cacheResult);
    return page;
}

QWidget *SettingsDialog::makeApiPage()
{
    auto *page = new QWidget;
    auto *fl = new QFormLayout(page);
    m_apiEnabled = new QCheckBox(tr("Serve the local REST and WebSocket API"));
    m_apiEnabled->setChecked(m_context.config.boolean(QStringLiteral("api.enabled")));
    m_apiPort = new QSpinBox;
    m_apiPort->setRange(1, 65535);
    m_apiPort->setValue(m_context.config.apiPort() ? m_context.config.apiPort() : 8765);
    fl->addRow(m_apiEnabled);
    fl->addRow(tr("Port:"), m_apiPort);

    m_token = new QLineEdit(QString::fromUtf8(m_context.token));
    m_token->setReadOnly(true);
    m_token->setPlaceholderText(tr("created on the first start with the API on"));
    auto *copy = new QPushButton(tr("Copy"));
    connect(copy, &QPushButton::clicked, this,
            [this] { QApplication::clipboard()->setText(m_token->text()); });
    auto *regenerate = new QPushButton(tr("Regenerate"));
    regenerate->setEnabled(bool(m_context.regenerateToken) && !m_context.tokenFile.isEmpty());
    if (m_context.tokenFile.isEmpty())
        regenerate->setToolTip(tr("The token is set with api.token; change it there."));
    connect(regenerate, &QPushButton::clicked, this, &SettingsDialog::regenerateToken);
    auto *tokenRow = new QHBoxLayout;
    tokenRow->addWidget(m_token, 1);
    tokenRow->addWidget(copy);
    tokenRow->addWidget(regenerate);
    fl->addRow(tr("Token:"), tokenRow);
    auto *note
        = new QLabel(tr("Scripts send the token as \"Authorization: Bearer TOKEN\". A new token "
                        "takes effect when Barkeep is restarted."));
    note->setWordWrap(true);
    fl->addRow(note);
    return page;
}

QString SettingsDialog::tokenText() const
{
    return m_token->text();
}

void SettingsDialog::regenerateToken()
{
    if (!m_context.regenerateToken)
        return;
    if (QMessageBox::question(
            this, tr("Regenerate the API token"),
            tr("Scripts using the current token will be refused from now on. "
               "Continue?"))
        != QMessageBox::Yes)
        return;
    Result<QByteArray> token = m_context.regenerateToken();
    if (!token) {
        QMessageBox::warning(this, tr("Regenerate the API token"), token.error().userMessage());
        return;
    }
    m_token->setText(QString::fromUtf8(*token));
}

void SettingsDialog::loadKeys()
{
    for (const QString &id : std::as_const(m_providers)) {
        if (m_providerWidgets[id].keysInFile)
            continue;
        for (const QString &field : {QStringLiteral("apiKey"), QStringLiteral("apiSecret")}) {
            m_credentials->read(
                CredentialStore::entryName(id, field),
                [this, id, field](const QString &value, bool found, const QString &error) {
                    ProviderWidgets &w = m_providerWidgets[id];
                    if (!error.isEmpty()) {
                        showKeychainWarning(error);
                        return;
                    }
                    if (!found)
                        return;
                    QLineEdit *edit = field == QLatin1String("apiKey") ? w.apiKey : w.apiSecret;
                    // Do not overwrite what the user typed meanwhile.
                    if (edit->text().isEmpty())
                        edit->setText(value);
                    (field == QLatin1String("apiKey") ? w.initialKey : w.initialSecret) = value;
                });
        }
    }
}

void SettingsDialog::showKeychainWarning(const QString &why)
{
    m_keychainError = why;
    m_keychainWarning->setText(
        tr("No system keychain is available (%1). API keys will be written to the "
           "config file in plain text (readable only by you).")
            .arg(why));
    m_keychainWarning->show();
}

QJsonObject SettingsDialog::configObject(bool includeKeys) const
{
    Result<QJsonObject> existing = ConfigFile::read(m_context.configFile);
    QJsonObject root = existing ? *existing : QJsonObject();
    auto setOrRemove = [&root](const QString &key, const QString &text) {
        ConfigFile::setValue(root, key,
                             text.trimmed().isEmpty() ? QVariant() : QVariant(text.trimmed()));
    };
    setOrRemove(QStringLiteral("store.url"), m_storeUrl->text());
    setOrRemove(QStringLiteral("cache.url"), m_cacheUrl->text());
    ConfigFile::setValue(root, QStringLiteral("api.enabled"), m_apiEnabled->isChecked());
    QString host = m_context.config.apiHost();
    if (host.isEmpty())
        host = QStringLiteral("127.0.0.1");
    ConfigFile::setValue(root, QStringLiteral("api.listen"),
                         QStringLiteral("%1:%2").arg(host).arg(m_apiPort->value()));
    for (const QString &id : m_providers) {
        const ProviderWidgets &w = m_providerWidgets[id];
        const QString prefix = QStringLiteral("providers.") + id + QLatin1Char('.');
        ConfigFile::setValue(root, prefix + QStringLiteral("enabled"), w.enabled->isChecked());
        ConfigFile::setValue(root, prefix + QStringLiteral("testnet"), w.testnet->isChecked());
        setOrRemove(prefix + QStringLiteral("baseUrl"), w.baseUrl->text());
        setOrRemove(prefix + QStringLiteral("apiKey"), includeKeys ? w.apiKey->text() : QString());
        setOrRemove(prefix + QStringLiteral("apiSecret"),
                    includeKeys ? w.apiSecret->text() : QString());
    }
    return root;
}

void SettingsDialog::save()
{
    const QStringList problems = ConfigFile::validate(configObject(true), m_providers);
    if (!problems.isEmpty()) {
        QMessageBox::warning(this, tr("Settings not saved"),
                             tr("Please correct these values:") + QStringLiteral("\n\n")
                                 + problems.join(QLatin1Char('\n')));
        emit saved(false);
        return;
    }
    m_saveButton->setEnabled(false);
    m_keychainFailures.clear();
    m_pendingWrites = 0;
    QStringList toWrite;
    for (const QString &id : std::as_const(m_providers)) {
        const ProviderWidgets &w = m_providerWidgets[id];
        if (w.keysInFile || w.apiKey->text() != w.initialKey
            || w.apiSecret->text() != w.initialSecret)
            toWrite << id;
    }
    if (toWrite.isEmpty()) {
        finishSave({}, {});
        return;
    }
    m_pendingWrites = int(toWrite.size()) * 2;
    for (const QString &id : std::as_const(toWrite)) {
        const ProviderWidgets &w = m_providerWidgets[id];
        const QPair<QString, QString> fields[]
            = {{QStringLiteral("apiKey"), w.apiKey->text()},
               {QStringLiteral("apiSecret"), w.apiSecret->text()}};
        for (const auto &[field, value] : fields) {
            m_credentials->write(CredentialStore::entryName(id, field), value,
                                 [this, id](bool ok, const QString &error) {
                                     if (!ok) {
                                         if (!m_keychainFailures.contains(id))
                                             m_keychainFailures << id;
                                         m_keychainError = error;
                                     }
                                     if (--m_pendingWrites == 0)
                                         finishSave(m_keychainFailures, m_keychainError);
                                 });
        }
    }
}

void SettingsDialog::finishSave(const QStringList &keychainFailures, const QString &error)
{
    QJsonObject root = configObject(false);
    // Keys the keychain did not take, and keys already kept in the file, stay in the file.
    for (const QString &id : std::as_const(m_providers)) {
        const ProviderWidgets &w = m_providerWidgets[id];
        const bool inFile
            = keychainFailures.contains(id)
              || (w.keysInFile && w.apiKey->text() == w.initialKey
                  && w.apiSecret->text() == w.initialSecret && !m_keychainError.isEmpty());
        if (!inFile)
            continue;
        const QString prefix = QStringLiteral("providers.") + id + QLatin1Char('.');
        if (!w.apiKey->text().isEmpty())
            ConfigFile::setValue(root, prefix + QStringLiteral("apiKey"), w.apiKey->text());
        if (!w.apiSecret->text().isEmpty())
            ConfigFile::setValue(root, prefix + QStringLiteral("apiSecret"), w.apiSecret->text());
    }
    if (VoidResult ok = ConfigFile::write(m_context.configFile, root); !ok) {
        m_saveButton->setEnabled(true);
        QMessageBox::warning(this, tr("Settings not saved"), ok.error().message());
        emit saved(false);
        return;
    }
    if (!keychainFailures.isEmpty()) {
        showKeychainWarning(error);
        QMessageBox::warning(
            this, tr("Keys stored in the config file"),
            tr("The system keychain could not store the API keys of %1 (%2). They were written "
               "to %3 in plain text, readable only by you.")
                .arg(keychainFailures.join(QStringLiteral(", ")), error, m_context.configFile));
    }
    m_saveButton->setEnabled(true);
    emit saved(true);
    accept();
}

void SettingsDialog::testStore()
{
    const QString url = m_storeUrl->text().trimmed();
    m_storeResult->setText(tr("Connecting…"));
    runAsync(
        &m_pool, this,
        [url]() -> QPair<bool, QString> {
            Result<std::unique_ptr<Store>> store = createBarStore(url);
            if (!store)
                return {false, store.error().userMessage()};
            VoidResult ok = (*store)->open();
            const QString describe = (*store)->describe();
            (*store)->close();
            if (!ok)
                return {false, ok.error().message()};
            return {true, describe};
        },
        [this, url](const QPair<bool, QString> &r) {
            if (m_storeUrl->text().trimmed() != url)
                return; // edited meanwhile
            m_storeResult->setText(r.first ? tr("Connected: %1").arg(r.second)
                                           : tr("Failed: %1").arg(r.second));
            emit connectionTested(QStringLiteral("store"), r.first, r.second);
        });
}

void SettingsDialog::testCache()
{
    const QString url = m_cacheUrl->text().trimmed();
    m_cacheResult->setText(tr("Connecting…"));
    runAsync(
        &m_pool, this,
        [url]() -> QPair<bool, QString> {
            Result<std::unique_ptr<BarCache>> cache = createBarCache(url, 1 << 20, 60);
            if (!cache)
                return {false, cache.error().userMessage()};
            VoidResult ok = (*cache)->open();
            const QString describe = (*cache)->describe();
            (*cache)->close();
            if (!ok)
                return {false, ok.error().message()};
            return {true, describe};
        },
        [this, url](const QPair<bool, QString> &r) {
            if (m_cacheUrl->text().trimmed() != url)
                return;
            m_cacheResult->setText(r.first ? tr("Connected: %1").arg(r.second)
                                           : tr("Failed: %1").arg(r.second));
            emit connectionTested(QStringLiteral("cache"), r.first, r.second);
        });
}

} // namespace barkeep::ui
