// Drawing annotations (detection boxes, keypoints) onto images. Everything is clipped to the
// image, so callers may pass boxes that stick out of the frame or lie entirely outside it.
#pragma once

#include <cstdint>

#include "vision/image.h"

namespace outpost {

struct Color {
  uint8_t r = 0, g = 0, b = 0, a = 255;
};

// Sets pixel (x, y) if it lies inside the image. Gray images get the colour's luma; an alpha
// channel gets `a`.
void draw_pixel(Image& image, int x, int y, Color color);

// Fills the pixels with left <= x < right and top <= y < bottom.
void fill_rect(Image& image, int left, int top, int right, int bottom, Color color);

// Outline of the rectangle covering pixels left <= x < right, top <= y < bottom, with lines
// `thickness` pixels wide drawn inside it (so the box never grows past what it marks).
void draw_rect(Image& image, int left, int top, int right, int bottom, Color color,
               int thickness = 1);

// A filled disc of the given radius (0 = one pixel) centred on pixel (cx, cy).
void draw_point(Image& image, int cx, int cy, int radius, Color color);

// A segment from (x0, y0) to (x1, y1), `radius` pixels either side of its centre line (0 = one
// pixel wide). Endpoints far outside the image are clipped first, so a wild coordinate costs
// no more than a line across the image.
void draw_line(Image& image, int x0, int y0, int x1, int y1, int radius, Color color);

}  // namespace outpost
