// Image resizing for model preprocessing.
#pragma once

#include "outpost/status.h"
#include "vision/image.h"

namespace outpost {

// Bilinear resize to width x height, any channel count.
// antialias = false: half-pixel-centre bilinear (TF's half_pixel_centers, OpenCV's
//   INTER_LINEAR): each output pixel blends the 2x2 input pixels around its centre, so a
//   large downscale skips input pixels (fast, aliases).
// antialias = true: PIL's Image.resize(BILINEAR): a triangle filter whose support widens with
//   the downscale factor, applied horizontally then vertically with PIL's fixed-point
//   rounding to uint8 after each pass. The reference inputs were made this way, so this
//   reproduces them.
Result<Image> resize_bilinear(const Image& image, int width, int height, bool antialias);

}  // namespace outpost
