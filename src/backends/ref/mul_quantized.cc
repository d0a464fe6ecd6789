// Quantized Mul (uint8, int8, int16 with zero points 0) with numpy broadcasting, as TFLite: the product of the
// zero-point-corrected inputs is scaled by input1_scale * input2_scale / output_scale (one
// fixed-point multiplier), offset and clamped to the fused activation's range.
#include "backends/ref/quantized_common.h"
#include "backends/ref/quantized_kernel_factories.h"

namespace outpost {
namespace {

struct MulParams {
  int32_t a_offset = 0, b_offset = 0, output_offset = 0;
  quant::QuantizedMultiplier multiplier;
  quant::ActivationRange act;
};

template <typename T>
class MulQuantized final : public Kernel {
 public:
  MulQuantized(quant::Broadcast2 bc, MulParams p) : bc_(std::move(bc)), p_(p) {}

  Status run(std::span<const TensorView> inputs, std::span<const TensorView> outputs) override {
    const T* a = inputs[0].as<const T>();
    const T* b = inputs[1].as<const T>();
    T* y = outputs[0].as<T>();
    bc_.for_each([&](int64_t o, int64_t ia, int64_t ib) {
      const int32_t product =
          (static_cast<int32_t>(a[ia]) - p_.a_offset) * (static_cast<int32_t>(b[ib]) - p_.b_offset);
      const int32_t v =
          quant::multiply_by_quantized_multiplier(product, p_.multiplier) + p_.output_offset;
      y[o] = quant::clamp_to<T>(v, p_.act.min, p_.act.max);
    });
    return Status::ok();
  }

 private:
  quant::Broadcast2 bc_;
  MulParams p_;
};

}  // namespace

Result<std::unique_ptr<Kernel>> make_mul_quantized(const Node& n, const Graph& g) {
  const Value& a = input_of(g, n, 0);
  const Value& b = input_of(g, n, 1);
  const Value& y = output_of(g, n);
  OUTPOST_ASSIGN_OR_RETURN(const quant::BinaryQuant q, quant::binary_quant(g, n, "Mul", /*takes_int16=*/true));
  const quant::TensorQuant &aq = q.a, &bq = q.b, &yq = q.y;
  MulParams p;
  p.act = q.act;
  p.a_offset = aq.zero_point;
  p.b_offset = bq.zero_point;
  p.output_offset = yq.zero_point;
  OUTPOST_ASSIGN_OR_RETURN(
      p.multiplier,
      quant::bounded_multiplier(g, n,
                                static_cast<double>(aq.scale) * static_cast<double>(bq.scale) /
                                    static_cast<double>(yq.scale),
                                "output multiplier (a scale x b scale / output scale)"));
  auto bc = quant::Broadcast2::make(a.shape, b.shape, y.shape);
  if (y.dtype == DType::kUInt8)
    return std::unique_ptr<Kernel>(std::make_unique<MulQuantized<uint8_t>>(std::move(bc), p));
  if (y.dtype == DType::kInt16)
    return std::unique_ptr<Kernel>(std::make_unique<MulQuantized<int16_t>>(std::move(bc), p));
  return std::unique_ptr<Kernel>(std::make_unique<MulQuantized<int8_t>>(std::move(bc), p));
}

}  // namespace outpost
