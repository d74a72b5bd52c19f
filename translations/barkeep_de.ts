<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="de_DE">
<context>
    <name>CommandLine</name>
    <message>
        <location filename="../app/commandline.cpp" line="48"/>
        <source>Barkeep: OHLCV market data — fetch candles, keep them, find and fill the holes, chart them, serve them to scripts.

Verbs (run headless against the same store):
  backfill   fill a range: backfill --provider P --symbol S --since D --until D
  ohlcv      print bars: ohlcv --provider P --symbol S [--timeframe 1h] --format csv|json
  export     write CSV and a JSON manifest of covered and empty ranges
  import     import a CSV file</source>
        <translation>Barkeep: OHLCV-Marktdaten — Kerzen abrufen, aufbewahren, Lücken finden und füllen, als Chart zeigen und an Skripte ausliefern.

Befehle (laufen ohne Fenster auf demselben Speicher):
  backfill   einen Zeitraum füllen: backfill --provider P --symbol S --since D --until D
  ohlcv      Kerzen ausgeben: ohlcv --provider P --symbol S [--timeframe 1h] --format csv|json
  export     CSV und ein JSON-Manifest der abgedeckten und leeren Zeiträume schreiben
  import     eine CSV-Datei importieren</translation>
    </message>
    <message>
        <location filename="../app/commandline.cpp" line="60"/>
        <source>Run without a window, as a local server.</source>
        <translation>Ohne Fenster als lokaler Server laufen.</translation>
    </message>
    <message>
        <location filename="../app/commandline.cpp" line="62"/>
        <source>Read the configuration from &lt;file&gt; (JSON).</source>
        <translation>Die Konfiguration aus &lt;file&gt; (JSON) lesen.</translation>
    </message>
    <message>
        <location filename="../app/commandline.cpp" line="65"/>
        <source>Set a configuration key (repeatable), e.g. --set store.url=sqlite:///tmp/b.db</source>
        <translation>Einen Konfigurationsschlüssel setzen (mehrfach möglich), z. B. --set store.url=sqlite:///tmp/b.db</translation>
    </message>
    <message>
        <location filename="../app/commandline.cpp" line="68"/>
        <source>Use &lt;token&gt; for the local API instead of the generated one.</source>
        <translation>&lt;token&gt; für die lokale API statt des erzeugten Tokens verwenden.</translation>
    </message>
</context>
<context>
    <name>Error</name>
    <message>
        <location filename="../core/util/error.cpp" line="61"/>
        <source>The request is not valid: %1</source>
        <translation>Die Anfrage ist ungültig: %1</translation>
    </message>
    <message>
        <location filename="../core/util/error.cpp" line="62"/>
        <source>Access denied: %1</source>
        <translation>Zugriff verweigert: %1</translation>
    </message>
    <message>
        <location filename="../core/util/error.cpp" line="63"/>
        <source>The provider rejected the API key: %1. Check the key in Settings.</source>
        <translation>Der Anbieter hat den API-Schlüssel abgelehnt: %1. Prüfen Sie den Schlüssel in den Einstellungen.</translation>
    </message>
    <message>
        <location filename="../core/util/error.cpp" line="64"/>
        <source>Not found: %1</source>
        <translation>Nicht gefunden: %1</translation>
    </message>
    <message>
        <location filename="../core/util/error.cpp" line="65"/>
        <source>Not possible right now: %1</source>
        <translation>Im Moment nicht möglich: %1</translation>
    </message>
    <message>
        <location filename="../core/util/error.cpp" line="66"/>
        <source>The provider asks us to slow down: %1</source>
        <translation>Der Anbieter bittet um weniger Anfragen: %1</translation>
    </message>
    <message>
        <location filename="../core/util/error.cpp" line="67"/>
        <source>The provider has blocked requests for a while: %1</source>
        <translation>Der Anbieter hat Anfragen vorübergehend gesperrt: %1</translation>
    </message>
    <message>
        <location filename="../core/util/error.cpp" line="68"/>
        <source>Network problem: %1. Check the connection.</source>
        <translation>Netzwerkproblem: %1. Prüfen Sie die Verbindung.</translation>
    </message>
    <message>
        <location filename="../core/util/error.cpp" line="69"/>
        <source>The provider failed: %1. Try again later.</source>
        <translation>Fehler beim Anbieter: %1. Versuchen Sie es später erneut.</translation>
    </message>
    <message>
        <location filename="../core/util/error.cpp" line="70"/>
        <source>The provider sent data Barkeep cannot read: %1</source>
        <translation>Der Anbieter hat Daten gesendet, die Barkeep nicht lesen kann: %1</translation>
    </message>
    <message>
        <location filename="../core/util/error.cpp" line="71"/>
        <source>Not supported: %1</source>
        <translation>Nicht unterstützt: %1</translation>
    </message>
    <message>
        <location filename="../core/util/error.cpp" line="72"/>
        <source>The data store failed: %1</source>
        <translation>Der Datenspeicher hat einen Fehler gemeldet: %1</translation>
    </message>
    <message>
        <location filename="../core/util/error.cpp" line="73"/>
        <source>A service is unavailable: %1</source>
        <translation>Ein Dienst ist nicht erreichbar: %1</translation>
    </message>
    <message>
        <location filename="../core/util/error.cpp" line="74"/>
        <source>Cancelled: %1</source>
        <translation>Abgebrochen: %1</translation>
    </message>
    <message>
        <location filename="../core/util/error.cpp" line="75"/>
        <source>Internal error: %1. Please report it.</source>
        <translation>Interner Fehler: %1. Bitte melden Sie ihn.</translation>
    </message>
