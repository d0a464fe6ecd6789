// Quantized Logistic and Tanh (uint8, int8) through a 256-entry table built at creation, as
// TFLite's kernels do (LUTPopulate): each input value is dequantized, passed through
// 1 / (1 + exp(-x)) or tanh(x) in float, divided by the output scale (as a multiplication by its
// float reciprocal), rounded half away from zero, offset and saturated.
#include <array>
#include <cmath>

#include "backends/ref/quantized_common.h"
#include "backends/ref/quantized_kernel_factories.h"

namespace outpost {
namespace {

template <typename T>
class TableActivation final : public Kernel {
 public:
  explicit TableActivation(std::array<T, 256> table) : table_(table) {}

  Status run(std::span<const TensorView> inputs, std::span<const TensorView> outputs) override {
    const T* x = inputs[0].as<const T>();
    T* y = outputs[0].as<T>();
    const int64_t count = outputs[0].num_elements();
    for (int64_t i = 0; i < count; ++i) y[i] = table_[static_cast<uint8_t>(x[i])];
    return Status::ok();
  }

 private:
  std::array<T, 256> table_;  // indexed by the input's byte
};

template <typename T>
std::array<T, 256> activation_table(const quant::TensorQuant& in, const quant::TensorQuant& out,
                                    bool tanh) {
  std::array<T, 256> table{};
  const float inverse_scale = 1.0f / out.scale;
  for (int32_t v = quant::qmin<T>(); v <= quant::qmax<T>(); ++v) {
    const float real = in.scale * static_cast<float>(v - in.zero_point);
    const float f = tanh ? std::tanh(real) : 1.0f / (1.0f + std::exp(-real));
    table[static_cast<uint8_t>(static_cast<T>(v))] = quant::saturate_with_zero_point<T>(
        quant::round_half_away(f * inverse_scale), out.zero_point);
  }
  return table;
}

}  // namespace

Result<std::unique_ptr<Kernel>> make_table_activation_quantized(const Node& n, const Graph& g) {
  const Value& x = input_of(g, n, 0);
  const Value& y = output_of(g, n);
  if (!quant::is_quantized_8bit(x.dtype)) return not_handled(g, n, "input is not uint8/int8");
  if (y.dtype != x.dtype) return not_handled(g, n, "a quantized activation keeps the input's dtype");
  const bool tanh = n.op == OpKind::kTanh;
  OUTPOST_ASSIGN_OR_RETURN(auto xq, quant::per_tensor_quant(g, n, x, "input"));
  OUTPOST_ASSIGN_OR_RETURN(auto yq, quant::per_tensor_quant(g, n, y, "output"));
  if (x.dtype == DType::kUInt8)
    return std::unique_ptr<Kernel>(
        std::make_unique<TableActivation<uint8_t>>(activation_table<uint8_t>(xq, yq, tanh)));
  return std::unique_ptr<Kernel>(
      std::make_unique<TableActivation<int8_t>>(activation_table<int8_t>(xq, yq, tanh)));
}

}  // namespace outpost
