// Quantized Add and Sub (uint8, int8, int16) with numpy broadcasting, as TFLite's general
// quantized add and sub: both inputs are lifted by 2^20 (2^15 for int16, TFLite's general int16
// path) after removing their zero points, rescaled to a common scale of twice the larger input
// scale (multipliers below one), summed (or subtracted), rescaled to the output, offset and
// clamped.
#include <algorithm>

#include "backends/ref/quantized_common.h"
#include "backends/ref/quantized_kernel_factories.h"

namespace outpost {
namespace {

using quant::QuantizedMultiplier;

// 20 bits of headroom keep 255 << 20 inside int32 while giving the rescaled inputs precision;
// int16's 65535 << 15 fits the same way.
constexpr int kLeftShift8 = 20;
constexpr int kLeftShift16 = 15;

struct AddParams {
  int32_t a_offset = 0, b_offset = 0, output_offset = 0;
  int left_shift = kLeftShift8;
  QuantizedMultiplier a_multiplier, b_multiplier, output_multiplier;
  quant::ActivationRange act;
  bool subtract = false;
};

template <typename T>
class AddQuantized final : public Kernel {
 public:
  AddQuantized(quant::Broadcast2 bc, AddParams p) : bc_(std::move(bc)), p_(p) {}

  Status run(std::span<const TensorView> inputs, std::span<const TensorView> outputs) override {
    const T* a = inputs[0].as<const T>();
    const T* b = inputs[1].as<const T>();
    T* y = outputs[0].as<T>();
    bc_.for_each([&](int64_t o, int64_t ia, int64_t ib) {
      const int32_t sa = (static_cast<int32_t>(a[ia]) - p_.a_offset) * (1 << p_.left_shift);
      const int32_t sb = (static_cast<int32_t>(b[ib]) - p_.b_offset) * (1 << p_.left_shift);
      const int32_t ra = quant::multiply_by_quantized_multiplier(sa, p_.a_multiplier);
      const int32_t rb = quant::multiply_by_quantized_multiplier(sb, p_.b_multiplier);
      const int32_t sum =
          quant::multiply_by_quantized_multiplier(p_.subtract ? ra - rb : ra + rb,
                                                  p_.output_multiplier) +
          p_.output_offset;
      y[o] = quant::clamp_to<T>(sum, p_.act.min, p_.act.max);
    });
    return Status::ok();
  }

 private:
  quant::Broadcast2 bc_;
  AddParams p_;
};

}  // namespace

Result<std::unique_ptr<Kernel>> make_add_quantized(const Node& n, const Graph& g) {
  const Value& a = input_of(g, n, 0);
  const Value& b = input_of(g, n, 1);
  const Value& y = output_of(g, n);
  const bool subtract = n.op == OpKind::kSub;
  OUTPOST_ASSIGN_OR_RETURN(const quant::BinaryQuant q,
                           quant::binary_quant(g, n, subtract ? "Sub" : "Add", /*takes_int16=*/true));
  const quant::TensorQuant &aq = q.a, &bq = q.b, &yq = q.y;
  AddParams p;
  p.subtract = subtract;
  p.act = q.act;
  p.a_offset = aq.zero_point;
  p.b_offset = bq.zero_point;
  p.output_offset = yq.zero_point;
  p.left_shift = y.dtype == DType::kInt16 ? kLeftShift16 : kLeftShift8;
  // As TFLite: the larger scale is picked in float, everything after it in double.
  const double twice_max = 2 * static_cast<double>(std::max(aq.scale, bq.scale));
  p.a_multiplier = quant::quantize_multiplier(static_cast<double>(aq.scale) / twice_max);
  p.b_multiplier = quant::quantize_multiplier(static_cast<double>(bq.scale) / twice_max);
  OUTPOST_ASSIGN_OR_RETURN(
      p.output_multiplier,
      quant::bounded_multiplier(
          g, n, twice_max / (static_cast<double>(1 << p.left_shift) * static_cast<double>(yq.scale)),
          "output multiplier (2 max(input scales) / (2^" + std::to_string(p.left_shift) +
              " output scale))"));
  auto bc = quant::Broadcast2::make(a.shape, b.shape, y.shape);
  if (y.dtype == DType::kUInt8)
    return std::unique_ptr<Kernel>(std::make_unique<AddQuantized<uint8_t>>(std::move(bc), p));
  if (y.dtype == DType::kInt16)
    return std::unique_ptr<Kernel>(std::make_unique<AddQuantized<int16_t>>(std::move(bc), p));
  return std::unique_ptr<Kernel>(std::make_unique<AddQuantized<int8_t>>(std::move(bc), p));
}

}  // namespace outpost
