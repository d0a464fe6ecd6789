// A linear Resize of H and W on float32 NHWC with TFLite's RESIZE_BILINEAR arithmetic, including
// align_corners and half_pixel_centers (bilinear_resize_form.h says which nodes). The source
// rows/columns and weights of every output row and column are computed once at creation.
#include <algorithm>
#include <cmath>

#include "backends/ref/bilinear_resize_form.h"
#include "backends/ref/float_kernel_factories.h"

namespace outpost {
namespace {

// For one output coordinate: the two source coordinates and the weight of the second.
struct Tap {
  int64_t lo, hi;
  float frac;
};

// TFLite's ComputeInterpolationValues: the source coordinate is clamped only through lo/hi, and
// frac is measured from the clamped lo, so the two weights always sum to 1.
std::vector<Tap> taps(int64_t in_size, int64_t out_size, bool align_corners, bool half_pixel) {
  const float scale = align_corners && out_size > 1
                          ? static_cast<float>(in_size - 1) / static_cast<float>(out_size - 1)
                          : static_cast<float>(in_size) / static_cast<float>(out_size);
  std::vector<Tap> result(static_cast<size_t>(out_size));
  for (int64_t o = 0; o < out_size; ++o) {
    const float v = static_cast<float>(o);
    const float src = half_pixel ? (v + 0.5f) * scale - 0.5f : v * scale;
    const int64_t lo = std::max<int64_t>(static_cast<int64_t>(std::floor(src)), 0);
    const int64_t hi = std::min<int64_t>(static_cast<int64_t>(std::ceil(src)), in_size - 1);
    result[static_cast<size_t>(o)] = {lo, hi, src - static_cast<float>(lo)};
  }
  return result;
}

class ResizeBilinearKernel final : public Kernel {
 public:
  ResizeBilinearKernel(int64_t batch, int64_t in_h, int64_t in_w, int64_t channels,
                       std::vector<Tap> rows, std::vector<Tap> cols)
      : batch_(batch),
        in_h_(in_h),
        in_w_(in_w),
        channels_(channels),
        rows_(std::move(rows)),
        cols_(std::move(cols)) {}

  Status run(std::span<const TensorView> inputs, std::span<const TensorView> outputs) override {
    const float* x = inputs[0].as<const float>();
    float* out = outputs[0].as<float>();
    const int64_t c_count = channels_;
    const int64_t in_row = in_w_ * c_count;
    for (int64_t b = 0; b < batch_; ++b) {
      const float* x_batch = x + b * in_h_ * in_row;
      for (const Tap& ty : rows_) {
        const float* row0 = x_batch + ty.lo * in_row;
        const float* row1 = x_batch + ty.hi * in_row;
        const float wy1 = ty.frac, wy0 = 1.0f - ty.frac;
        for (const Tap& tx : cols_) {
          const float* p00 = row0 + tx.lo * c_count;
          const float* p01 = row0 + tx.hi * c_count;
          const float* p10 = row1 + tx.lo * c_count;
          const float* p11 = row1 + tx.hi * c_count;
          const float wx1 = tx.frac, wx0 = 1.0f - tx.frac;
          for (int64_t c = 0; c < c_count; ++c) {
            out[c] =
                p00[c] * wy0 * wx0 + p10[c] * wy1 * wx0 + p01[c] * wy0 * wx1 + p11[c] * wy1 * wx1;
          }
          out += c_count;
        }
      }
    }
    return Status::ok();
  }

 private:
  int64_t batch_, in_h_, in_w_, channels_;
  std::vector<Tap> rows_, cols_;
};

}  // namespace

Result<std::unique_ptr<Kernel>> make_resize_bilinear_float(const Node& node, const Graph& graph) {
  OUTPOST_ASSIGN_OR_RETURN(const BilinearResizeForm form, bilinear_resize_form(node, graph));
  OUTPOST_RETURN_IF_ERROR(expect_float32(graph, node, {0}));
  const bool align_corners = form.align_corners, half_pixel = form.half_pixel;
  const Shape& x = input_of(graph, node, 0).shape;
  const Shape& y = output_of(graph, node).shape;
  return std::unique_ptr<Kernel>(std::make_unique<ResizeBilinearKernel>(
      x[0], x[1], x[2], x[3], taps(x[1], y[1], align_corners, half_pixel),
      taps(x[2], y[2], align_corners, half_pixel)));
}

}  // namespace outpost