</context>
<context>
    <name>TimeAxis</name>
    <message>
        <location filename="../ui/chart/timeaxis.cpp" line="145"/>
        <location filename="../ui/chart/timeaxis.cpp" line="154"/>
        <source>d MMM</source>
        <translation>d. MMM</translation>
    </message>
    <message>
        <location filename="../ui/chart/timeaxis.cpp" line="147"/>
        <source>HH:mm</source>
        <translation>HH:mm</translation>
    </message>
    <message>
        <location filename="../ui/chart/timeaxis.cpp" line="151"/>
        <location filename="../ui/chart/timeaxis.cpp" line="158"/>
        <location filename="../ui/chart/timeaxis.cpp" line="163"/>
        <source>yyyy</source>
        <translation>yyyy</translation>
    </message>
    <message>
        <location filename="../ui/chart/timeaxis.cpp" line="152"/>
        <location filename="../ui/chart/timeaxis.cpp" line="160"/>
        <source>MMM</source>
        <translation>MMM</translation>
    </message>
    <message>
        <location filename="../ui/chart/timeaxis.cpp" line="172"/>
        <source>ddd yyyy-MM-dd</source>
        <translation>ddd dd.MM.yyyy</translation>
    </message>
    <message>
        <location filename="../ui/chart/timeaxis.cpp" line="173"/>
        <source>ddd yyyy-MM-dd HH:mm</source>
        <translation>ddd dd.MM.yyyy HH:mm</translation>
    </message>
</context>
<context>
    <name>barkeep::ui::BackfillJobModel</name>
    <message>
        <location filename="../ui/backfill/backfilljobmodel.cpp" line="99"/>
        <source>queued</source>
        <translation>wartend</translation>
    </message>
    <message>
        <location filename="../ui/backfill/backfilljobmodel.cpp" line="101"/>
        <source>running</source>
        <translation>läuft</translation>
    </message>
    <message>
        <location filename="../ui/backfill/backfilljobmodel.cpp" line="103"/>
        <source>paused</source>
        <translation>angehalten</translation>
    </message>
    <message>
        <location filename="../ui/backfill/backfilljobmodel.cpp" line="105"/>
        <source>done</source>
        <translation>fertig</translation>
    </message>
    <message>
        <location filename="../ui/backfill/backfilljobmodel.cpp" line="107"/>
        <source>failed</source>
        <translation>fehlgeschlagen</translation>
    </message>
    <message>
        <location filename="../ui/backfill/backfilljobmodel.cpp" line="109"/>
        <source>cancelled</source>
        <translation>abgebrochen</translation>
    </message>
    <message>
        <location filename="../ui/backfill/backfilljobmodel.cpp" line="116"/>
        <source>unknown</source>
        <translation>unbekannt</translation>
    </message>
    <message>
        <location filename="../ui/backfill/backfilljobmodel.cpp" line="119"/>
        <source>%1 s</source>
        <translation>%1 s</translation>
    </message>
    <message>
        <location filename="../ui/backfill/backfilljobmodel.cpp" line="121"/>
        <source>%1 min %2 s</source>
        <translation>%1 min %2 s</translation>
    </message>
    <message>
        <location filename="../ui/backfill/backfilljobmodel.cpp" line="122"/>
        <source>%1 h %2 min</source>
        <translation>%1 h %2 min</translation>
    </message>
    <message>
        <location filename="../ui/backfill/backfilljobmodel.cpp" line="143"/>
        <source>%1 – %2</source>
        <translation>%1 – %2</translation>
    </message>
    <message>
        <location filename="../ui/backfill/backfilljobmodel.cpp" line="147"/>
        <source>%1 %</source>
        <translation>%1 %</translation>
    </message>
    <message>
        <location filename="../ui/backfill/backfilljobmodel.cpp" line="152"/>
        <source>%1 bars/s</source>
        <translation>%1 Kerzen/s</translation>
    </message>
    <message>
        <location filename="../ui/backfill/backfilljobmodel.cpp" line="163"/>
        <source>Job %1: %2, %3 of %4 chunks done, %5 failed, %6 requests</source>
        <translation>Auftrag %1: %2, %3 von %4 Abschnitten fertig, %5 fehlgeschlagen, %6 Anfragen</translation>
    </message>
    <message>
        <location filename="../ui/backfill/backfilljobmodel.cpp" line="188"/>
        <source>Series</source>
        <translation>Reihe</translation>
    </message>
    <message>
        <location filename="../ui/backfill/backfilljobmodel.cpp" line="190"/>
        <source>Range (UTC)</source>
        <translation>Zeitraum (UTC)</translation>
    </message>
    <message>
        <location filename="../ui/backfill/backfilljobmodel.cpp" line="192"/>
        <source>State</source>
        <translation>Status</translation>
    </message>
    <message>
        <location filename="../ui/backfill/backfilljobmodel.cpp" line="194"/>
        <source>Progress</source>
        <translation>Fortschritt</translation>
    </message>
    <message>
        <location filename="../ui/backfill/backfilljobmodel.cpp" line="196"/>
        <source>Bars</source>
        <translation>Kerzen</translation>
    </message>
    <message>
        <location filename="../ui/backfill/backfilljobmodel.cpp" line="198"/>
        <source>Rate</source>
        <translation>Rate</translation>
    </message>
    <message>
        <location filename="../ui/backfill/backfilljobmodel.cpp" line="200"/>
        <source>ETA</source>
        <translation>Restzeit</translation>
    </message>
    <message>
        <location filename="../ui/backfill/backfilljobmodel.cpp" line="202"/>
        <source>Error</source>
        <translation>Fehler</translation>
    </message>
