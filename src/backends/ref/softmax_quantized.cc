// Quantized Softmax over the last axis, or trailing axes (uint8 -> uint8, int8 -> int8). TFLite's default built-in
// kernel (the optimized one, not its fixed-point reference) works in float through a 256-entry
// table of exp(-input_scale * beta * d) for d = max - x in [0, 255]: the row's sum of table
// entries is accumulated in float in element order, and each output is
// table[d] / (sum * output_scale), rounded and offset. We reproduce that table and that order, so
// the outputs equal TFLite's (it rounds uint8 by adding 0.5 and truncating, int8 with roundf).
#include <array>
#include <cmath>

#include "backends/ref/quantized_common.h"
#include "backends/ref/quantized_kernel_factories.h"
#include "backends/ref/softmax_rows.h"

namespace outpost {
namespace {

template <typename T>
class SoftmaxQuantized final : public Kernel {
 public:
  SoftmaxQuantized(std::array<float, 256> table, int64_t rows, int64_t depth, float output_scale,
                   int32_t output_zero_point)
      : table_(table),
        rows_(rows),
        depth_(depth),
        output_scale_(output_scale),
        output_zero_point_(output_zero_point) {}

  Status run(std::span<const TensorView> inputs, std::span<const TensorView> outputs) override {
    const T* x = inputs[0].as<const T>();
    T* y = outputs[0].as<T>();
    for (int64_t r = 0; r < rows_; ++r, x += depth_, y += depth_) {
      int32_t max_val = quant::qmin<T>();
      for (int64_t j = 0; j < depth_; ++j) max_val = std::max<int32_t>(max_val, x[j]);
      // table_[255 - (max - x)] holds exp(-scale * beta * (max - x)).
      const float* row_table = table_.data() + (255 - max_val);
      float sum = 0.0f;
      for (int64_t j = 0; j < depth_; ++j) sum += row_table[x[j]];
      const float inv_sum = 1.0f / (sum * output_scale_);
      for (int64_t j = 0; j < depth_; ++j) {
        const float prob = row_table[x[j]] * inv_sum;
        // Saturated: a hostile output scale makes prob huge.
        const int32_t q = std::is_same_v<T, uint8_t> ? quant::truncate_saturated(prob + 0.5f)
                                                     : quant::round_half_away(prob);
        y[j] = quant::saturate_with_zero_point<T>(q, output_zero_point_);
      }
    }
    return Status::ok();
  }

 private:
  std::array<float, 256> table_;
  int64_t rows_, depth_;
  float output_scale_;
  int32_t output_zero_point_;
};

}  // namespace

Result<std::unique_ptr<Kernel>> make_softmax_quantized(const Node& n, const Graph& g) {
  const Value& x = input_of(g, n, 0);
  const Value& y = output_of(g, n);
  if (!quant::is_quantized_8bit(x.dtype)) return not_handled(g, n, "input is not uint8/int8");
  if (y.dtype != x.dtype) return not_handled(g, n, "quantized Softmax keeps the input's dtype");
  const auto rows = softmax_rows(n, x.shape);
  if (!rows) return not_handled(g, n, "quantized Softmax normalizes over trailing axes only");
  OUTPOST_ASSIGN_OR_RETURN(auto xq, quant::per_tensor_quant(g, n, x, "input"));
  OUTPOST_ASSIGN_OR_RETURN(auto yq, quant::per_tensor_quant(g, n, y, "output"));
  const float beta = n.attrs.get_float("beta", 1.0f);
  // Float throughout, as TFLite's PopulateSoftmaxLookupTable: scale * d rounds to float first.
  const float scale = -xq.scale * beta;
  std::array<float, 256> table{};
  for (int32_t d = 0; d <= 255; ++d)
    table[static_cast<size_t>(255 - d)] = std::exp(scale * static_cast<float>(d));
  if (x.dtype == DType::kUInt8)
    return std::unique_ptr<Kernel>(
        std::make_unique<SoftmaxQuantized<uint8_t>>(table, rows->rows, rows->depth, yq.scale, yq.zero_point));
  return std::unique_ptr<Kernel>(
      std::make_unique<SoftmaxQuantized<int8_t>>(table, rows->rows, rows->depth, yq.scale, yq.zero_point));
}

}  // namespace outpost
