// Quantized ReduceMean (uint8, int8, int16) over the attribute's axes, as TFLite's MEAN. TFLite's
// built-in kernel has two paths and we follow both, since they round differently:
// - 4-D input, keepdims, axes {1, 2} (global average pooling): the raw values are summed, the
//   sum is scaled by input_scale / (count * output_scale) (quantized from a float), and a bias
//   output_zp - round(input_zp * input_scale / output_scale), computed in float, is added;
// - anything else: the zero-point-corrected sum is scaled by input_scale / output_scale with the
//   1/count folded into the multiplier by an integer division (keeping up to 32 extra bits).
#include <algorithm>
#include <limits>
#include <bit>
#include <cmath>
#include <cstring>
#include <vector>

#include "backends/ref/quantized_common.h"
#include "backends/ref/quantized_kernel_factories.h"
#include "backends/ref/reduced_axes.h"

namespace outpost {
namespace {

using quant::QuantizedMultiplier;

struct MeanPlan {
  std::vector<int64_t> in_dims;
  std::vector<int64_t> out_stride;  // per input dimension; 0 for reduced ones
  int64_t num_outputs = 0;
  int64_t count = 0;  // elements reduced into each output
  QuantizedMultiplier multiplier;
  int32_t input_zero_point = 0;  // subtracted from the sum (general path only)
  int32_t bias = 0;              // added after scaling (output zero point, or the 4-D path's bias)
};

template <typename T>
class MeanQuantized final : public Kernel {
 public:
  explicit MeanQuantized(MeanPlan plan)
      : plan_(std::move(plan)),
        sums_(static_cast<size_t>(plan_.num_outputs)),
        index_(plan_.in_dims.size()) {}

  // sum x multiplier as TFLite computes it (an int32 sum); a sum past int32, which TFLite's own
  // accumulator would overflow (undefined there; over ~8 million uint8 elements per output,
  // fuzz_tflite crash-fb175232), is scaled in double instead, so that the mean stays right.
  int32_t scaled(int64_t sum) const {
    constexpr int64_t lo = std::numeric_limits<int32_t>::min(), hi = std::numeric_limits<int32_t>::max();
    if (sum >= lo && sum <= hi)
      return quant::multiply_by_quantized_multiplier(static_cast<int32_t>(sum), plan_.multiplier);
    const double real = static_cast<double>(plan_.multiplier.multiplier) *
                        std::ldexp(1.0, plan_.multiplier.shift - 31);
    return static_cast<int32_t>(
        std::clamp<double>(std::round(static_cast<double>(sum) * real), static_cast<double>(lo),
                           static_cast<double>(hi)));
  }

  Status run(std::span<const TensorView> inputs, std::span<const TensorView> outputs) override {
    const T* x = inputs[0].as<const T>();
    T* y = outputs[0].as<T>();
    std::fill(sums_.begin(), sums_.end(), 0);
    const size_t rank = plan_.in_dims.size();
    std::vector<int64_t>& idx = index_;
    std::fill(idx.begin(), idx.end(), 0);
    int64_t total = 1;
    for (int64_t d : plan_.in_dims) total *= d;
    int64_t o = 0;
    for (int64_t i = 0; i < total; ++i) {
      sums_[static_cast<size_t>(o)] += x[i];
      for (size_t k = rank; k-- > 0;) {
        ++idx[k];
        o += plan_.out_stride[k];
        if (idx[k] < plan_.in_dims[k]) break;
        o -= plan_.out_stride[k] * idx[k];
        idx[k] = 0;
      }
    }
    for (int64_t j = 0; j < plan_.num_outputs; ++j) {
      const int64_t wide = sums_[static_cast<size_t>(j)] -
                           int64_t{plan_.input_zero_point} * static_cast<int64_t>(plan_.count);
      const int64_t v = int64_t{scaled(wide)} + plan_.bias;  // in int64: scaled may be saturated
      y[j] = static_cast<T>(std::clamp<int64_t>(v, quant::qmin<T>(), quant::qmax<T>()));
    }
    return Status::ok();
  }