</context>
<context>
    <name>barkeep::ui::BackfillPanel</name>
    <message>
        <location filename="../ui/backfill/backfillpanel.cpp" line="40"/>
        <source>&amp;Pause</source>
        <translation>&amp;Anhalten</translation>
    </message>
    <message>
        <location filename="../ui/backfill/backfillpanel.cpp" line="42"/>
        <source>Res&amp;ume</source>
        <translation>&amp;Fortsetzen</translation>
    </message>
    <message>
        <location filename="../ui/backfill/backfillpanel.cpp" line="43"/>
        <source>&amp;Cancel job</source>
        <translation>Auftrag a&amp;bbrechen</translation>
    </message>
    <message>
        <location filename="../ui/backfill/backfillpanel.cpp" line="73"/>
        <source>Backfill is not available.</source>
        <translation>Nachladen ist nicht verfügbar.</translation>
    </message>
    <message>
        <location filename="../ui/backfill/backfillpanel.cpp" line="146"/>
        <source>%1 running, %2 queued, %3 bars/s</source>
        <translation>%1 laufend, %2 wartend, %3 Kerzen/s</translation>
    </message>
</context>
<context>
    <name>barkeep::ui::ChartView</name>
    <message>
        <location filename="../ui/chart/chartview.cpp" line="122"/>
        <source>UTC</source>
        <translation>UTC</translation>
    </message>
    <message>
        <location filename="../ui/chart/chartview.cpp" line="409"/>
        <source>not fetched</source>
        <translation>nicht abgerufen</translation>
    </message>
    <message>
        <location filename="../ui/chart/chartview.cpp" line="520"/>
        <source>No data</source>
        <translation>Keine Daten</translation>
    </message>
    <message>
        <location filename="../ui/chart/chartview.cpp" line="525"/>
        <source>O %1  H %2  L %3  C %4  V %5</source>
        <translation>E %1  H %2  T %3  S %4  V %5</translation>
    </message>
    <message>
        <location filename="../ui/chart/chartview.cpp" line="530"/>
        <source>(forming)</source>
        <translation>(in Bildung)</translation>
    </message>
