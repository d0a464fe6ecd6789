// A quantized linear Resize of NHWC's H and W (uint8, int8, int16; output shares the input's
// quantization; bilinear_resize_form.h says which nodes), as TFLite's RESIZE_BILINEAR. For uint8
// TFLite interpolates the raw values in float, with its ComputeInterpolationValues source
// coordinates (align_corners, half_pixel_centers), and converts with +0.5 then truncation; we
// evaluate the same expression in the same order. For int8 and int16 it runs ResizeBilinearInteger:
// coordinates in 10 fractional bits (a half-pixel coordinate below 0 keeps its negative
// fraction), the four products in 20 bits, rounded half away from zero.
#include <algorithm>
#include <cmath>
#include <vector>

#include "backends/ref/bilinear_resize_form.h"
#include "backends/ref/quantized_common.h"
#include "backends/ref/quantized_kernel_factories.h"

namespace outpost {
namespace {

// One output coordinate's source: the unclamped position and its clamped neighbours.
struct Source {
  float pos;
  int64_t lo, hi;
};

std::vector<Source> sources(int64_t in_size, int64_t out_size, bool align_corners,
                            bool half_pixel) {
  const float scale = align_corners && out_size > 1
                          ? static_cast<float>(in_size - 1) / static_cast<float>(out_size - 1)
                          : static_cast<float>(in_size) / static_cast<float>(out_size);
  std::vector<Source> result(static_cast<size_t>(out_size));
  for (int64_t o = 0; o < out_size; ++o) {
    const float v = static_cast<float>(o);
    const float pos = half_pixel ? (v + 0.5f) * scale - 0.5f : v * scale;
    result[static_cast<size_t>(o)] = {
        pos, std::max<int64_t>(static_cast<int64_t>(std::floor(pos)), 0),
        std::min<int64_t>(static_cast<int64_t>(std::ceil(pos)), in_size - 1)};
  }
  return result;
}

template <typename T>
class ResizeBilinearQuantized final : public Kernel {  // uint8
 public:
  ResizeBilinearQuantized(int64_t batch, int64_t in_h, int64_t in_w, int64_t channels,
                          std::vector<Source> rows, std::vector<Source> cols)
      : batch_(batch),
        in_h_(in_h),
        in_w_(in_w),
        channels_(channels),
        rows_(std::move(rows)),
        cols_(std::move(cols)) {}

  Status run(std::span<const TensorView> inputs, std::span<const TensorView> outputs) override {
    const T* x = inputs[0].as<const T>();
    T* y = outputs[0].as<T>();
    auto at = [&](int64_t b, int64_t r, int64_t c, int64_t ch) {
      return static_cast<float>(x[((b * in_h_ + r) * in_w_ + c) * channels_ + ch]);
    };
    for (int64_t b = 0; b < batch_; ++b) {
      for (const Source& sy : rows_) {
        const float dy = sy.pos - static_cast<float>(sy.lo);
        for (const Source& sx : cols_) {
          const float dx = sx.pos - static_cast<float>(sx.lo);
          for (int64_t ch = 0; ch < channels_; ++ch) {
            const float v = at(b, sy.lo, sx.lo, ch) * (1 - dy) * (1 - dx) +
                            at(b, sy.hi, sx.lo, ch) * dy * (1 - dx) +
                            at(b, sy.lo, sx.hi, ch) * (1 - dy) * dx +
                            at(b, sy.hi, sx.hi, ch) * dy * dx + 0.5f;
            *y++ = static_cast<T>(v);
          }
        }
      }
    }
    return Status::ok();
  }

 private:
  int64_t batch_, in_h_, in_w_, channels_;
  std::vector<Source> rows_, cols_;
};

// One output coordinate's source in TFLite's integer form: the position times 1024, and the
// neighbours it reads.
struct FixedSource {
  int32_t pos10;
  int64_t lo, hi;
};

std::vector<FixedSource> fixed_sources(int32_t in_size, int32_t out_size, bool align_corners,
                                       bool half_pixel) {
  constexpr int32_t kOne = 1 << 10;
  int32_t scale10 = (kOne * in_size + out_size / 2) / out_size;
  if (align_corners && out_size > 1)
    scale10 = (kOne * (in_size - 1) + (out_size - 1) / 2) / (out_size - 1);
  std::vector<FixedSource> result(static_cast<size_t>(out_size));
  for (int32_t o = 0; o < out_size; ++o) {
    const int32_t pos = half_pixel ? o * scale10 + scale10 / 2 - (1 << 9) : o * scale10;
    result[static_cast<size_t>(o)] = {pos, std::max(pos / kOne, 0),
                                      std::min((pos + kOne - 1) / kOne, in_size - 1)};
  }
  return result;
}

template <typename T>
class ResizeBilinearInteger final : public Kernel {  // int8, int16
 public:
  ResizeBilinearInteger(int64_t batch, int64_t in_h, int64_t in_w, int64_t channels,
                     std::vector<FixedSource> rows, std::vector<FixedSource> cols)
      : batch_(batch), in_h_(in_h), in_w_(in_w), channels_(channels), rows_(std::move(rows)),
        cols_(std::move(cols)) {}

