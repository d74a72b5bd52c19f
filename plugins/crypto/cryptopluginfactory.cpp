// SPDX-License-Identifier: GPL-3.0-or-later
#include "cryptopluginfactory.h"

#include "binanceexchange.h"
#include "binanceusdmexchange.h"
#include "bybitexchange.h"
#include "coinbaseexchange.h"
#include "krakenexchange.h"
#include "okxexchange.h"

using namespace Qt::StringLiterals;

std::unique_ptr<barkeep::MarketPlugin>
CryptoPluginFactory::create(const barkeep::ProviderSettings &settings,
                            std::shared_ptr<barkeep::ProviderContext> context)
{
    using namespace barkeep::crypto;
    if (settings.provider == u"binance"_s)
        return std::make_unique<BinanceExchange>(settings, std::move(context));
    if (settings.provider == u"coinbase"_s)
        return std::make_unique<CoinbaseExchange>(settings, std::move(context));
    if (settings.provider == u"kraken"_s)
        return std::make_unique<KrakenExchange>(settings, std::move(context));
    if (settings.provider == u"bybit"_s)
        return std::make_unique<BybitExchange>(settings, std::move(context));
    if (settings.provider == u"okx"_s)
        return std::make_unique<OkxExchange>(settings, std::move(context));
    if (settings.provider == u"binanceusdm"_s)
        return std::make_unique<BinanceUsdmExchange>(settings, std::move(context));
    return nullptr;
}
