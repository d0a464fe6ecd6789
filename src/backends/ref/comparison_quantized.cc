// Quantized comparisons (Equal, Greater, Less, GreaterOrEqual, LessOrEqual on uint8, int8; numpy
// broadcasting) as TFLite's ComparisonWithScaling: each input, less its zero point, is lifted by
// 2^8 and multiplied by its own scale in TFLite's fixed point (a multiplier below one), and the
// two results are compared. Values a small scale rounds together compare equal, as in TFLite.
#include "backends/ref/quantized_common.h"
#include "backends/ref/quantized_kernel_factories.h"

namespace outpost {
namespace {

constexpr int kLeftShift = 8;

struct Side {
  int32_t zero_point = 0;
  quant::QuantizedMultiplier multiplier;
};

template <typename T>
class ComparisonQuantized final : public Kernel {
 public:
  ComparisonQuantized(OpKind op, quant::Broadcast2 bc, Side a, Side b)
      : op_(op), bc_(std::move(bc)), a_(a), b_(b) {}

  Status run(std::span<const TensorView> inputs, std::span<const TensorView> outputs) override {
    const T* a = inputs[0].as<const T>();
    const T* b = inputs[1].as<const T>();
    bool* y = outputs[0].as<bool>();
    bc_.for_each([&](int64_t o, int64_t ia, int64_t ib) {
      const int32_t x1 = scaled(a[ia], a_), x2 = scaled(b[ib], b_);
      switch (op_) {
        case OpKind::kEqual: y[o] = x1 == x2; break;
        case OpKind::kGreater: y[o] = x1 > x2; break;
        case OpKind::kLess: y[o] = x1 < x2; break;
        case OpKind::kGreaterOrEqual: y[o] = x1 >= x2; break;
        default: y[o] = x1 <= x2; break;
      }
    });
    return Status::ok();
  }

 private:
  static int32_t scaled(T v, const Side& s) {
    return quant::multiply_by_quantized_multiplier((int32_t{v} - s.zero_point) * (1 << kLeftShift),
                                                   s.multiplier);
  }

  OpKind op_;
  quant::Broadcast2 bc_;
  Side a_, b_;
};

}  // namespace

Result<std::unique_ptr<Kernel>> make_comparison_quantized(const Node& n, const Graph& g) {
  const Value& a = input_of(g, n, 0);
  const Value& b = input_of(g, n, 1);
  const Value& y = output_of(g, n);
  if (!quant::is_quantized_8bit(a.dtype) || a.quant.empty() || b.dtype != a.dtype ||
      b.quant.empty() || y.dtype != DType::kBool)
    return not_handled(g, n, "not a comparison of two quantized 8-bit tensors of one dtype");
  OUTPOST_ASSIGN_OR_RETURN(auto aq, quant::per_tensor_quant(g, n, a, "input 0"));
  OUTPOST_ASSIGN_OR_RETURN(auto bq, quant::per_tensor_quant(g, n, b, "input 1"));
  if (!(aq.scale < 1.0f) || !(bq.scale < 1.0f))
    return not_handled(g, n, "a quantized comparison needs scales below one (TFLite's too)");
  const Side sa{aq.zero_point, quant::quantize_multiplier(aq.scale)};
  const Side sb{bq.zero_point, quant::quantize_multiplier(bq.scale)};
  auto bc = quant::Broadcast2::make(a.shape, b.shape, y.shape);
  if (a.dtype == DType::kUInt8)
    return std::unique_ptr<Kernel>(
        std::make_unique<ComparisonQuantized<uint8_t>>(n.op, std::move(bc), sa, sb));
  return std::unique_ptr<Kernel>(
      std::make_unique<ComparisonQuantized<int8_t>>(n.op, std::move(bc), sa, sb));
}

}  // namespace outpost
