// SPDX-License-Identifier: GPL-3.0-or-later
// The CSV importer (CsvBarParser::parse) with options chosen by the first byte: time unit,
// header mode, delimiter and zone, so every branch of the detection is reachable.
#include "csvbarparser.h"
#include "fuzzinput.h"

#include <QBuffer>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    using namespace barkeep;
    const uint8_t s = fuzz::takeSelector(data, size);
    QByteArray text = fuzz::bytes(data, size);
    QBuffer device(&text);
    device.open(QIODevice::ReadOnly);

    CsvBarParser::Options options;
    static const CsvBarParser::TimeUnit units[] = {
        CsvBarParser::TimeUnit::Auto, CsvBarParser::TimeUnit::Seconds,
        CsvBarParser::TimeUnit::Milliseconds, CsvBarParser::TimeUnit::Microseconds};
    static const CsvBarParser::Header headers[] = {
        CsvBarParser::Header::Auto, CsvBarParser::Header::Yes, CsvBarParser::Header::No,
        CsvBarParser::Header::Auto};
    static const char delimiters[] = {'\0', ',', ';', '\t'};
    static const char *const zones[] = {"", "UTC", "America/New_York", "+05:30"};
    options.timeUnit = units[s & 3];
    options.header = headers[(s >> 2) & 3];
    if (const char d = delimiters[(s >> 4) & 3])
        options.delimiter = QLatin1Char(d);
    options.timeZone = QString::fromLatin1(zones[(s >> 6) & 3]);

    const Result<CsvBarParser::Parsed> parsed = CsvBarParser::parse(device, options);
    if (parsed)
        fuzz::consume(CsvBarParser::coveredRange(parsed->bars));
    return 0;
}