</context>
<context>
    <name>barkeep::ui::GapMapView</name>
    <message>
        <location filename="../ui/gapmap/gapmapview.cpp" line="129"/>
        <source>&amp;Backfill selection</source>
        <translation>Auswahl &amp;nachladen</translation>
    </message>
    <message>
        <location filename="../ui/gapmap/gapmapview.cpp" line="132"/>
        <source>Fetch the never-fetched minutes of the selected range (B)</source>
        <translation>Die nie abgerufenen Minuten des ausgewählten Zeitraums abrufen (B)</translation>
    </message>
    <message>
        <location filename="../ui/gapmap/gapmapview.cpp" line="138"/>
        <source>&amp;Fit all</source>
        <translation>&amp;Alles zeigen</translation>
    </message>
    <message>
        <location filename="../ui/gapmap/gapmapview.cpp" line="145"/>
        <source>&amp;Refresh</source>
        <translation>Akt&amp;ualisieren</translation>
    </message>
    <message>
        <location filename="../ui/gapmap/gapmapview.cpp" line="307"/>
        <source>bars stored</source>
        <translation>Kerzen gespeichert</translation>
    </message>
    <message>
        <location filename="../ui/gapmap/gapmapview.cpp" line="309"/>
        <source>fetched, no bars</source>
        <translation>abgerufen, keine Kerzen</translation>
    </message>
    <message>
        <location filename="../ui/gapmap/gapmapview.cpp" line="311"/>
        <source>never fetched</source>
        <translation>nie abgerufen</translation>
    </message>
    <message>
        <location filename="../ui/gapmap/gapmapview.cpp" line="313"/>
        <source>market closed</source>
        <translation>Markt geschlossen</translation>
    </message>
    <message>
        <location filename="../ui/gapmap/gapmapview.cpp" line="317"/>
        <source>not loaded</source>
        <translation>nicht geladen</translation>
    </message>
    <message numerus="yes">
        <location filename="../ui/gapmap/gapmapview.cpp" line="432"/>
        <source>%n backfill job(s) started</source>
        <translation>
            <numerusform>%n Nachlade-Auftrag gestartet</numerusform>
            <numerusform>%n Nachlade-Aufträge gestartet</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../ui/gapmap/gapmapview.cpp" line="468"/>
        <source>%1: %2 – %3 UTC</source>
        <translation>%1: %2 – %3 UTC</translation>
    </message>
    <message>
        <location filename="../ui/gapmap/gapmapview.cpp" line="473"/>
        <source>(%1 bars)</source>
        <translation>(%1 Kerzen)</translation>
    </message>
    <message>
        <location filename="../ui/gapmap/gapmapview.cpp" line="476"/>
        <source>(%1 minutes)</source>
        <translation>(%1 Minuten)</translation>
    </message>
    <message>
        <location filename="../ui/gapmap/gapmapview.cpp" line="478"/>
        <source>the future</source>
        <translation>die Zukunft</translation>
    </message>
    <message>
        <location filename="../ui/gapmap/gapmapview.cpp" line="478"/>
        <source>loading…</source>
        <translation>wird geladen …</translation>
    </message>
    <message>
        <location filename="../ui/gapmap/gapmapview.cpp" line="486"/>
        <source>Under the cursor, %1 – %2: %3 bars, %4 min empty, %5 min never fetched</source>
        <translation>Unter dem Mauszeiger, %1 – %2: %3 Kerzen, %4 min leer, %5 min nie abgerufen</translation>
    </message>
    <message>
        <location filename="../ui/gapmap/gapmapview.cpp" line="505"/>
        <source>Nothing stored yet. Open a chart, or add a series and drag over a range to backfill it.</source>
        <translation>Noch nichts gespeichert. Öffnen Sie einen Chart oder fügen Sie eine Reihe hinzu und ziehen Sie über einen Zeitraum, um ihn nachzuladen.</translation>
    </message>
    <message>
        <location filename="../ui/gapmap/gapmapview.cpp" line="575"/>
        <source>Series (UTC)</source>
        <translation>Reihe (UTC)</translation>
    </message>
    <message>
        <location filename="../ui/gapmap/gapmapview.cpp" line="615"/>
        <source>Drag: select · Shift/middle-drag: pan · Wheel: zoom · Double-click: chart</source>
        <translation>Ziehen: auswählen · Umschalt/Mitte-Ziehen: verschieben · Rad: zoomen · Doppelklick: Chart</translation>
    </message>
    <message numerus="yes">
        <location filename="../ui/gapmap/gapmapview.cpp" line="690"/>
        <source>Selected %1 – %2 UTC on %n series; press B to backfill</source>
        <translation>
            <numerusform>%1 – %2 UTC auf %n Reihe ausgewählt; B drücken zum Nachladen</numerusform>
            <numerusform>%1 – %2 UTC auf %n Reihen ausgewählt; B drücken zum Nachladen</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>barkeep::ui::HealthPanel</name>
    <message>
        <location filename="../ui/health/healthpanel.cpp" line="38"/>
        <source>Requests</source>
        <translation>Anfragen</translation>
    </message>
    <message>
        <location filename="../ui/health/healthpanel.cpp" line="38"/>
        <source>per s / per min</source>
        <translation>pro s / pro min</translation>
    </message>
    <message>
        <location filename="../ui/health/healthpanel.cpp" line="39"/>
        <source>Request weight, last minute</source>
        <translation>Anfragegewicht, letzte Minute</translation>
    </message>
    <message>
        <location filename="../ui/health/healthpanel.cpp" line="39"/>
        <source>weight</source>
        <translation>Gewicht</translation>
    </message>
    <message>
        <location filename="../ui/health/healthpanel.cpp" line="40"/>
        <source>Bars written</source>
        <translation>Geschriebene Kerzen</translation>
    </message>
    <message>
        <location filename="../ui/health/healthpanel.cpp" line="40"/>
        <location filename="../ui/health/healthpanel.cpp" line="49"/>
        <source>bars/s</source>
        <translation>Kerzen/s</translation>
    </message>
    <message>
        <location filename="../ui/health/healthpanel.cpp" line="41"/>
        <source>Cache hit rate</source>
        <translation>Cache-Trefferquote</translation>
    </message>
    <message>
        <location filename="../ui/health/healthpanel.cpp" line="41"/>
        <source>%</source>
        <translation>%</translation>
    </message>
    <message>
        <location filename="../ui/health/healthpanel.cpp" line="45"/>
        <source>requests/s</source>
        <translation>Anfragen/s</translation>
    </message>
    <message>
        <location filename="../ui/health/healthpanel.cpp" line="46"/>
        <source>429/418 per min</source>
        <translation>429/418 pro min</translation>
    </message>
    <message>
        <location filename="../ui/health/healthpanel.cpp" line="47"/>
        <source>used</source>
        <translation>verbraucht</translation>
    </message>
    <message>
        <location filename="../ui/health/healthpanel.cpp" line="48"/>
        <source>limit</source>
        <translation>Grenze</translation>
    </message>
    <message>
        <location filename="../ui/health/healthpanel.cpp" line="50"/>
        <source>hits</source>
        <translation>Treffer</translation>
    </message>
    <message>
        <location filename="../ui/health/healthpanel.cpp" line="217"/>
        <source>Now: %1 requests/s · weight %2 of %3 in the last minute · %4 rate-limit answers in the last minute · %5 bars/s · cache hit rate %6</source>
        <translation>Jetzt: %1 Anfragen/s · Gewicht %2 von %3 in der letzten Minute · %4 Ratenbegrenzungs-Antworten in der letzten Minute · %5 Kerzen/s · Cache-Trefferquote %6</translation>
    </message>
    <message>
        <location filename="../ui/health/healthpanel.cpp" line="222"/>
        <source>no limit</source>
        <translation>keine Grenze</translation>
    </message>
    <message>
        <location filename="../ui/health/healthpanel.cpp" line="225"/>
        <source>%1 %</source>
        <translation>%1 %</translation>
    </message>
    <message>
        <location filename="../ui/health/healthpanel.cpp" line="226"/>
        <source>n/a</source>
        <translation>k. A.</translation>
    </message>
