// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "barkeepcore_export.h"
#include "barstream.h"
#include "model/bar.h"
#include "net/httpclient.h"
#include "util/result.h"

#include <QJsonObject>
#include <QList>
#include <QString>
#include <QStringList>
#include <QtPlugin>

#include <atomic>
#include <memory>

namespace barkeep {

// The plugin API version. Bump it on every incompatible change of this header; plugins
// declare theirs as "apiVersion" in their JSON metadata and PluginRegistry rejects others.
constexpr int kMarketPluginApiVersion = 2; // 2: openStream()

struct SymbolInfo
{
    QString symbol; // unified: "BTC/USDT", "AAPL"
    QString base;
    QString quote;
    QString native; // the provider's own id: "BTCUSDT", "BTC-USD", "XXBTZUSD"
    friend bool operator==(const SymbolInfo &, const SymbolInfo &) = default;
};

// What the plugin's JSON metadata says about one provider (read without instantiating).
struct ProviderInfo
{
    QString id;            // "binance"
    QString name;          // "Binance"
    QString market;        // "crypto" | "stocks" (a provider serving both appears twice)
    bool requiresCredentials = false;
    bool testnet = false;  // a testnet exists
    QStringList timeframes; // native timeframes
    int maxBarsPerRequest = 1000;
    qint64 earliestMs = 0; // earliest history the provider has (0 = unknown)
    bool reachesFullHistory = true; // false for Kraken: only the 720 most recent bars
    QString historyNote;   // shown in the UI when reachesFullHistory is false
    // IANA id of the clock the market keeps ("timeZone" in the JSON; UTC when absent): crypto
    // venues trade around the clock in UTC, US stocks on New York time. The chart's
    // "exchange" time zone.
    QString timeZone = QStringLiteral("UTC");
    bool streaming = false;
    bool archive = false;  // bulk history archive (Binance monthly zips)
    // Documented limits, seeds for the request pacer.
    int weightPerMinute = 0;  // 0 = no weight budget
    int klinesWeight = 1;
    double requestsPerSecond = 0; // 0 = none documented
    int maxConcurrency = 4;
};

struct BARKEEPCORE_EXPORT PluginMetadata
{
    QString id;    // "crypto"
    QString name;
    int apiVersion = 0;
    QStringList markets;
    QList<ProviderInfo> providers;

    static Result<PluginMetadata> fromJson(const QJsonObject &metaData);
};

// Settings for one provider instance (from config and the keychain).
struct BARKEEPCORE_EXPORT ProviderSettings
{
    QString provider;
    QString market;
    QString baseUrl;    // empty = the provider's documented default
    QString wsUrl;
    QString tradingUrl; // Alpaca's trading API root (calendar, clock)
    QString archiveUrl; // Binance public data archive root
    QString apiKey;     // never logged
    QString apiSecret;  // never logged
    bool testnet = false;
    QString feed;       // Alpaca: iex | sip

    // A stable hash of the credentials, for instance caching (never the key itself).
    QByteArray credentialHash() const;
};

// One bar request: [since, until) in ms; since inclusive, until exclusive.
struct BarRequest
{
    QString symbol;
    QString timeframe = QStringLiteral("1m");
    qint64 since = 0;
    qint64 until = 0;
    const std::atomic<bool> *cancel = nullptr;
};

// What a fetch returns: the bars and the range they cover. `covered` is what the provider
// answered for: every bucket start in it that has no bar had no data at the provider
// (outage, no trades). It may be smaller than asked (Kraken: only the 720 most recent; the
// still-forming bar is never included).
struct BarBatch
{
    Bars bars;
    TimeRange covered;
    int requests = 0; // HTTP requests this fetch made
};

// Services the host gives a plugin instance: HTTP that goes through the provider's pacer.
struct ProviderContext
{
    HttpClient http;
};

// One configured provider (the seed's MarketPlugin instance: one per (plugin, provider,
// credential hash, testnet)). Methods block and are called on worker threads only; an
// instance may be used from several threads at once, so implementations guard their state.
class BARKEEPCORE_EXPORT MarketPlugin
{
public:
    virtual ~MarketPlugin();

    virtual QString providerId() const = 0;
    // Symbols tradeable at the provider; loaded once and cached (single-flight).
    virtual Result<QList<SymbolInfo>> symbols() = 0;
    // Bars of a native timeframe, paging through the provider as needed.
    virtual Result<BarBatch> fetchBars(const BarRequest &request) = 0;
    // Stock sessions: the ranges in [range.from, range.to) where the market is open
    // (regular, or extended when configured). Crypto: {range} (always open).
    virtual Result<TimeRanges> sessions(const QString &symbol, TimeRange range)
    {
        Q_UNUSED(symbol);
        return TimeRanges{range};
    }
    // Bulk history archive (Binance public data): the bars of one whole UTC month.
    virtual Result<BarBatch> fetchArchiveMonth(const QString &symbol, int year, int month)
    {
        Q_UNUSED(symbol);
        Q_UNUSED(year);
        Q_UNUSED(month);
        return Error(Error::Kind::Unsupported, QStringLiteral("no bulk archive"));
    }
    // A live stream of `timeframe` bars of `symbol` (see BarStream), or nullptr when the
    // provider has none (the host then polls fetchBars). Unlike the methods above it is called
    // on the thread that will own the stream, which runs an event loop; it must not block (the
    // host loads symbols() before calling it). The stream holds no reference to this instance.
    virtual std::unique_ptr<BarStream> openStream(const QString &symbol, const QString &timeframe)
    {
        Q_UNUSED(symbol);
        Q_UNUSED(timeframe);
        return nullptr;
    }
    // Called when the instance is retired (idle cleanup, shutdown).
    virtual void close() {}
};

// The Qt plugin interface: a factory of MarketPlugin instances. Built-in providers are
// static plugins; optional ones are loaded from BARKEEP_PLUGIN_PATH.
class BARKEEPCORE_EXPORT MarketPluginFactory
{
public:
    virtual ~MarketPluginFactory();
    virtual std::unique_ptr<MarketPlugin> create(const ProviderSettings &settings,
                                                 std::shared_ptr<ProviderContext> context) = 0;
};

} // namespace barkeep

#define BARKEEP_MARKETPLUGIN_IID "org.barkeep.MarketPlugin/1.0"
Q_DECLARE_INTERFACE(barkeep::MarketPluginFactory, BARKEEP_MARKETPLUGIN_IID)
