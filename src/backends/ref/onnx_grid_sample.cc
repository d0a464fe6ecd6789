// GridSample: y[n, c, i, j] is x[n, c] sampled at the point grid[n, i, j] = (gx, gy), given in
// [-1, 1] over the width (gx) and the height (gy), as PyTorch's grid_sample computes it (ONNX
// defines the op by it). align_corners 1 puts -1 and 1 on the centres of the edge pixels, 0 on
// their outer edges. Points outside read zeros (padding_mode zeros), the nearest edge pixel
// (border) or the image mirrored about its edges (reflection). Modes: bilinear (2 x 2 pixels),
// nearest (half to even) and bicubic (4 x 4 pixels, Keys' cubic with a = -0.75).
#include <algorithm>
#include <array>
#include <cmath>

#include "backends/ref/onnx_nn_common.h"
#include "backends/ref/onnx_nn_kernel_factories.h"

namespace outpost {
namespace {

using namespace onnx_ref;  // NOLINT: this file's helpers

enum class Mode { kBilinear, kNearest, kBicubic };
enum class Padding { kZeros, kBorder, kReflection };

// One image plane and how points are read from it.
struct Plane {
  int64_t h = 0, w = 0;
  bool align_corners = false;
  Padding padding = Padding::kZeros;
};

// A grid coordinate in [-1, 1] as a pixel coordinate along an axis of `size` pixels.
double unnormalize(double g, int64_t size, bool align_corners) {
  const double n = static_cast<double>(size);
  return align_corners ? (g + 1) / 2 * (n - 1) : ((g + 1) * n - 1) / 2;
}

// v mirrored into [low, high] about both ends, the bounds given doubled (whole or half pixels).
double reflect(double v, int64_t twice_low, int64_t twice_high) {
  if (twice_low == twice_high) return 0;
  const double low = static_cast<double>(twice_low) / 2;
  const double span = static_cast<double>(twice_high - twice_low) / 2;
  v = std::fabs(v - low);
  const double extra = std::fmod(v, span);
  const bool even_flips = std::fmod(std::floor(v / span), 2.0) == 0;  // doubles: no overflow
  return even_flips ? extra + low : span - extra + low;
}

// A pixel coordinate after padding: border clamps it to the pixels, reflection mirrors it about
// the edges (the centres of the edge pixels with align_corners, their outer edges without) and
// then clamps; zeros leaves it, and reading outside gives 0.
double pad(double v, int64_t size, const Plane& p) {
  const double last = static_cast<double>(size - 1);
  if (p.padding == Padding::kZeros) return v;
  if (p.padding == Padding::kReflection)
    v = p.align_corners ? reflect(v, 0, 2 * (size - 1)) : reflect(v, -1, 2 * size - 1);
  return std::clamp(v, 0.0, last);
}

// The pixel at (y, x), or 0 outside the plane (and for NaN, compared before any integer cast).
template <typename T>
double pixel(const T* x, const Plane& p, double row, double col) {
  if (!(row >= 0 && row < static_cast<double>(p.h) && col >= 0 && col < static_cast<double>(p.w)))
    return 0;
  return static_cast<double>(x[static_cast<int64_t>(row) * p.w + static_cast<int64_t>(col)]);
}

template <typename T>
double bilinear(const T* x, const Plane& p, double gx, double gy) {
  const double cx = pad(unnormalize(gx, p.w, p.align_corners), p.w, p);
  const double cy = pad(unnormalize(gy, p.h, p.align_corners), p.h, p);
  const double x0 = std::floor(cx), y0 = std::floor(cy);
  const double tx = cx - x0, ty = cy - y0;
  return (1 - ty) * ((1 - tx) * pixel(x, p, y0, x0) + tx * pixel(x, p, y0, x0 + 1)) +
         ty * ((1 - tx) * pixel(x, p, y0 + 1, x0) + tx * pixel(x, p, y0 + 1, x0 + 1));
}

template <typename T>
double nearest(const T* x, const Plane& p, double gx, double gy) {
  const double cx = pad(unnormalize(gx, p.w, p.align_corners), p.w, p);
  const double cy = pad(unnormalize(gy, p.h, p.align_corners), p.h, p);
  return pixel(x, p, std::nearbyint(cy), std::nearbyint(cx));  // the default mode: half to even
}

// Keys' cubic convolution weights of the four pixels around a point t in [0, 1) past the second.
std::array<double, 4> cubic_weights(double t) {
  constexpr double a = -0.75;
  // The weight of a pixel at distance |d| <= 1, and at 1 < |d| < 2.
  const auto near = [](double d) { return ((a + 2) * d - (a + 3)) * d * d + 1; };
  const auto far = [](double d) { return ((a * d - 5 * a) * d + 8 * a) * d - 4 * a; };
  return {far(t + 1), near(t), near(1 - t), far(2 - t)};
}

// Bicubic: the 4 x 4 pixels around the unpadded point, each one padded on its own.
template <typename T>
double bicubic(const T* x, const Plane& p, double gx, double gy) {
  const double cx = unnormalize(gx, p.w, p.align_corners);
  const double cy = unnormalize(gy, p.h, p.align_corners);
  const double x0 = std::floor(cx), y0 = std::floor(cy);
  const std::array<double, 4> wx = cubic_weights(cx - x0), wy = cubic_weights(cy - y0);
  double sum = 0;
  for (int b = 0; b < 4; ++b) {
    const double row = pad(y0 - 1 + b, p.h, p);
    double line = 0;
    for (int a = 0; a < 4; ++a) line += wx[a] * pixel(x, p, row, pad(x0 - 1 + a, p.w, p));
    sum += wy[b] * line;
  }
  return sum;
}

}  // namespace

Result<std::unique_ptr<Kernel>> make_onnx_grid_sample(const Node& node, const Graph& graph) {
  const Shape& xs = input_of(graph, node, 0).shape;
  const Shape& ys = output_of(graph, node).shape;
  const int64_t batch = xs[0], channels = xs[1], out_h = ys[2], out_w = ys[3];
  Plane plane;
  plane.h = xs[2];
  plane.w = xs[3];
  plane.align_corners = node.attrs.get_int("align_corners", 0) != 0;
  const std::string padding = node.attrs.get_string("padding_mode", "zeros");
  plane.padding = padding == "border"       ? Padding::kBorder
                  : padding == "reflection" ? Padding::kReflection
                                            : Padding::kZeros;
  const std::string m = node.attrs.get_string("mode", "bilinear");
  const Mode mode = m == "nearest"   ? Mode::kNearest
                    : m == "bicubic" ? Mode::kBicubic
                                     : Mode::kBilinear;
  RunFn fn;
  const bool ok = visit_float(input_of(graph, node, 0).dtype, [&](auto tx) {
    using T = typename decltype(tx)::type;
    visit_float(input_of(graph, node, 1).dtype, [&](auto tg) {
      using G = typename decltype(tg)::type;
      fn = [=](std::span<const TensorView> in, std::span<const TensorView> out) {
        const T* x = in[0].as<const T>();
        const G* grid = in[1].as<const G>();
        T* y = out[0].as<T>();
        const int64_t plane_size = plane.h * plane.w, points = out_h * out_w;
        for (int64_t n = 0; n < batch; ++n)
          for (int64_t c = 0; c < channels; ++c) {
            const T* src = x + (n * channels + c) * plane_size;
            for (int64_t i = 0; i < points; ++i) {
              const double gx = static_cast<double>(grid[(n * points + i) * 2]);
              const double gy = static_cast<double>(grid[(n * points + i) * 2 + 1]);
              const double v = mode == Mode::kNearest   ? nearest(src, plane, gx, gy)
                               : mode == Mode::kBicubic ? bicubic(src, plane, gx, gy)
                                                        : bilinear(src, plane, gx, gy);
              y[(n * channels + c) * points + i] = static_cast<T>(v);
            }
          }
      };
    });
  });
  if (!ok || !fn)
    return not_handled(graph, node, "x and grid must be float32 or float64");
  return make_kernel(std::move(fn));
}

}  // namespace outpost
