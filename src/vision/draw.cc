#include "vision/draw.h"

#include <algorithm>
#include <cmath>

namespace outpost {
namespace {

void put(Image& image, int x, int y, Color color) {
  uint8_t* p = image.at(x, y);
  switch (image.channels) {
    case 1:
    case 2:
      // Rec. 601 luma, the weights PIL's convert("L") uses.
      p[0] = static_cast<uint8_t>((color.r * 299 + color.g * 587 + color.b * 114 + 500) / 1000);
      if (image.channels == 2) p[1] = color.a;
      break;
    default:
      p[0] = color.r;
      p[1] = color.g;
      p[2] = color.b;
      if (image.channels >= 4) p[3] = color.a;
      break;
  }
}

bool drawable(const Image& image) {
  return image.width > 0 && image.height > 0 && image.channels >= 1 && image.channels <= 4 &&
         image.pixels.size() == image.row_bytes() * static_cast<size_t>(image.height);
}

// Clamps in 64 bits so that coordinates near INT_MAX, plus a thickness, cannot overflow.
int clamp_to(int64_t v, int limit) { return static_cast<int>(std::clamp<int64_t>(v, 0, limit)); }

}  // namespace

void draw_pixel(Image& image, int x, int y, Color color) {
  if (!drawable(image) || x < 0 || y < 0 || x >= image.width || y >= image.height) return;
  put(image, x, y, color);
}

void fill_rect(Image& image, int left, int top, int right, int bottom, Color color) {
  if (!drawable(image)) return;
  const int x0 = clamp_to(left, image.width), x1 = clamp_to(right, image.width);
  const int y0 = clamp_to(top, image.height), y1 = clamp_to(bottom, image.height);
  for (int y = y0; y < y1; ++y)
    for (int x = x0; x < x1; ++x) put(image, x, y, color);
}

void draw_rect(Image& image, int left, int top, int right, int bottom, Color color, int thickness) {
  if (thickness <= 0 || right <= left || bottom <= top) return;
  const int64_t t = thickness;
  auto fill = [&](int64_t l, int64_t tp, int64_t r, int64_t b) {
    // Bands are clipped to the rectangle first so thick lines never spill outside it.
    fill_rect(image, clamp_to(l, INT32_MAX), clamp_to(tp, INT32_MAX), clamp_to(r, INT32_MAX),
              clamp_to(b, INT32_MAX), color);
  };
  auto inner = [&](int64_t v, int64_t lo, int64_t hi) { return std::clamp(v, lo, hi); };
  const int64_t l = left, tp = top, r = right, b = bottom;
  fill(l, tp, r, inner(tp + t, tp, b));  // top band
  fill(l, inner(b - t, tp, b), r, b);    // bottom band
  fill(l, tp, inner(l + t, l, r), b);    // left band
  fill(inner(r - t, l, r), tp, r, b);    // right band
}

void draw_point(Image& image, int cx, int cy, int radius, Color color) {
  if (!drawable(image) || radius < 0) return;
  const int64_t r = radius;
  const int y0 = clamp_to(int64_t{cy} - r, image.height),
            y1 = clamp_to(int64_t{cy} + r + 1, image.height);
  const int x0 = clamp_to(int64_t{cx} - r, image.width),
            x1 = clamp_to(int64_t{cx} + r + 1, image.width);
  for (int y = y0; y < y1; ++y) {
    for (int x = x0; x < x1; ++x) {
      // In double: with coordinates near INT_MAX the squares' sum overflows int64. Exact for
      // any radius below 2^26.
      const double dx = static_cast<double>(x) - cx, dy = static_cast<double>(y) - cy;
      const double rr = static_cast<double>(r);
      if (dx * dx + dy * dy <= rr * rr) put(image, x, y, color);
    }
  }
}

void draw_line(Image& image, int x0, int y0, int x1, int y1, int radius, Color color) {
  if (!drawable(image) || radius < 0) return;
  // Walk the segment in steps of at most one pixel along its longer axis, clipped to the
  // image plus the pen's radius so only visible steps are taken.
  const double ax = x0, ay = y0, bx = x1, by = y1;
  const double margin = radius + 1.0;
  const double lo_x = -margin, hi_x = image.width + margin, lo_y = -margin, hi_y = image.height + margin;
  double t0 = 0.0, t1 = 1.0;
  auto clip = [&](double p, double q) {  // Liang-Barsky: keep the part where p * t <= q
    if (p == 0) return q >= 0;
    const double t = q / p;
    if (p < 0) t0 = std::max(t0, t);
    else t1 = std::min(t1, t);
    return t0 <= t1;
  };
  const double dx = bx - ax, dy = by - ay;
  if (!clip(-dx, ax - lo_x) || !clip(dx, hi_x - ax) || !clip(-dy, ay - lo_y) || !clip(dy, hi_y - ay))
    return;
  const double length = std::max(std::abs(dx), std::abs(dy)) * (t1 - t0);
  const int steps = static_cast<int>(std::ceil(length));
  for (int i = 0; i <= steps; ++i) {
    const double t = t0 + (t1 - t0) * (steps == 0 ? 0.0 : static_cast<double>(i) / steps);
    draw_point(image, static_cast<int>(std::lround(ax + dx * t)),
               static_cast<int>(std::lround(ay + dy * t)), radius, color);
  }
}

}  // namespace outpost
