// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "model/bar.h"

#include <QSet>
#include <QString>

namespace barkeep::fakes {

// Faults a fake exchange injects. Rates are fractions of requests (0..1) drawn from the
// fake's seeded generator, so a run with the same seed and requests fails the same way.
struct FaultPlan
{
    // Binance: 429 once the weight used in the current window passes this (0 = no limit). It
    // is what exchangeInfo.rateLimits announces and what a 429 states; change it mid-run to
    // play a change of policy.
    int weightPerMinute = 6000;
    // Binance: the REQUEST_WEIGHT window (fixed, aligned to the epoch, as Binance counts).
    // A whole number of minutes is announced as MINUTE, else as SECOND; the used-weight
    // header is named after it (X-MBX-USED-WEIGHT-1M, -2S). Tests use seconds.
    qint64 weightWindowMs = 60'000;
    // Binance: requests sent after a 429 in the same minute before the IP is banned (418).
    int ignored429sBeforeBan = 3;
    // Binance: requests arriving this soon after the window's first 429 were already in
    // flight when it was answered; they get 429s but do not count as ignoring it.
    int inFlightGraceMs = 0;
    int banSeconds = 120;
    // Coinbase (per IP) and Kraken (per IP and pair): a token bucket; 0 = no limit.
    double requestsPerSecond = 0;
    int burst = 0;
    double serverErrorRate = 0; // answered 5xx in the provider's style
    double malformedRate = 0;   // a 200 whose JSON is broken
    double truncatedRate = 0;   // a 200 whose body stops half-way
    int latencyMs = 0;          // added before every answer
    // The exchange was down: no bars in these ranges (groundTruth() knows it too).
    TimeRanges outages;
    // Candles of this timeframe ("1h") whatever interval the request asks for, labelled as
    // asked where the wire has a label: a provider or a proxy answering another interval (the
    // wire-check tests). Empty: the interval asked for.
    QString mislabeledTimeframe;
    // Archive files (e.g. "BTCUSDT-1m-2024-01.zip") whose .CHECKSUM does not match.
    QSet<QString> badChecksums;
};

} // namespace barkeep::fakes
