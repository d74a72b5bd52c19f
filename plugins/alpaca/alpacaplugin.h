// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "alpacawire.h"
#include "plugin/marketplugin.h"

#include <QMap>
#include <QMutex>
#include <QSet>
#include <QUrlQuery>

#include <functional>
#include <optional>

namespace barkeep {

// One configured Alpaca provider (the seed's AlpacaPlugin): stock bars v2 and crypto bars
// v1beta3 from the market-data host, the market calendar and assets from the trading host
// (paper or live). All HTTP goes through requestApi(), the seed's _request_api. Called on
// worker threads; the symbol and calendar caches are guarded, and their loads single-flight.
class AlpacaPlugin final : public MarketPlugin
{
public:
    static QString defaultDataUrl() { return QStringLiteral("https://data.alpaca.markets"); }
    static QString defaultTradingUrl()
    {
        return QStringLiteral("https://paper-api.alpaca.markets");
    }
    // Pairs listed by symbols() for the crypto market (v1beta3 has no key-free listing).
    static QStringList cryptoSymbols();

    AlpacaPlugin(ProviderSettings settings, std::shared_ptr<ProviderContext> context);

    QString providerId() const override { return QStringLiteral("alpaca"); }
    Result<QList<SymbolInfo>> symbols() override;
    Result<BarBatch> fetchBars(const BarRequest &request) override;
    Result<TimeRanges> sessions(const QString &symbol, TimeRange range) override;
    // The real-time bars stream (1m only): /v2/<feed> for stocks, /v1beta3/crypto/us for
    // crypto, on providers.alpaca.wsUrl (default wss://stream.data.alpaca.markets). Needs the
    // key and secret (the stream's auth message); without them: nullptr, the host polls.
    std::unique_ptr<BarStream> openStream(const QString &symbol, const QString &timeframe) override;

    // Sessions include pre- and after-market hours (calendar session_open–session_close).
    // ProviderSettings has no key for it yet, so the host (or a test) sets it here.
    void setExtendedHours(bool on) { m_extendedHours = on; }
    bool extendedHours() const { return m_extendedHours; }
    // Bars per page asked for (Alpaca allows 1–10000); tests use small pages.
    void setPageLimit(int limit) { m_pageLimit = std::clamp(limit, 1, 10000); }
    // The clock that decides which bar is still forming (tests freeze it).
    void setClock(std::function<qint64()> nowMs) { m_now = std::move(nowMs); }

private:
    enum class Host { Data, Trading };

    Result<QByteArray> requestApi(Host host, const QString &path, const QUrlQuery &query,
                                  const std::atomic<bool> *cancel, int *requests) const;
    Error scrubbed(Error error) const;
    Result<QList<SymbolInfo>> stockSymbols();
    Result<QList<alpaca::CalendarDay>> calendarDays(QDate from, QDate to);
    qint64 now() const;

    const ProviderSettings m_settings;
    const std::shared_ptr<ProviderContext> m_context;
    const QString m_dataUrl;
    const QString m_tradingUrl;
    std::atomic<bool> m_extendedHours{false};
    std::atomic<int> m_pageLimit{10000};
    std::function<qint64()> m_now;

    QMutex m_symbolsMutex; // held during the load: single-flight
    std::optional<QList<SymbolInfo>> m_stockSymbols;

    QMutex m_calendarMutex; // held during the load: single-flight
    QSet<int> m_loadedMonths; // year * 12 + month - 1 of every month fetched
    QMap<QDate, alpaca::CalendarDay> m_days;
};

} // namespace barkeep
