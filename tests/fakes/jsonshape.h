// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QList>
#include <QSet>
#include <QString>
#include <QStringList>

#include <optional>

namespace barkeep::fakes {

// The shape of a JSON text, with object fields in the order they were written (QJsonObject
// sorts them): what a fake's answer must share with a recorded real answer. Scalars are
// "num", "str", "bool", "null"; an object is {key:shape,…} in written order, a key listed in
// `nameKeys` (a symbol or pair name) written as <name>; an array of scalars is a tuple
// (shape,shape,…) position by position; an array of arrays or objects is [shape…] when every
// element has that shape, else the elements' shapes in a list marked MIXED; [] when empty.
class JsonShape
{
public:
    // The shape of `text`; nullopt if it is not JSON.
    static std::optional<QString> of(const QByteArray &text, const QSet<QString> &nameKeys = {})
    {
        JsonShape r(text, nameKeys);
        std::optional<QString> s = r.value();
        r.ws();
        if (!s || r.m_at != text.size())
            return std::nullopt;
        return s;
    }

    // The texts of every value written under `key`, at any depth, in order (a recorded
    // answer inside a fixture file, as it was written).
    static QList<QByteArray> rawValues(const QByteArray &text, const QString &key)
    {
        JsonShape r(text, {});
        r.m_wanted = key;
        if (!r.value())
            return {};
        return r.m_found;
    }

private:
    JsonShape(const QByteArray &text, const QSet<QString> &nameKeys)
        : m_text(text), m_names(nameKeys)
    {
    }

    void ws()
    {
        while (m_at < m_text.size() && QByteArrayView(" \t\r\n").contains(m_text[m_at]))
            ++m_at;
    }
    bool eat(char c)
    {
        ws();
        if (m_at < m_text.size() && m_text[m_at] == c) {
            ++m_at;
            return true;
        }
        return false;
    }
    std::optional<QString> string()
    {
        if (!eat('"'))
            return std::nullopt;
        QByteArray out;
        while (m_at < m_text.size() && m_text[m_at] != '"') {
            if (m_text[m_at] == '\\')
                out += m_text[m_at++];
            if (m_at < m_text.size())
                out += m_text[m_at++];
        }
        if (m_at >= m_text.size())
            return std::nullopt;
        ++m_at;
        return QString::fromUtf8(out);
    }
    std::optional<QString> value()
    {
        ws();
        if (m_at >= m_text.size())
            return std::nullopt;
        const char c = m_text[m_at];
        if (c == '"')
            return string() ? std::optional<QString>(QStringLiteral("str")) : std::nullopt;
        if (c == '{') {
            ++m_at;
            QStringList fields;
            if (!eat('}')) {
                do {
                    const std::optional<QString> key = string();
                    if (!key || !eat(':'))
                        return std::nullopt;
                    ws();
                    const qsizetype from = m_at;
                    const std::optional<QString> v = value();
                    if (!v)
                        return std::nullopt;
                    if (!m_wanted.isEmpty() && *key == m_wanted)
                        m_found << m_text.mid(from, m_at - from);
                    fields << (m_names.contains(*key) ? QStringLiteral("<name>") : *key) + u':' + *v;
                } while (eat(','));
                if (!eat('}'))
                    return std::nullopt;
            }
            return u'{' + fields.join(u',') + u'}';
        }
        if (c == '[') {
            ++m_at;
            QStringList items;
            bool containers = true;
            if (!eat(']')) {
                do {
                    ws();
                    if (m_at < m_text.size() && m_text[m_at] != '[' && m_text[m_at] != '{')
                        containers = false;
                    const std::optional<QString> v = value();
                    if (!v)
                        return std::nullopt;
                    items << *v;
                } while (eat(','));
                if (!eat(']'))
                    return std::nullopt;
            }
            if (items.isEmpty())
                return QStringLiteral("[]");
            if (!containers)
                return u'(' + items.join(u',') + u')';
            items.removeDuplicates();
            if (items.size() == 1)
                return u'[' + items.first() + QStringLiteral("…]");
            return QStringLiteral("[MIXED ") + items.join(u' ') + u']';
        }
        if (m_text.mid(m_at, 4) == "true" || m_text.mid(m_at, 4) == "null") {
            m_at += 4;
            return QString::fromLatin1(m_text.mid(m_at - 4, 4) == "null" ? "null" : "bool");
        }
        if (m_text.mid(m_at, 5) == "false") {
            m_at += 5;
            return QStringLiteral("bool");
        }
        const qsizetype from = m_at;
        while (m_at < m_text.size() && QByteArrayView("+-0123456789.eE").contains(m_text[m_at]))
            ++m_at;
        if (m_at == from)
            return std::nullopt;
        return QStringLiteral("num");
    }

    const QByteArray &m_text;
    const QSet<QString> m_names;
    qsizetype m_at = 0;
    QString m_wanted;
    QList<QByteArray> m_found;
};

} // namespace barkeep::fakes