 private:
  MeanPlan plan_;
  // Scratch made at creation; run() only reuses it.
  std::vector<int64_t> sums_;
  std::vector<int64_t> index_;
};

}  // namespace

Result<std::unique_ptr<Kernel>> make_mean_quantized(const Node& n, const Graph& g) {
  const Value& x = input_of(g, n, 0);
  const Value& y = output_of(g, n);
  if (!is_quantized_integer(x.dtype)) return not_handled(g, n, "input is not uint8/int8/int16");
  if (y.dtype != x.dtype) return not_handled(g, n, "quantized Mean keeps the input's dtype");
  OUTPOST_ASSIGN_OR_RETURN(auto xq, quant::per_tensor_quant(g, n, x, "input"));
  OUTPOST_ASSIGN_OR_RETURN(auto yq, quant::per_tensor_quant(g, n, y, "output"));
  OUTPOST_ASSIGN_OR_RETURN(const std::vector<bool> reduced, reduced_axes_mask(n, g));

  const int64_t rank = static_cast<int64_t>(x.shape.rank());
  MeanPlan plan;
  plan.in_dims = x.shape.dims();
  plan.out_stride.assign(x.shape.rank(), 0);
  plan.count = 1;
  plan.num_outputs = 1;
  for (size_t k = x.shape.rank(); k-- > 0;) {
    if (reduced[k]) {
      plan.count *= x.shape[k];
    } else {
      plan.out_stride[k] = plan.num_outputs;
      plan.num_outputs *= x.shape[k];
    }
  }
  if (plan.count <= 0) return not_handled(g, n, "cannot average over an empty axis");

  // Exactly axes 1 and 2 (the IR's axes hold no repeats).
  const bool keep_dims = n.attrs.get_int("keepdims", 1) != 0;
  const bool global_pool =
      keep_dims && rank == 4 && reduced[1] && reduced[2] && !reduced[0] && !reduced[3];
  if (global_pool) {
    // All float, in TFLite's order of operations.
    const float count = static_cast<float>(plan.count);
    float zp_term = static_cast<float>(xq.zero_point) * xq.scale / yq.scale;
    zp_term = zp_term > 0 ? zp_term + 0.5f : zp_term - 0.5f;
    // fuzz_tflite crash-516996cf (seed 12): scales whose ratio takes the zero point's term past
    // int32 (-3.4e15); converting it was undefined. A real model's term is a few hundred.
    if (!(std::fabs(zp_term) < 1e9f))
      return invalid_model(g.source + ": " + n.describe() + ": the input zero point times input scale / output scale (" +
                           std::to_string(zp_term) + ") is out of range; the model's quantization scales are corrupt");
    plan.bias = yq.zero_point - static_cast<int32_t>(zp_term);
    const float real = xq.scale / (count * yq.scale);
    OUTPOST_ASSIGN_OR_RETURN(
        plan.multiplier,
        quant::bounded_multiplier(g, n, real, "multiplier (input scale / (count x output scale))"));
    plan.input_zero_point = 0;
  } else {
    // fuzz_tflite crash 94d76beb (seed 5): an int8 MEAN whose scales gave a shift of 142.
    OUTPOST_ASSIGN_OR_RETURN(
        QuantizedMultiplier m,
        quant::bounded_multiplier(g, n, static_cast<double>(xq.scale) / static_cast<double>(yq.scale),
                                  "multiplier (input scale / output scale)"));
    // Fold 1/count into the multiplier: scale it up by 2^shift (shift = floor(log2(count)), at
    // most 32 and at most 31 + m.shift) and divide by count in 64-bit integers.
    int shift = 63 - std::countl_zero(static_cast<uint64_t>(plan.count));
    shift = std::min(shift, 32);
    shift = std::min(shift, 31 + m.shift);
    m.multiplier = static_cast<int32_t>((static_cast<int64_t>(m.multiplier) << shift) / plan.count);
    m.shift -= shift;
    plan.multiplier = m;
    plan.input_zero_point = xq.zero_point;
    plan.bias = yq.zero_point;
  }
  if (x.dtype == DType::kUInt8)
    return std::unique_ptr<Kernel>(std::make_unique<MeanQuantized<uint8_t>>(std::move(plan)));
  if (x.dtype == DType::kInt16)
    return std::unique_ptr<Kernel>(std::make_unique<MeanQuantized<int16_t>>(std::move(plan)));
  return std::unique_ptr<Kernel>(std::make_unique<MeanQuantized<int8_t>>(std::move(plan)));
}

}  // namespace outpost
