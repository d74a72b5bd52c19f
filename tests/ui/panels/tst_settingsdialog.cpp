// SPDX-License-Identifier: GPL-3.0-or-later
// The settings dialog writes a config file that Config::load accepts with the new values,
// refuses invalid values with Config's own messages, falls back to the file (with a visible
// warning) when there is no keychain, and tests store/cache URLs off the GUI thread.
#include "config/config.h"
#include "plugin/pluginregistry.h"
#include "settings/configfile.h"
#include "settings/settingsdialog.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

using namespace barkeep;
using namespace barkeep::ui;

class TstSettingsDialog : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    PluginRegistry m_registry;

    SettingsDialog::Context context()
    {
        SettingsDialog::Context ctx;
        ConfigSources s;
        s.dataDir = m_dir.path();
        s.knownProviders = m_registry.providerIds();
        ctx.config = Config::load(s).config;
        ctx.registry = &m_registry;
        ctx.configFile = m_dir.filePath(QStringLiteral("config/config.json"));
        ctx.tokenFile = m_dir.filePath(QStringLiteral("config/api-token"));
        ctx.token = "abc123";
        ctx.regenerateToken = [] { return Result<QByteArray>(QByteArray("fresh")); };
        return ctx;
    }

    // Closes any message box the dialog opens (they are modal).
    void autoCloseMessageBoxes()
    {
        auto *timer = new QTimer(this);
        connect(timer, &QTimer::timeout, this, [] {
            for (QWidget *w : QApplication::topLevelWidgets())
                if (auto *box = qobject_cast<QMessageBox *>(w); box && box->isVisible())
                    box->accept();
        });
        timer->start(50);
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        // No keychain in the test: point D-Bus nowhere so QtKeychain reports "no backend"
        // (and the test never touches a real keyring).
        qputenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/barkeep-test-bus");
        m_registry.discover();
        QVERIFY(m_registry.providerIds().contains(QStringLiteral("demo")));
        autoCloseMessageBoxes();
    }

    void configFileNesting()
    {
        QJsonObject root{{QStringLiteral("store.url"), QStringLiteral("sqlite:///old.db")},
                         {QStringLiteral("log"),
                          QJsonObject{{QStringLiteral("rules"), QStringLiteral("x=true")}}}};
        ConfigFile::setValue(root, QStringLiteral("store.url"), QStringLiteral("sqlite:///new.db"));
        ConfigFile::setValue(root, QStringLiteral("providers.binance.enabled"), false);
        QVERIFY(!root.contains(QStringLiteral("store.url")));
        QCOMPARE(ConfigFile::value(root, QStringLiteral("store.url")).toString(),
                 QStringLiteral("sqlite:///new.db"));
        QCOMPARE(ConfigFile::value(root, QStringLiteral("providers.binance.enabled")).toBool(),
                 false);
        QCOMPARE(ConfigFile::value(root, QStringLiteral("log.rules")).toString(),
                 QStringLiteral("x=true"));
        ConfigFile::setValue(root, QStringLiteral("providers.binance.enabled"), QVariant());
        QVERIFY(!root.contains(QStringLiteral("providers")));
        QVERIFY(ConfigFile::validate(root, m_registry.providerIds()).isEmpty());
        ConfigFile::setValue(root, QStringLiteral("cache.url"), QStringLiteral("memcached://x"));
        const QStringList problems = ConfigFile::validate(root, m_registry.providerIds());
        QCOMPARE(problems.size(), 1);
        QVERIFY2(problems.first().contains(QStringLiteral("cache.url")),
                 qPrintable(problems.first()));
    }

    void saveWritesWhatConfigLoads()
    {
        SettingsDialog dialog(context());
        dialog.show();
        QCOMPARE(dialog.tokenText(), QStringLiteral("abc123"));
        const QString store
            = QStringLiteral("sqlite://") + m_dir.filePath(QStringLiteral("other.db"));
        dialog.storeUrlEdit()->setText(store);
        dialog.findChild<QSpinBox *>()->setValue(9123);
        // Type keys for the first provider that takes them.
        QList<QLineEdit *> edits = dialog.findChildren<QLineEdit *>();
        QLineEdit *key = nullptr;
        QLineEdit *secret = nullptr;
        for (QLineEdit *e : edits) {
            if (e->placeholderText() == QLatin1String("required")
                || e->placeholderText() == QLatin1String("optional")) {
                if (!key)
                    key = e;
                else if (!secret)
                    secret = e;
            }
        }
        QVERIFY(key && secret);
        key->setText(QStringLiteral("my-key"));
        secret->setText(QStringLiteral("my-secret"));

        QSignalSpy saved(&dialog, &SettingsDialog::saved);
        dialog.save();
        QTRY_COMPARE_WITH_TIMEOUT(saved.size(), 1, 30000);
        QCOMPARE(saved.first().at(0).toBool(), true);

        ConfigSources s;
        s.filePath = m_dir.filePath(QStringLiteral("config/config.json"));
        s.fileRequired = true;
        s.dataDir = m_dir.path();
        s.knownProviders = m_registry.providerIds();
        const Config::LoadResult loaded = Config::load(s);
        QVERIFY2(loaded.ok(), qPrintable(loaded.problems.join(QLatin1Char('\n'))));
        QCOMPARE(loaded.config.storeUrl(), store);
        QCOMPARE(loaded.config.apiPort(), quint16(9123));
        QCOMPARE(QFile(s.filePath).permissions()
                     & (QFileDevice::ReadGroup | QFileDevice::ReadOther),
                 QFileDevice::Permissions());
        // Without a keychain the keys went to the file, and the dialog said so.
        const QString provider = m_registry.providerIds().first();
        Q_UNUSED(provider);
        bool keyInFile = false;
        for (const QString &id : m_registry.providerIds())
            keyInFile = keyInFile
                        || loaded.config.providerValue(id, QStringLiteral("apiKey"))
                               == QLatin1String("my-key");
        QVERIFY(keyInFile);
        QVERIFY(!dialog.keychainWarning()->isHidden());
        QVERIFY(dialog.keychainWarning()->text().contains(QStringLiteral("plain text")));
    }

    void invalidValuesAreRefused()
    {
        const QString path = m_dir.filePath(QStringLiteral("config/config.json"));
        QFile::remove(path);
        SettingsDialog dialog(context());
        dialog.cacheUrlEdit()->setText(QStringLiteral("memcached://nope"));
        QSignalSpy saved(&dialog, &SettingsDialog::saved);
        dialog.save();
        QCOMPARE(saved.size(), 1);
        QCOMPARE(saved.first().at(0).toBool(), false);
        QVERIFY(!QFile::exists(path));
    }

    void testConnection()
    {
        SettingsDialog dialog(context());
        QSignalSpy tested(&dialog, &SettingsDialog::connectionTested);
        dialog.storeUrlEdit()->setText(QStringLiteral("sqlite://")
                                       + m_dir.filePath(QStringLiteral("probe.db")));
        dialog.testStore();
        QVERIFY(tested.wait(20000));
        QCOMPARE(tested.last().at(0).toString(), QStringLiteral("store"));
        QVERIFY2(tested.last().at(1).toBool(), qPrintable(tested.last().at(2).toString()));

        dialog.cacheUrlEdit()->setText(QStringLiteral("memory:"));
        dialog.testCache();
        QVERIFY(tested.wait(20000));
        QCOMPARE(tested.last().at(0).toString(), QStringLiteral("cache"));
        QVERIFY(tested.last().at(1).toBool());

        dialog.storeUrlEdit()->setText(QStringLiteral("postgresql://nobody@127.0.0.1:1/none"));
        dialog.testStore();
        QVERIFY(tested.wait(30000));
        QCOMPARE(tested.last().at(1).toBool(), false);
    }
};

QTEST_MAIN(TstSettingsDialog)
#include "tst_settingsdialog.moc"