</context>
<context>
    <name>barkeep::ui::MainWindow</name>
    <message>
        <location filename="../ui/mainwindow.cpp" line="58"/>
        <location filename="../ui/mainwindow.cpp" line="59"/>
        <source>Barkeep</source>
        <translation>Barkeep</translation>
    </message>
    <message>
        <location filename="../ui/mainwindow.cpp" line="63"/>
        <source>Series</source>
        <translation>Reihe</translation>
    </message>
    <message>
        <location filename="../ui/mainwindow.cpp" line="65"/>
        <source>Provider </source>
        <translation>Anbieter </translation>
    </message>
    <message>
        <location filename="../ui/mainwindow.cpp" line="67"/>
        <source>Market data provider</source>
        <translation>Marktdatenanbieter</translation>
    </message>
    <message>
        <location filename="../ui/mainwindow.cpp" line="69"/>
        <source>  Symbol </source>
        <translation>  Symbol </translation>
    </message>
    <message>
        <location filename="../ui/mainwindow.cpp" line="74"/>
        <source>Search…</source>
        <translation>Suchen …</translation>
    </message>
    <message>
        <location filename="../ui/mainwindow.cpp" line="75"/>
        <source>Type to search the provider&apos;s symbols (Ctrl+F)</source>
        <translation>Tippen, um die Symbole des Anbieters zu durchsuchen (Strg+F)</translation>
    </message>
    <message>
        <location filename="../ui/mainwindow.cpp" line="83"/>
        <source>  Timeframe </source>
        <translation>  Zeitrahmen </translation>
    </message>
    <message>
        <location filename="../ui/mainwindow.cpp" line="88"/>
        <source>1m … 1M, or any number of minutes such as 7m or 90m (Ctrl+T)</source>
        <translation>1m … 1M oder eine beliebige Zahl von Minuten wie 7m oder 90m (Strg+T)</translation>
    </message>
    <message>
        <location filename="../ui/mainwindow.cpp" line="90"/>
        <source>  Time zone </source>
        <translation>  Zeitzone </translation>
    </message>
    <message>
        <location filename="../ui/mainwindow.cpp" line="92"/>
        <source>UTC</source>
        <translation>UTC</translation>
    </message>
    <message>
        <location filename="../ui/mainwindow.cpp" line="93"/>
        <source>Local</source>
        <translation>Lokal</translation>
    </message>
    <message>
        <location filename="../ui/mainwindow.cpp" line="107"/>
        <source>Exchange</source>
        <translation>Börse</translation>
    </message>
    <message>
        <location filename="../ui/mainwindow.cpp" line="108"/>
        <source>The clock of the time axis: UTC, this computer&apos;s time zone, or the time zone of the market the provider serves</source>
        <translation>Die Uhr der Zeitachse: UTC, die Zeitzone dieses Computers oder die Zeitzone des Markts, den der Anbieter bedient</translation>
    </message>
    <message>
        <location filename="../ui/mainwindow.cpp" line="394"/>
        <source>Exchange (%1)</source>
        <translation>Börse (%1)</translation>
    </message>
    <message>
        <location filename="../ui/mainwindow.cpp" line="103"/>
        <source>API: http://127.0.0.1:%1/api/v1/</source>
        <translation>API: http://127.0.0.1:%1/api/v1/</translation>
    </message>
    <message>
        <location filename="../ui/mainwindow.cpp" line="150"/>
        <source>%1 has no symbol &quot;%2&quot;</source>
        <translation>%1 hat kein Symbol „%2“</translation>
    </message>
    <message>
        <location filename="../ui/mainwindow.cpp" line="203"/>
        <source>Live update failed, retrying: %1</source>
        <translation>Live-Aktualisierung fehlgeschlagen, neuer Versuch: %1</translation>
    </message>
    <message>
        <location filename="../ui/mainwindow.cpp" line="227"/>
        <source>Backfill is not available in this session</source>
        <translation>Nachladen ist in dieser Sitzung nicht verfügbar</translation>
    </message>
    <message>
        <location filename="../ui/mainwindow.cpp" line="233"/>
        <source>Gap map</source>
        <translation>Lückenkarte</translation>
    </message>
    <message>
        <location filename="../ui/mainwindow.cpp" line="246"/>
        <source>Backfill jobs</source>
        <translation>Nachlade-Aufträge</translation>
    </message>
    <message>
        <location filename="../ui/mainwindow.cpp" line="256"/>
        <source>Data health</source>
        <translation>Datenzustand</translation>
    </message>
    <message>
        <location filename="../ui/mainwindow.cpp" line="267"/>
        <source>&amp;File</source>
        <translation>&amp;Datei</translation>
    </message>
    <message>
        <location filename="../ui/mainwindow.cpp" line="269"/>
        <source>&amp;Settings…</source>
        <translation>&amp;Einstellungen …</translation>
    </message>
    <message>
        <location filename="../ui/mainwindow.cpp" line="270"/>
        <source>Ctrl+,</source>
        <translation>Ctrl+,</translation>
    </message>
    <message>
        <location filename="../ui/mainwindow.cpp" line="271"/>
        <source>&amp;Reload</source>
        <translation>&amp;Neu laden</translation>
    </message>
    <message>
        <location filename="../ui/mainwindow.cpp" line="274"/>
        <source>&amp;Quit</source>
        <translation>&amp;Beenden</translation>
    </message>
    <message>
        <location filename="../ui/mainwindow.cpp" line="277"/>
        <source>&amp;View</source>
        <translation>&amp;Ansicht</translation>
    </message>
    <message>
        <location filename="../ui/mainwindow.cpp" line="278"/>
        <source>Find &amp;symbol</source>
        <translation>&amp;Symbol suchen</translation>
    </message>
    <message>
        <location filename="../ui/mainwindow.cpp" line="283"/>
        <source>Choose &amp;timeframe</source>
        <translation>&amp;Zeitrahmen wählen</translation>
    </message>
    <message>
        <location filename="../ui/mainwindow.cpp" line="283"/>
        <source>Ctrl+T</source>
        <translation>Ctrl+T</translation>
    </message>
    <message>
        <location filename="../ui/mainwindow.cpp" line="287"/>
        <source>&amp;Fit all</source>
        <translation>&amp;Alles zeigen</translation>
    </message>
    <message>
        <location filename="../ui/mainwindow.cpp" line="287"/>
        <source>Ctrl+0</source>
        <translation>Ctrl+0</translation>
    </message>
    <message>
        <location filename="../ui/mainwindow.cpp" line="289"/>
        <source>&amp;Log scale</source>
        <translation>&amp;Logarithmische Skala</translation>
    </message>
    <message>
        <location filename="../ui/mainwindow.cpp" line="291"/>
        <source>Ctrl+L</source>
        <translation>Ctrl+L</translation>
    </message>
    <message>
        <location filename="../ui/mainwindow.cpp" line="295"/>
        <source>Ctrl+1</source>
        <translation>Ctrl+1</translation>
    </message>
    <message>
        <location filename="../ui/mainwindow.cpp" line="295"/>
        <source>Ctrl+2</source>
        <translation>Ctrl+2</translation>
    </message>
    <message>
        <location filename="../ui/mainwindow.cpp" line="295"/>
        <source>Ctrl+3</source>
        <translation>Ctrl+3</translation>
    </message>
    <message>
        <location filename="../ui/mainwindow.cpp" line="302"/>
        <source>&amp;Help</source>
        <translation>&amp;Hilfe</translation>
    </message>
    <message>
        <location filename="../ui/mainwindow.cpp" line="303"/>
        <source>&amp;About Barkeep</source>
        <translation>&amp;Über Barkeep</translation>
    </message>
    <message>
        <location filename="../ui/mainwindow.cpp" line="305"/>
        <source>About &amp;Qt</source>
        <translation>Über &amp;Qt</translation>
    </message>
    <message>
        <location filename="../ui/mainwindow.cpp" line="337"/>
        <source>Loading the symbols of %1 …</source>
        <translation>Die Symbole von %1 werden geladen …</translation>
    </message>
    <message numerus="yes">
        <location filename="../ui/mainwindow.cpp" line="365"/>
        <source>%n symbol(s)</source>
        <translation>
            <numerusform>%n Symbol</numerusform>
            <numerusform>%n Symbole</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../ui/mainwindow.cpp" line="376"/>
        <source>&quot;%1&quot; is not a timeframe: %2</source>
        <translation>„%1“ ist kein Zeitrahmen: %2</translation>
    </message>
    <message>
        <location filename="../ui/mainwindow.cpp" line="453"/>
        <source>%1 · %2 · %3</source>
        <translation>%1 · %2 · %3</translation>
    </message>
    <message>
        <location filename="../ui/mainwindow.cpp" line="454"/>
        <source>Loading %1 …</source>
        <translation>%1 wird geladen …</translation>
    </message>
    <message numerus="yes">
        <location filename="../ui/mainwindow.cpp" line="489"/>
        <source>%n bar(s) of %1</source>
        <translation>
            <numerusform>%n Kerze von %1</numerusform>
            <numerusform>%n Kerzen von %1</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../ui/mainwindow.cpp" line="524"/>
        <source>Loading %1 – %2 …</source>
        <translation>%1 – %2 wird geladen …</translation>
    </message>
    <message numerus="yes">
        <location filename="../ui/mainwindow.cpp" line="542"/>
        <source>%n bar(s) loaded</source>
        <translation>
            <numerusform>%n Kerze geladen</numerusform>
            <numerusform>%n Kerzen geladen</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../ui/mainwindow.cpp" line="591"/>
        <source>Settings saved to %1; store, cache and API changes apply after a restart</source>
        <translation>Einstellungen in %1 gespeichert; Änderungen an Speicher, Cache und API gelten nach einem Neustart</translation>
    </message>
    <message>
        <location filename="../ui/mainwindow.cpp" line="600"/>
        <source>About Barkeep</source>
        <translation>Über Barkeep</translation>
    </message>
    <message>
        <location filename="../ui/mainwindow.cpp" line="604"/>
        <source>&lt;h3&gt;Barkeep %1&lt;/h3&gt;&lt;p&gt;OHLCV market data: fetch candles, keep them, find and fill the holes, chart them, serve them to scripts.&lt;/p&gt;&lt;p&gt;License: GNU General Public License v3.0 or later (GPL-3.0-or-later).&lt;/p&gt;&lt;p&gt;Built with Qt %2.&lt;/p&gt;</source>
        <translation>&lt;h3&gt;Barkeep %1&lt;/h3&gt;&lt;p&gt;OHLCV-Marktdaten: Kerzen abrufen, aufbewahren, Lücken finden und füllen, als Chart zeigen und an Skripte ausliefern.&lt;/p&gt;&lt;p&gt;Lizenz: GNU General Public License v3.0 oder neuer (GPL-3.0-or-later).&lt;/p&gt;&lt;p&gt;Erstellt mit Qt %2.&lt;/p&gt;</translation>
    </message>
