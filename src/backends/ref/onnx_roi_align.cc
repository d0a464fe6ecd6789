// RoiAlign: each region of interest rois[r] = (x1, y1, x2, y2), in input pixels times
// spatial_scale, of image batch_indices[r], pooled into output_height x output_width bins; a bin
// is the average (mode avg) or the largest weighted tap (mode max) of a grid of bilinear samples,
// sampling_ratio per bin axis (0: ceil(bin size), adaptive), as ONNX Runtime computes it.
// coordinate_transformation_mode half_pixel shifts the region by -0.5 pixel; output_half_pixel
// (the only form before opset 16) does not, and makes each side at least one pixel.
#include <algorithm>
#include <cmath>

#include "backends/ref/onnx_nn_common.h"
#include "backends/ref/onnx_nn_kernel_factories.h"

namespace outpost {
namespace {

using namespace onnx_ref;  // NOLINT: this file's helpers

// The most samples an adaptive grid takes per bin axis: a hostile region (1e30 pixels tall)
// must not ask for more than any real image has.
constexpr double kMaxAdaptiveGrid = 1024;

struct RoiParams {
  int64_t h = 0, w = 0, out_h = 1, out_w = 1, sampling_ratio = 0;
  double spatial_scale = 1;
  bool half_pixel = true, max_mode = false;
};

// The four taps of a bilinear sample at (y, x) and their weights; a point more than one pixel
// outside the image (or NaN) samples nothing.
struct Taps {
  int64_t at[4] = {0, 0, 0, 0};
  double weight[4] = {0, 0, 0, 0};
};

Taps taps_at(double y, double x, int64_t h, int64_t w) {
  Taps t;
  if (!(y >= -1 && y <= static_cast<double>(h) && x >= -1 && x <= static_cast<double>(w)))
    return t;
  y = std::max(y, 0.0);
  x = std::max(x, 0.0);
  int64_t y0 = static_cast<int64_t>(y), x0 = static_cast<int64_t>(x), y1 = y0 + 1, x1 = x0 + 1;
  if (y0 >= h - 1) y = static_cast<double>(y0 = y1 = h - 1);
  if (x0 >= w - 1) x = static_cast<double>(x0 = x1 = w - 1);
  const double ly = y - static_cast<double>(y0), lx = x - static_cast<double>(x0);
  t.at[0] = y0 * w + x0;
  t.at[1] = y0 * w + x1;
  t.at[2] = y1 * w + x0;
  t.at[3] = y1 * w + x1;
  t.weight[0] = (1 - ly) * (1 - lx);
  t.weight[1] = (1 - ly) * lx;
  t.weight[2] = ly * (1 - lx);
  t.weight[3] = ly * lx;
  return t;
}

// Samples per bin along an axis whose bins are `bin` pixels long.
int64_t grid_count(int64_t sampling_ratio, double bin) {
  if (sampling_ratio > 0) return sampling_ratio;
  const double n = std::ceil(bin);
  return n > 0 ? static_cast<int64_t>(std::min(n, kMaxAdaptiveGrid)) : 0;
}

// Pools one region of one channel plane into out[out_h * out_w].
template <typename T>
void pool_region(const T* plane, const double* box, const RoiParams& p, T* out) {
  const double offset = p.half_pixel ? 0.5 : 0;
  const double x0 = box[0] * p.spatial_scale - offset, y0 = box[1] * p.spatial_scale - offset;
  double roi_w = box[2] * p.spatial_scale - offset - x0,
         roi_h = box[3] * p.spatial_scale - offset - y0;
  if (!p.half_pixel) {
    roi_w = std::max(roi_w, 1.0);
    roi_h = std::max(roi_h, 1.0);
  }
  const double bin_h = roi_h / static_cast<double>(p.out_h),
               bin_w = roi_w / static_cast<double>(p.out_w);
  const int64_t grid_h = grid_count(p.sampling_ratio, bin_h),
                grid_w = grid_count(p.sampling_ratio, bin_w);
  const double count = static_cast<double>(std::max<int64_t>(grid_h * grid_w, 1));
  for (int64_t ph = 0; ph < p.out_h; ++ph)
    for (int64_t pw = 0; pw < p.out_w; ++pw) {
      double sum = 0, best = 0;
      bool any = false;
      for (int64_t iy = 0; iy < grid_h; ++iy) {
        const double y = y0 + static_cast<double>(ph) * bin_h +
                         (static_cast<double>(iy) + 0.5) * bin_h / static_cast<double>(grid_h);
        for (int64_t ix = 0; ix < grid_w; ++ix) {
          const double x = x0 + static_cast<double>(pw) * bin_w +
                           (static_cast<double>(ix) + 0.5) * bin_w / static_cast<double>(grid_w);
          const Taps t = taps_at(y, x, p.h, p.w);
          double value = 0, largest = 0;
          for (int k = 0; k < 4; ++k) {
            const double v = t.weight[k] * static_cast<double>(plane[t.at[k]]);
            value += v;
            largest = k == 0 ? v : std::max(largest, v);
          }
          sum += value;
          best = any ? std::max(best, largest) : largest;
          any = true;
        }
      }
      out[ph * p.out_w + pw] = static_cast<T>(p.max_mode ? best : sum / count);
    }
}

}  // namespace

Result<std::unique_ptr<Kernel>> make_onnx_roi_align(const Node& node, const Graph& graph) {
  const Shape& x = input_of(graph, node, 0).shape;
  const int64_t images = x[0], channels = x[1];
  const int64_t regions = output_of(graph, node).shape[0];
  RoiParams p;
  p.h = x[2];
  p.w = x[3];
  p.out_h = node.attrs.get_int("output_height", 1);
  p.out_w = node.attrs.get_int("output_width", 1);
  p.sampling_ratio = node.attrs.get_int("sampling_ratio", 0);
  p.spatial_scale = node.attrs.get_float("spatial_scale", 1.0f);
  p.half_pixel =
      node.attrs.get_string("coordinate_transformation_mode", "half_pixel") == "half_pixel";
  p.max_mode = node.attrs.get_string("mode", "avg") == "max";
  RunFn fn;
  if (!visit_float(input_of(graph, node, 0).dtype, [&](auto tag) {
        using T = typename decltype(tag)::type;
        fn = [=](std::span<const TensorView> in, std::span<const TensorView> out) {
          const T* src = in[0].as<const T>();
          const T* rois = in[1].as<const T>();
          T* dst = out[0].as<T>();
          const int64_t plane = p.h * p.w, pooled = p.out_h * p.out_w;
          for (int64_t r = 0; r < regions; ++r) {
            const int64_t b = int_at(in[2].dtype, in[2].data, r);
            T* y = dst + r * channels * pooled;
            if (b < 0 || b >= images) {  // run-time data: an image that is not there pools zeros
              std::fill(y, y + channels * pooled, T(0));
              continue;
            }
            double box[4];
            for (int k = 0; k < 4; ++k) box[k] = static_cast<double>(rois[r * 4 + k]);
            for (int64_t c = 0; c < channels; ++c)
              pool_region(src + (b * channels + c) * plane, box, p, y + c * pooled);
          }
        };
      }))
    return unsupported_dtype(graph, node, input_of(graph, node, 0).dtype);
  return make_kernel(std::move(fn));
}

}  // namespace outpost