  Status run(std::span<const TensorView> inputs, std::span<const TensorView> outputs) override {
    constexpr int64_t kOne = 1 << 10, kHalf20 = 1 << 19;
    const T* x = inputs[0].as<const T>();
    T* y = outputs[0].as<T>();
    auto at = [&](int64_t b, int64_t r, int64_t c, int64_t ch) {
      return static_cast<int64_t>(x[((b * in_h_ + r) * in_w_ + c) * channels_ + ch]);
    };
    for (int64_t b = 0; b < batch_; ++b)
      for (const FixedSource& sy : rows_) {
        const int64_t fy = sy.pos10 - kOne * sy.lo;
        for (const FixedSource& sx : cols_) {
          const int64_t fx = sx.pos10 - kOne * sx.lo;
          for (int64_t ch = 0; ch < channels_; ++ch) {
            const int64_t sum = at(b, sy.lo, sx.lo, ch) * (kOne - fy) * (kOne - fx) +
                                at(b, sy.hi, sx.lo, ch) * fy * (kOne - fx) +
                                at(b, sy.lo, sx.hi, ch) * (kOne - fy) * fx +
                                at(b, sy.hi, sx.hi, ch) * fy * fx;
            *y++ = static_cast<T>((sum + (sum > 0 ? kHalf20 : -kHalf20)) / (kHalf20 * 2));
          }
        }
      }
    return Status::ok();
  }

 private:
  int64_t batch_, in_h_, in_w_, channels_;
  std::vector<FixedSource> rows_, cols_;
};

}  // namespace

Result<std::unique_ptr<Kernel>> make_resize_bilinear_quantized(const Node& n, const Graph& g) {
  OUTPOST_ASSIGN_OR_RETURN(const BilinearResizeForm form, bilinear_resize_form(n, g));
  const Value& x = input_of(g, n, 0);
  const Value& y = output_of(g, n);
  if (!is_quantized_integer(x.dtype)) return not_handled(g, n, "input is not uint8/int8/int16");
  if (y.dtype != x.dtype) return not_handled(g, n, "quantized bilinear Resize keeps the dtype");
  // Integers without quantization parameters are the general kernel's (ONNX's rounding).
  if (x.quant.empty() || y.quant.empty())
    return not_handled(g, n, "uint8/int8/int16 without quantization parameters");
  OUTPOST_ASSIGN_OR_RETURN(auto xq, quant::per_tensor_quant(g, n, x, "input"));
  OUTPOST_ASSIGN_OR_RETURN(auto yq, quant::per_tensor_quant(g, n, y, "output"));
  if (xq.scale != yq.scale || xq.zero_point != yq.zero_point)
    return not_handled(g, n,
                       "quantized bilinear Resize needs the same input and output quantization");
  const bool align_corners = form.align_corners, half_pixel = form.half_pixel;
  if (x.dtype == DType::kInt8 || x.dtype == DType::kInt16) {
    if (std::max({x.shape[1], x.shape[2], y.shape[1], y.shape[2]}) > (int64_t{1} << 20))
      return not_handled(g, n,
                         std::string(dtype_name(x.dtype)) +
                             " bilinear Resize beyond 2^20 pixels a side (int32 coordinates)");
    auto size = [](int64_t v) { return static_cast<int32_t>(v); };
    auto rows = fixed_sources(size(x.shape[1]), size(y.shape[1]), align_corners, half_pixel);
    auto cols = fixed_sources(size(x.shape[2]), size(y.shape[2]), align_corners, half_pixel);
    if (x.dtype == DType::kInt16)
      return std::unique_ptr<Kernel>(std::make_unique<ResizeBilinearInteger<int16_t>>(
          x.shape[0], x.shape[1], x.shape[2], x.shape[3], std::move(rows), std::move(cols)));
    return std::unique_ptr<Kernel>(std::make_unique<ResizeBilinearInteger<int8_t>>(
        x.shape[0], x.shape[1], x.shape[2], x.shape[3], std::move(rows), std::move(cols)));
  }
  auto rows = sources(x.shape[1], y.shape[1], align_corners, half_pixel);
  auto cols = sources(x.shape[2], y.shape[2], align_corners, half_pixel);
  return std::unique_ptr<Kernel>(std::make_unique<ResizeBilinearQuantized<uint8_t>>(
      x.shape[0], x.shape[1], x.shape[2], x.shape[3], std::move(rows), std::move(cols)));
}

}  // namespace outpost