</context>
<context>
    <name>barkeep::ui::SettingsDialog</name>
    <message>
        <location filename="../ui/settings/settingsdialog.cpp" line="36"/>
        <source>Barkeep settings</source>
        <translation>Barkeep-Einstellungen</translation>
    </message>
    <message>
        <location filename="../ui/settings/settingsdialog.cpp" line="42"/>
        <source>&amp;Providers</source>
        <translation>&amp;Anbieter</translation>
    </message>
    <message>
        <location filename="../ui/settings/settingsdialog.cpp" line="43"/>
        <source>&amp;Storage</source>
        <translation>&amp;Speicher</translation>
    </message>
    <message>
        <location filename="../ui/settings/settingsdialog.cpp" line="44"/>
        <source>&amp;Local API</source>
        <translation>&amp;Lokale API</translation>
    </message>
    <message>
        <location filename="../ui/settings/settingsdialog.cpp" line="53"/>
        <source>Store, cache and API server changes apply when Barkeep is restarted. Provider settings apply to new connections.</source>
        <translation>Änderungen an Speicher, Cache und API-Server gelten nach einem Neustart von Barkeep. Anbietereinstellungen gelten für neue Verbindungen.</translation>
    </message>
    <message>
        <location filename="../ui/settings/settingsdialog.cpp" line="91"/>
        <source>Use this provider</source>
        <translation>Diesen Anbieter verwenden</translation>
    </message>
    <message>
        <location filename="../ui/settings/settingsdialog.cpp" line="94"/>
        <source>the provider&apos;s documented address</source>
        <translation>die dokumentierte Adresse des Anbieters</translation>
    </message>
    <message>
        <location filename="../ui/settings/settingsdialog.cpp" line="95"/>
        <source>Use the testnet / paper environment</source>
        <translation>Testnetz / Papierhandel-Umgebung verwenden</translation>
    </message>
    <message>
        <location filename="../ui/settings/settingsdialog.cpp" line="101"/>
        <location filename="../ui/settings/settingsdialog.cpp" line="102"/>
        <source>required</source>
        <translation>erforderlich</translation>
    </message>
    <message>
        <location filename="../ui/settings/settingsdialog.cpp" line="101"/>
        <location filename="../ui/settings/settingsdialog.cpp" line="102"/>
        <source>optional</source>
        <translation>optional</translation>
    </message>
    <message>
        <location filename="../ui/settings/settingsdialog.cpp" line="113"/>
        <source>Base URL:</source>
        <translation>Basis-URL:</translation>
    </message>
    <message>
        <location filename="../ui/settings/settingsdialog.cpp" line="115"/>
        <source>API key:</source>
        <translation>API-Schlüssel:</translation>
    </message>
    <message>
        <location filename="../ui/settings/settingsdialog.cpp" line="116"/>
        <source>API secret:</source>
        <translation>API-Geheimnis:</translation>
    </message>
    <message>
        <location filename="../ui/settings/settingsdialog.cpp" line="117"/>
        <source>Keys are kept in the system keychain, never in the config file unless no keychain is available.</source>
        <translation>Schlüssel werden im Schlüsselbund des Systems aufbewahrt, in der Konfigurationsdatei nur, wenn kein Schlüsselbund verfügbar ist.</translation>
    </message>
    <message>
        <location filename="../ui/settings/settingsdialog.cpp" line="128"/>
        <source>Provider:</source>
        <translation>Anbieter:</translation>
    </message>
    <message>
        <location filename="../ui/settings/settingsdialog.cpp" line="142"/>
        <location filename="../ui/settings/settingsdialog.cpp" line="154"/>
        <source>Test connection</source>
        <translation>Verbindung testen</translation>
    </message>
    <message>
        <location filename="../ui/settings/settingsdialog.cpp" line="149"/>
        <source>Store URL:</source>
        <translation>Speicher-URL:</translation>
    </message>
    <message>
        <location filename="../ui/settings/settingsdialog.cpp" line="161"/>
        <source>Cache URL:</source>
        <translation>Cache-URL:</translation>
    </message>
    <message>
        <location filename="../ui/settings/settingsdialog.cpp" line="170"/>
        <source>Serve the local REST and WebSocket API</source>
        <translation>Die lokale REST- und WebSocket-API anbieten</translation>
    </message>
    <message>
        <location filename="../ui/settings/settingsdialog.cpp" line="176"/>
        <source>Port:</source>
        <translation>Port:</translation>
    </message>
    <message>
        <location filename="../ui/settings/settingsdialog.cpp" line="180"/>
        <source>created on the first start with the API on</source>
        <translation>wird beim ersten Start mit eingeschalteter API erzeugt</translation>
    </message>
    <message>
        <location filename="../ui/settings/settingsdialog.cpp" line="181"/>
        <source>Copy</source>
        <translation>Kopieren</translation>
    </message>
    <message>
        <location filename="../ui/settings/settingsdialog.cpp" line="184"/>
        <source>Regenerate</source>
        <translation>Neu erzeugen</translation>
    </message>
    <message>
        <location filename="../ui/settings/settingsdialog.cpp" line="187"/>
        <source>The token is set with api.token; change it there.</source>
        <translation>Das Token ist mit api.token gesetzt; ändern Sie es dort.</translation>
    </message>
    <message>
        <location filename="../ui/settings/settingsdialog.cpp" line="193"/>
        <source>Token:</source>
        <translation>Token:</translation>
    </message>
    <message>
        <location filename="../ui/settings/settingsdialog.cpp" line="195"/>
        <source>Scripts send the token as &quot;Authorization: Bearer TOKEN&quot;. A new token takes effect when Barkeep is restarted.</source>
        <translation>Skripte senden das Token als „Authorization: Bearer TOKEN“. Ein neues Token gilt nach einem Neustart von Barkeep.</translation>
    </message>
    <message>
        <location filename="../ui/settings/settingsdialog.cpp" line="212"/>
        <location filename="../ui/settings/settingsdialog.cpp" line="219"/>
        <source>Regenerate the API token</source>
        <translation>API-Token neu erzeugen</translation>
    </message>
    <message>
        <location filename="../ui/settings/settingsdialog.cpp" line="213"/>
        <source>Scripts using the current token will be refused from now on. Continue?</source>
        <translation>Skripte mit dem aktuellen Token werden ab sofort abgewiesen. Fortfahren?</translation>
    </message>
    <message>
        <location filename="../ui/settings/settingsdialog.cpp" line="255"/>
        <source>No system keychain is available (%1). API keys will be written to the config file in plain text (readable only by you).</source>
        <translation>Kein Schlüsselbund des Systems verfügbar (%1). API-Schlüssel werden im Klartext in die Konfigurationsdatei geschrieben (nur für Sie lesbar).</translation>
    </message>
    <message>
        <location filename="../ui/settings/settingsdialog.cpp" line="294"/>
        <location filename="../ui/settings/settingsdialog.cpp" line="355"/>
        <source>Settings not saved</source>
        <translation>Einstellungen nicht gespeichert</translation>
    </message>
    <message>
        <location filename="../ui/settings/settingsdialog.cpp" line="295"/>
        <source>Please correct these values:</source>
        <translation>Bitte korrigieren Sie diese Werte:</translation>
    </message>
    <message>
        <location filename="../ui/settings/settingsdialog.cpp" line="362"/>
        <source>Keys stored in the config file</source>
        <translation>Schlüssel in der Konfigurationsdatei gespeichert</translation>
    </message>
    <message>
        <location filename="../ui/settings/settingsdialog.cpp" line="363"/>
        <source>The system keychain could not store the API keys of %1 (%2). They were written to %3 in plain text, readable only by you.</source>
        <translation>Der Schlüsselbund des Systems konnte die API-Schlüssel von %1 nicht speichern (%2). Sie wurden im Klartext in %3 geschrieben, nur für Sie lesbar.</translation>
    </message>
    <message>
        <location filename="../ui/settings/settingsdialog.cpp" line="375"/>
        <location filename="../ui/settings/settingsdialog.cpp" line="401"/>
        <source>Connecting…</source>
        <translation>Verbinde …</translation>
    </message>
    <message>
        <location filename="../ui/settings/settingsdialog.cpp" line="392"/>
        <location filename="../ui/settings/settingsdialog.cpp" line="418"/>
        <source>Connected: %1</source>
        <translation>Verbunden: %1</translation>
    </message>
    <message>
        <location filename="../ui/settings/settingsdialog.cpp" line="393"/>
        <location filename="../ui/settings/settingsdialog.cpp" line="419"/>
        <source>Failed: %1</source>
        <translation>Fehlgeschlagen: %1</translation>
    </message>
</context>
</TS>
