#include "vision/resize.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace outpost {
namespace {

// ---- antialias = false: half-pixel-centre bilinear ----------------------------------------

struct Tap {
  int lo, hi;    // the two neighbouring input indices
  float weight;  // of hi
};

std::vector<Tap> half_pixel_taps(int in_size, int out_size) {
  std::vector<Tap> taps(out_size);
  const float scale = static_cast<float>(in_size) / static_cast<float>(out_size);
  for (int i = 0; i < out_size; ++i) {
    // Centres align: output pixel i covers input [i*scale, (i+1)*scale); its centre in input
    // pixel coordinates is (i + 0.5) * scale - 0.5, clamped at the edges.
    const float src = std::max(0.0f, (static_cast<float>(i) + 0.5f) * scale - 0.5f);
    const int lo = std::min(static_cast<int>(src), in_size - 1);
    taps[i] = {lo, std::min(lo + 1, in_size - 1), src - static_cast<float>(lo)};
  }
  return taps;
}

Image resize_half_pixel(const Image& in, int width, int height) {
  const std::vector<Tap> xs = half_pixel_taps(in.width, width);
  const std::vector<Tap> ys = half_pixel_taps(in.height, height);
  const int c = in.channels;
  Image out = Image::blank(width, height, c);
  for (int y = 0; y < height; ++y) {
    const uint8_t* row0 = in.at(0, ys[y].lo);
    const uint8_t* row1 = in.at(0, ys[y].hi);
    const float wy = ys[y].weight;
    uint8_t* dst = out.at(0, y);
    for (int x = 0; x < width; ++x) {
      const Tap& t = xs[x];
      for (int k = 0; k < c; ++k) {
        const float top = row0[t.lo * c + k] + (row0[t.hi * c + k] - row0[t.lo * c + k]) * t.weight;
        const float bottom =
            row1[t.lo * c + k] + (row1[t.hi * c + k] - row1[t.lo * c + k]) * t.weight;
        const float v = top + (bottom - top) * wy;
        *dst++ = static_cast<uint8_t>(std::clamp(std::lround(v), 0L, 255L));
      }
    }
  }
  return out;
}

// ---- antialias = true: PIL's separable triangle filter -------------------------------------

// PIL accumulates 8-bit samples with integer coefficients of this many fractional bits
// (32 - 8 - 2: room for 255 * sum of coefficients without overflow).
constexpr int kPrecisionBits = 22;

struct FilterTaps {
  int ksize = 0;
  std::vector<int> first;       // first input index per output index
  std::vector<int> count;       // number of taps per output index
  std::vector<int32_t> coeffs;  // ksize per output index, fixed point
};

// Mirrors PIL's precompute_coeffs + normalize_coeffs_8bpc for the bilinear (triangle) filter,
// including its double-precision centres and its rounding of the window ends, so results match
// PIL byte for byte.
FilterTaps triangle_taps(int in_size, int out_size) {
  const double scale = static_cast<double>(in_size) / out_size;
  const double filter_scale = std::max(scale, 1.0);  // upscaling keeps the plain support
  const double support = 1.0 * filter_scale;
  FilterTaps taps;
  taps.ksize = static_cast<int>(std::ceil(support)) * 2 + 1;
  taps.first.resize(out_size);
  taps.count.resize(out_size);
  taps.coeffs.assign(static_cast<size_t>(out_size) * taps.ksize, 0);
  const double inverse_scale = 1.0 / filter_scale;  // PIL multiplies by it; so must we
  std::vector<double> k(taps.ksize);
  for (int i = 0; i < out_size; ++i) {
    const double center = (i + 0.5) * scale;
    const int lo = std::max(0, static_cast<int>(center - support + 0.5));
    const int hi = std::min(in_size, static_cast<int>(center + support + 0.5));
    const int n = std::min(hi - lo, taps.ksize);
    double total = 0.0;
    for (int j = 0; j < n; ++j) {
      const double x = std::abs((j + lo - center + 0.5) * inverse_scale);
      k[j] = x < 1.0 ? 1.0 - x : 0.0;
      total += k[j];
    }
    int32_t* fixed = &taps.coeffs[static_cast<size_t>(i) * taps.ksize];
    for (int j = 0; j < n; ++j) {
      const double w = total != 0.0 ? k[j] / total : k[j];
      const double scaled = w * (1 << kPrecisionBits);
      fixed[j] = static_cast<int32_t>(w < 0 ? scaled - 0.5 : scaled + 0.5);
    }
    taps.first[i] = lo;
    taps.count[i] = std::max(n, 0);
  }
  return taps;
}

uint8_t clip_fixed(int64_t v) {
  if (v <= 0) return 0;
  if (v >= (int64_t{255} << kPrecisionBits)) return 255;
  return static_cast<uint8_t>(v >> kPrecisionBits);
}

// One pass along x (stride = channels) or y (stride = row bytes); PIL rounds to uint8 between
// the passes, so the intermediate image is uint8 too.
Image filter_horizontal(const Image& in, int width) {
  const FilterTaps taps = triangle_taps(in.width, width);
  const int c = in.channels;
  Image out = Image::blank(width, in.height, c);
  for (int y = 0; y < in.height; ++y) {
    const uint8_t* src = in.at(0, y);
    uint8_t* dst = out.at(0, y);
    for (int x = 0; x < width; ++x) {
      const int32_t* k = &taps.coeffs[static_cast<size_t>(x) * taps.ksize];
      for (int ch = 0; ch < c; ++ch) {
        int64_t sum = int64_t{1} << (kPrecisionBits - 1);
        for (int j = 0; j < taps.count[x]; ++j)
          sum += int64_t{src[(taps.first[x] + j) * c + ch]} * k[j];
        *dst++ = clip_fixed(sum);
      }
    }
  }
  return out;
}

Image filter_vertical(const Image& in, int height) {
  const FilterTaps taps = triangle_taps(in.height, height);
  const size_t row = in.row_bytes();
  Image out = Image::blank(in.width, height, in.channels);
  for (int y = 0; y < height; ++y) {
    const int32_t* k = &taps.coeffs[static_cast<size_t>(y) * taps.ksize];
    const uint8_t* src = in.at(0, taps.first[y]);
    uint8_t* dst = out.at(0, y);
    for (size_t i = 0; i < row; ++i) {
      int64_t sum = int64_t{1} << (kPrecisionBits - 1);
      for (int j = 0; j < taps.count[y]; ++j) sum += int64_t{src[j * row + i]} * k[j];
      dst[i] = clip_fixed(sum);
    }
  }
  return out;
}

}  // namespace

Result<Image> resize_bilinear(const Image& image, int width, int height, bool antialias) {
  if (width <= 0 || height <= 0 || width > kMaxImageDimension || height > kMaxImageDimension ||
      int64_t{width} * height > kMaxImagePixels)
    return usage_error("cannot resize to " + std::to_string(width) + "x" + std::to_string(height));
  if (image.width <= 0 || image.height <= 0 || image.channels <= 0 ||
      image.pixels.size() != image.row_bytes() * static_cast<size_t>(image.height))
    return usage_error("cannot resize: image size and pixel buffer disagree");
  if (!antialias) return resize_half_pixel(image, width, height);
  // Like PIL, skip a pass whose size does not change (it would be the identity anyway).
  Image out = image.width != width ? filter_horizontal(image, width) : image;
  if (out.height != height) out = filter_vertical(out, height);
  return out;
}

}  // namespace outpost
