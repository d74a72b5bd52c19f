// SPDX-License-Identifier: GPL-3.0-or-later
#include "candlerenderer.h"

#include "priceaxis.h"

#include <QPainter>
#include <QTransform>
#include <QVarLengthArray>

#include <algorithm>
#include <cmath>

namespace barkeep::ui {

QColor CandleRenderer::blend(const QColor &fg, const QColor &bg, double opacity)
{
    auto mix
        = [opacity](int a, int b) { return int(std::lround(a * opacity + b * (1 - opacity))); };
    return QColor(mix(fg.red(), bg.red()), mix(fg.green(), bg.green()), mix(fg.blue(), bg.blue()));
}

CandleRenderer::Style CandleRenderer::Style::forBackground(const QColor &background)
{
    Style s;
    s.upVolume = blend(s.up, background, 0.45);
    s.downVolume = blend(s.down, background, 0.45);
    s.upFormingVolume = blend(s.up, background, 0.2);
    s.downFormingVolume = blend(s.down, background, 0.2);
    return s;
}

void CandleRenderer::paint(QPainter &painter, const Bar *begin, const Bar *end, qint64 bucketMs,
                           const Frame &f, const Style &style)
{
    if (begin >= end || !f.price)
        return;
    const double dpr = f.dpr;
    // Stack buffers cover a full-width frame (<= ~1000 candles); larger ones spill to the heap.
    QVarLengthArray<QRect, 1024> up, down, upVol, downVol, formingVol;
    const QColor *formingVolColor = nullptr;

    const double slotDev = double(bucketMs) / f.msPerPx * dpr;
    // Leave a gap between candles once they are wide enough to show one.
    const double inset = slotDev >= 3 ? slotDev * 0.15 : 0;
    const double volBottom = std::round(f.volumeBottom * dpr);
    const double volScale
        = f.maxVolume > 0 ? (f.volumeBottom - f.volumeTop) * dpr / f.maxVolume : 0;
    const double clipLeftDev = std::floor(f.clip.left() * dpr) - slotDev;
    const double clipRightDev = std::ceil(f.clip.right() * dpr) + slotDev;

    for (const Bar *b = begin; b != end; ++b) {
        const double xDev = (f.plotLeft + (double(b->t) - f.viewFrom) / f.msPerPx) * dpr;
        if (xDev + slotDev < clipLeftDev || xDev > clipRightDev)
            continue;
        const int left = int(std::lround(xDev + inset));
        int right = int(std::lround(xDev + slotDev - inset));
        if (right <= left)
            right = left + 1;
        const int wick = left + (right - left - 1) / 2;

        const int yo = int(std::lround(f.price->yForPrice(b->o) * dpr));
        const int yc = int(std::lround(f.price->yForPrice(b->c) * dpr));
        const int yh = int(std::lround(f.price->yForPrice(b->h) * dpr));
        const int yl = int(std::lround(f.price->yForPrice(b->l) * dpr));
        const int top = std::min(yo, yc);
        const int bodyH = std::max(1, std::abs(yo - yc));

        auto &rects = b->c >= b->o ? up : down;
        const int wickTop = std::min(yh, yl);
        const int wickH = std::max(1, std::abs(yl - yh));
        const bool forming = f.formingT >= b->t && f.formingT - b->t < bucketMs;
        if (forming && right - left >= 3 && bodyH >= 3) {
            // Hollow: the body's outline, the wick outside it only.
            const int w = right - left;
            rects.append(QRect(left, top, w, 1));
            rects.append(QRect(left, top + bodyH - 1, w, 1));
            rects.append(QRect(left, top, 1, bodyH));
            rects.append(QRect(right - 1, top, 1, bodyH));
            if (top > wickTop)
                rects.append(QRect(wick, wickTop, 1, top - wickTop));
            if (wickTop + wickH > top + bodyH)
                rects.append(QRect(wick, top + bodyH, 1, wickTop + wickH - top - bodyH));
        } else {
            rects.append(QRect(left, top, right - left, bodyH));
            rects.append(QRect(wick, wickTop, 1, wickH));
        }

        if (volScale > 0 && b->v > 0) {
            const int h = std::max(1, int(std::lround(b->v * volScale)));
            const QRect vol(left, int(volBottom) - h, right - left, h);
            if (forming) {
                formingVol.append(vol);
                formingVolColor = b->c >= b->o ? &style.upFormingVolume : &style.downFormingVolume;
            } else {
                (b->c >= b->o ? upVol : downVol).append(vol);
            }
        }
    }

    painter.save();
    // Device-pixel space: integer rects are exactly device pixels.
    painter.setWorldTransform(QTransform::fromScale(1 / dpr, 1 / dpr), true);
    painter.setRenderHint(QPainter::Antialiasing, false);
    painter.setClipRect(QRectF(f.clip.left() * dpr, f.clip.top() * dpr, f.clip.width() * dpr,
                               f.clip.height() * dpr));
    painter.setPen(Qt::NoPen);
    auto draw = [&](const QVarLengthArray<QRect, 1024> &rects, const QColor &c) {
        if (rects.isEmpty())
            return;
        painter.setBrush(c);
        painter.drawRects(rects.constData(), int(rects.size()));
    };
    draw(upVol, style.upVolume);
    draw(downVol, style.downVolume);
    if (formingVolColor)
        draw(formingVol, *formingVolColor);
    draw(up, style.up);
    draw(down, style.down);
    painter.restore();
}

} // namespace barkeep::ui
