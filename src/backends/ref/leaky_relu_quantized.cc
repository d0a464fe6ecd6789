// Quantized LeakyRelu (uint8, int8, int16) and PRelu (uint8, int8), as TFLite's LEAKY_RELU and PRELU kernels: the
// input less its zero point is requantized to the output with one multiplier where it is not
// negative (input_scale / output_scale) and another where it is (LeakyRelu: input_scale * alpha
// / output_scale; PRelu: input_scale * alpha_scale / output_scale, applied to the product with
// the alpha value less its zero point, alpha broadcast as numpy), offset and saturated. The
// scale quotients are computed in float, as TFLite computes them.
#include "backends/ref/quantized_common.h"
#include "backends/ref/quantized_kernel_factories.h"

namespace outpost {
namespace {

using quant::QuantizedMultiplier;

struct Requantize {
  int32_t input_offset = 0, alpha_offset = 0, output_offset = 0;
  QuantizedMultiplier identity, alpha;
  int32_t lo = 0, hi = 0;
};

template <typename T>
class LeakyReluQuantized final : public Kernel {
 public:
  explicit LeakyReluQuantized(Requantize r) : r_(r) {}

  Status run(std::span<const TensorView> inputs, std::span<const TensorView> outputs) override {
    const T* x = inputs[0].as<const T>();
    T* y = outputs[0].as<T>();
    for (int64_t i = 0, n = outputs[0].num_elements(); i < n; ++i) {
      const int32_t v = static_cast<int32_t>(x[i]) - r_.input_offset;
      const int32_t out = r_.output_offset + quant::multiply_by_quantized_multiplier(
                                                 v, v >= 0 ? r_.identity : r_.alpha);
      y[i] = quant::clamp_to<T>(out, r_.lo, r_.hi);
    }
    return Status::ok();
  }

 private:
  Requantize r_;
};

template <typename T>
class PReluQuantized final : public Kernel {
 public:
  PReluQuantized(quant::Broadcast2 bc, Requantize r) : bc_(std::move(bc)), r_(r) {}

  Status run(std::span<const TensorView> inputs, std::span<const TensorView> outputs) override {
    const T* x = inputs[0].as<const T>();
    const T* alpha = inputs[1].as<const T>();
    T* y = outputs[0].as<T>();
    bc_.for_each([&](int64_t o, int64_t ix, int64_t ia) {
      const int32_t v = static_cast<int32_t>(x[ix]) - r_.input_offset;
      const int32_t scaled =
          v >= 0 ? quant::multiply_by_quantized_multiplier(v, r_.identity)
                 : quant::multiply_by_quantized_multiplier(
                       v * (static_cast<int32_t>(alpha[ia]) - r_.alpha_offset), r_.alpha);
      y[o] = quant::clamp_to<T>(scaled + r_.output_offset, r_.lo, r_.hi);
    });
    return Status::ok();
  }

 private:
  quant::Broadcast2 bc_;
  Requantize r_;
};

template <template <typename> class K, typename... Args>
Result<std::unique_ptr<Kernel>> for_dtype(DType dtype, Args&&... args) {
  if (dtype == DType::kUInt8)
    return std::unique_ptr<Kernel>(std::make_unique<K<uint8_t>>(std::forward<Args>(args)...));
  if (dtype == DType::kInt16)
    return std::unique_ptr<Kernel>(std::make_unique<K<int16_t>>(std::forward<Args>(args)...));
  return std::unique_ptr<Kernel>(std::make_unique<K<int8_t>>(std::forward<Args>(args)...));
}

}  // namespace

Result<std::unique_ptr<Kernel>> make_leaky_relu_quantized(const Node& n, const Graph& g) {
  const Value& x = input_of(g, n, 0);
  const Value& y = output_of(g, n);
  const bool prelu = n.op == OpKind::kPRelu;
  // TFLite's LEAKY_RELU has an int16 kernel; its PRELU has none.
  const bool int16 = x.dtype == DType::kInt16 && !prelu;
  if ((!quant::is_quantized_8bit(x.dtype) && !int16) || x.quant.empty() || y.dtype != x.dtype)
    return not_handled(g, n,
                       std::string("input and output are not quantized uint8/int8") +
                           (prelu ? "" : "/int16") + " of one dtype");
  OUTPOST_ASSIGN_OR_RETURN(auto xq, quant::per_tensor_quant(g, n, x, "input"));
  OUTPOST_ASSIGN_OR_RETURN(auto yq, quant::per_tensor_quant(g, n, y, "output"));
  Requantize r;
  r.input_offset = xq.zero_point;
  r.output_offset = yq.zero_point;
  r.lo = quant::qmin(y.dtype);
  r.hi = quant::qmax(y.dtype);
  OUTPOST_ASSIGN_OR_RETURN(r.identity, quant::bounded_multiplier(g, n, xq.scale / yq.scale,
                                                                 "input scale / output scale"));
  if (!prelu) {
    const float alpha = n.attrs.get_float("alpha", 0.01f);
    OUTPOST_ASSIGN_OR_RETURN(
        r.alpha, quant::bounded_multiplier(g, n, xq.scale * alpha / yq.scale,
                                           "input scale * alpha / output scale"));
    return for_dtype<LeakyReluQuantized>(x.dtype, r);
  }
  const Value& a = input_of(g, n, 1);
  if (a.dtype != x.dtype) return not_handled(g, n, "a quantized PRelu's alpha has the input's dtype");
  OUTPOST_ASSIGN_OR_RETURN(auto aq, quant::per_tensor_quant(g, n, a, "alpha"));
  r.alpha_offset = aq.zero_point;
  OUTPOST_ASSIGN_OR_RETURN(
      r.alpha, quant::bounded_multiplier(g, n, xq.scale * aq.scale / yq.scale,
                                         "input scale * alpha scale / output scale"));
  return for_dtype<PReluQuantized>(x.dtype, quant::Broadcast2::make(x.shape, a.shape, y.shape), r);
}

}  // namespace outpost
