// Quantized AveragePool and MaxPool, NHWC (channels-last nodes; uint8, int8, int16). Input and output
// share their quantization, as TFLite requires, so both work on the raw values. The average
// divides the window's integer sum by the number of taps inside the input (padding is not
// counted), rounding half away from zero with integer arithmetic, as TFLite does; both clamp to
// the fused activation's range.
#include <cmath>

#include "backends/ref/quantized_common.h"
#include "backends/ref/quantized_kernel_factories.h"
#include "backends/ref/pool_geometry.h"

namespace outpost {
namespace {

enum class PoolKind { kAverage, kMax };

template <typename T, PoolKind kKind>
class PoolQuantized final : public Kernel {
 public:
  PoolQuantized(PoolGeometry geo, quant::ActivationRange act) : geo_(geo), act_(act) {}

  Status run(std::span<const TensorView> inputs, std::span<const TensorView> outputs) override {
    const T* x = inputs[0].as<const T>();
    T* y = outputs[0].as<T>();
    const PoolGeometry& g = geo_;
    for (int64_t b = 0; b < g.batch; ++b) {
      for (int64_t oy = 0; oy < g.out_h; ++oy) {
        const int64_t y0 = oy * g.stride_h - g.pad_top;
        const int64_t ky_begin = std::max<int64_t>(0, -y0);
        const int64_t ky_end = std::min<int64_t>(g.filter_h, g.in_h - y0);
        for (int64_t ox = 0; ox < g.out_w; ++ox) {
          const int64_t x0 = ox * g.stride_w - g.pad_left;
          const int64_t kx_begin = std::max<int64_t>(0, -x0);
          const int64_t kx_end = std::min<int64_t>(g.filter_w, g.in_w - x0);
          const int32_t count = static_cast<int32_t>((ky_end - ky_begin) * (kx_end - kx_begin));
          for (int64_t c = 0; c < g.channels; ++c) {
            int32_t acc = kKind == PoolKind::kMax ? quant::qmin<T>() : 0;
            for (int64_t ky = ky_begin; ky < ky_end; ++ky) {
              for (int64_t kx = kx_begin; kx < kx_end; ++kx) {
                const int32_t v = x[((b * g.in_h + y0 + ky) * g.in_w + x0 + kx) * g.channels + c];
                if constexpr (kKind == PoolKind::kMax) {
                  acc = std::max(acc, v);
                } else {
                  acc += v;
                }
              }
            }
            if constexpr (kKind == PoolKind::kAverage) {
              if (count > 0) acc = acc >= 0 ? (acc + count / 2) / count : (acc - count / 2) / count;
            }
            y[((b * g.out_h + oy) * g.out_w + ox) * g.channels + c] =
                quant::clamp_to<T>(acc, act_.min, act_.max);
          }
        }
      }
    }
    return Status::ok();
  }

 private:
  PoolGeometry geo_;
  quant::ActivationRange act_;
};

template <PoolKind kKind>
Result<std::unique_ptr<Kernel>> make_pool(const Node& n, const Graph& g) {
  OUTPOST_ASSIGN_OR_RETURN(PoolGeometry geo, nhwc_pool_geometry(n, g));
  const Value& x = input_of(g, n, 0);
  const Value& y = output_of(g, n);
  if (!is_quantized_integer(x.dtype)) return not_handled(g, n, "input is not uint8/int8/int16");
  if (y.dtype != x.dtype) return not_handled(g, n, "quantized pooling keeps the input's dtype");
  OUTPOST_ASSIGN_OR_RETURN(auto xq, quant::per_tensor_quant(g, n, x, "input"));
  OUTPOST_ASSIGN_OR_RETURN(auto yq, quant::per_tensor_quant(g, n, y, "output"));
  if (xq.zero_point != yq.zero_point || std::abs(xq.scale - yq.scale) > 1e-6f)
    return not_handled(g, n,
                       "quantized pooling needs the same quantization on input (" +
                           x.quant.to_string() + ") and output (" + y.quant.to_string() + ")");
  OUTPOST_ASSIGN_OR_RETURN(auto act, quant::fused_activation_range(g, n, y, yq));
  if (x.dtype == DType::kUInt8)
    return std::unique_ptr<Kernel>(std::make_unique<PoolQuantized<uint8_t, kKind>>(geo, act));
  if (x.dtype == DType::kInt16)
    return std::unique_ptr<Kernel>(std::make_unique<PoolQuantized<int16_t, kKind>>(geo, act));
  return std::unique_ptr<Kernel>(std::make_unique<PoolQuantized<int8_t, kKind>>(geo, act));
}

}  // namespace

Result<std::unique_ptr<Kernel>> make_average_pool2d_quantized(const Node& n, const Graph& g) {
  return make_pool<PoolKind::kAverage>(n, g);
}

Result<std::unique_ptr<Kernel>> make_max_pool2d_quantized(const Node& n, const Graph& g) {
  return make_pool<PoolKind::kMax>(n, g);
}

}  // namespace outpost
