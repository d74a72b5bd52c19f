// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "pgwire.h"

#include <functional>
#include <string>
#include <vector>

namespace barkeep::pg {

// The data of a `COPY ... FROM STDIN (FORMAT binary)`, built by hand: the signature, flags
// and header extension (both 0), then each tuple as a field count and each field as a
// length and its binary value (network byte order, what the type's recv function reads),
// then -1 as the trailer. Day blocks are encoded straight into the buffer that is sent.
class CopyWriter
{
public:
    CopyWriter()
    {
        static constexpr char kSignature[11] = {'P', 'G', 'C', 'O', 'P', 'Y', '\n', '\377',
                                                '\r', '\n', '\0'};
        m_buffer.append(kSignature, sizeof kSignature);
        appendBigEndian(m_buffer, qint32(0)); // flags: no OIDs
        appendBigEndian(m_buffer, qint32(0)); // header extension length
    }
    void tuple(qint16 fields)
    {
        appendBigEndian(m_buffer, fields);
        ++m_tuples;
    }
    void int8(qint64 v) { value(v); }
    void int4(qint32 v) { value(v); }
    void float8(double v) { value(bitsOf(v)); }
    void null() { appendBigEndian(m_buffer, qint32(-1)); }
    void text(const QString &s)
    {
        const QByteArray u = s.toUtf8();
        appendBigEndian(m_buffer, qint32(u.size()));
        m_buffer.append(u.constData(), size_t(u.size()));
    }
    // A field written by the caller into buffer() between begin and end.
    size_t beginField()
    {
        const size_t at = m_buffer.size();
        m_buffer.append(4, '\0');
        return at;
    }
    void endField(size_t at) { qToBigEndian(qint32(m_buffer.size() - at - 4), m_buffer.data() + at); }
    std::string &buffer() { return m_buffer; }
    qint64 tuples() const { return m_tuples; }
    void finish() { appendBigEndian(m_buffer, qint16(-1)); }

private:
    template <typename T>
    void value(T v)
    {
        appendBigEndian(m_buffer, qint32(sizeof(T)));
        appendBigEndian(m_buffer, v);
    }
    std::string m_buffer;
    qint64 m_tuples = 0;
};

// Finishes a simple-protocol query string sent with PQsendQuery: feeds its COPY ... FROM
// STDIN statements the `copies` in order (the first one with the test hook, run once
// `halfway` bytes of it are sent, with the backend pid; when the hook returns false a tuple
// the server must reject follows) and reads every result. The server stops at the first
// error and skips the rest of the string, COMMIT included; the caller's guard then rolls the
// transaction back. With no `copies`, this aborts the string's first COPY (CopyFail), which
// is how a write that failed in the client ends it.
VoidResult finishCopy(PGconn *pg, const std::vector<const std::string *> &copies, size_t halfway,
                      const std::function<bool(int)> &hook);

} // namespace barkeep::pg
