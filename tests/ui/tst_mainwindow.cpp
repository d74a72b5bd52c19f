// SPDX-License-Identifier: GPL-3.0-or-later
#include "application.h"
#include "chart/chartview.h"
#include "mainwindow.h"

#include <QApplication>
#include <QComboBox>
#include <QImage>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace barkeep;

class TstMainWindow : public QObject
{
    Q_OBJECT

private slots:
    // The window opens (offscreen) and the chart paints demo bars fetched into SQLite.
    void opensAndPaintsDemoBars()
    {
        QTemporaryDir dir;
        QStandardPaths::setTestModeEnabled(true);
        ConfigSources s;
        s.dataDir = dir.path();
        s.sets = {QStringLiteral("api.enabled=false")};
        Application app(Config::load(s).config);
        QVERIFY(app.start());

        ui::AppServices services{app.registry(), app.market(), app.orchestrator(), app.store(), 0, {}};
        ui::MainWindow window(services);
        QSignalSpy loaded(&window, &ui::MainWindow::barsLoaded);
        window.resize(1000, 700);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        if (loaded.isEmpty())
            QVERIFY(loaded.wait(30000));
        QVERIFY(loaded.last().at(0).toInt() > 50);
        QCOMPARE(window.currentSeries().provider, QStringLiteral("demo"));

        const QImage img = window.chart()->grab().toImage();
        QVERIFY(!img.isNull());
        // Count distinct colours: an empty chart has background + axis only; candles add the
        // rising and falling colours.
        QSet<QRgb> colours;
        for (int y = 0; y < img.height(); y += 2)
            for (int x = 0; x < img.width(); x += 2)
                colours.insert(img.pixel(x, y));
        QVERIFY2(colours.size() > 4, "the chart paints candles");
        app.stop();
    }
};

QTEST_MAIN(TstMainWindow)
#include "tst_mainwindow.moc"
