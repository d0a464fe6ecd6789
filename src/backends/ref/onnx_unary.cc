// Elementwise unary ONNX ops: math, activations, Clip, IsNaN/IsInf, Not (float32 and float64;
// Abs, Neg, Sign and Clip also on integers).
#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>

#include "backends/ref/onnx_common.h"
#include "backends/ref/onnx_kernel_factories.h"

namespace outpost {
namespace {

using namespace onnx_ref;  // NOLINT: this file's helpers

struct Params {
  double alpha = 0, beta = 0, gamma = 0;
};

template <typename T>
T apply(OpKind op, T x, const Params& p) {
  if constexpr (std::is_integral_v<T>) {
    if constexpr (std::is_signed_v<T>) {
      // -INT_MIN wraps to INT_MIN, as numpy's does (plain negation is undefined there).
      const auto negate = [](T v) { return onnx_ref::wrapping(T(0), v, [](auto l, auto r) { return l - r; }); };
      if (op == OpKind::kAbs) return x < 0 ? negate(x) : x;
      if (op == OpKind::kNeg) return negate(x);
      if (op == OpKind::kSign) return x > 0 ? T(1) : (x < 0 ? T(-1) : T(0));
      if (op == OpKind::kRelu) return x > 0 ? x : T(0);
    } else {
      if (op == OpKind::kNeg) return T(-x);
      if (op == OpKind::kSign) return x > 0 ? T(1) : T(0);
    }
    return x;  // Abs and Relu of an unsigned value
  }
  const double d = static_cast<double>(x);
  switch (op) {
    case OpKind::kAbs:
      return T(std::fabs(d));
    case OpKind::kNeg:
      return T(-d);
    case OpKind::kSign:
      return T(d > 0 ? 1 : (d < 0 ? -1 : 0));
    case OpKind::kExp:
      return T(std::exp(d));
    case OpKind::kLog:
      return T(std::log(d));
    case OpKind::kSqrt:
      return T(std::sqrt(d));
    case OpKind::kReciprocal:
      return T(1.0 / d);
    case OpKind::kFloor:
      return T(std::floor(d));
    case OpKind::kCeil:
      return T(std::ceil(d));
    case OpKind::kRound:
      return T(std::nearbyint(d));  // the default rounding mode: half to even
    case OpKind::kSin:
      return T(std::sin(d));
    case OpKind::kCos:
      return T(std::cos(d));
    case OpKind::kTan:
      return T(std::tan(d));
    case OpKind::kAsin:
      return T(std::asin(d));
    case OpKind::kAcos:
      return T(std::acos(d));
    case OpKind::kAtan:
      return T(std::atan(d));
    case OpKind::kSinh:
      return T(std::sinh(d));
    case OpKind::kCosh:
      return T(std::cosh(d));
    case OpKind::kAsinh:
      return T(std::asinh(d));
    case OpKind::kAcosh:
      return T(std::acosh(d));
    case OpKind::kAtanh:
      return T(std::atanh(d));
    case OpKind::kErf:
      return T(std::erf(d));
    case OpKind::kElu:
      return T(d < 0 ? p.alpha * (std::exp(d) - 1) : d);
    case OpKind::kSelu:
      return T(d <= 0 ? p.gamma * (p.alpha * std::exp(d) - p.alpha) : p.gamma * d);
    case OpKind::kCelu:
      return T(std::max(0.0, d) + std::min(0.0, p.alpha * (std::exp(d / p.alpha) - 1)));
    case OpKind::kLeakyRelu:
      return T(d < 0 ? p.alpha * d : d);
    case OpKind::kHardSigmoid:
      return T(std::max(0.0, std::min(1.0, p.alpha * d + p.beta)));
    case OpKind::kSoftplus:
      return T(d > 30 ? d : std::log1p(std::exp(d)));
    case OpKind::kSoftsign:
      return T(d / (1 + std::fabs(d)));
    case OpKind::kThresholdedRelu:
      return T(d > p.alpha ? d : 0);
    case OpKind::kShrink:
      return T(d < -p.gamma ? d + p.beta : (d > p.gamma ? d - p.beta : 0));
    case OpKind::kRelu:
      return T(d > 0 ? d : 0);
    case OpKind::kTanh:
      return T(std::tanh(d));
    case OpKind::kLogistic:
      return T(1 / (1 + std::exp(-d)));
    default:
      return x;
  }
}

Params params_of(const Node& n) {
  Params p;
  switch (n.op) {
    case OpKind::kElu:
    case OpKind::kCelu:
    case OpKind::kThresholdedRelu:
      p.alpha = n.attrs.get_float("alpha", 1.0f);
      break;
    case OpKind::kSelu:
      p.alpha = n.attrs.get_float("alpha", 1.67326319217681884765625f);
      p.gamma = n.attrs.get_float("gamma", 1.05070102214813232421875f);
      break;
    case OpKind::kLeakyRelu:
      p.alpha = n.attrs.get_float("alpha", 0.01f);
      break;
    case OpKind::kHardSigmoid:
      p.alpha = n.attrs.get_float("alpha", 0.2f);
      p.beta = n.attrs.get_float("beta", 0.5f);
      break;
    case OpKind::kShrink:
      p.gamma = n.attrs.get_float("lambd", 0.5f);
      p.beta = n.attrs.get_float("bias", 0.0f);
      break;
    default:
      break;
  }
  return p;
}

bool integer_ok(OpKind op) {
  return op == OpKind::kAbs || op == OpKind::kNeg || op == OpKind::kSign || op == OpKind::kRelu;
}

// A float min/max attribute (the bounds of an older Clip) as a bound of the input's type: saturated to
// the type's range (a plain cast of -3.4e38 to int8 is undefined: fuzz_onnx crash eed90702),
// NaN meaning no bound.
template <typename T>
T clip_bound(double v, T none) {
  if (v != v) return none;
  if constexpr (std::is_integral_v<T>) {
    if (v <= static_cast<double>(std::numeric_limits<T>::lowest()))
      return std::numeric_limits<T>::lowest();
    if (v >= static_cast<double>(std::numeric_limits<T>::max())) return std::numeric_limits<T>::max();
  }
  return static_cast<T>(v);
}

Result<std::unique_ptr<Kernel>> make_clip(const Node& node, const Graph& graph) {
  const DType d = input_of(graph, node, 0).dtype;
  const bool legacy = node.attrs.has("min") || node.attrs.has("max");  // bounds as attributes
  const double lo_attr = node.attrs.get_float("min", -std::numeric_limits<float>::max());
  const double hi_attr = node.attrs.get_float("max", std::numeric_limits<float>::max());
  for (size_t i = 1; i < node.inputs.size(); ++i)
    if (has_input(node, i) && (input_of(graph, node, i).dtype != d ||
                               input_of(graph, node, i).shape.num_elements().value_or(0) != 1))
      return not_handled(graph, node, "min and max must be scalars of the input's dtype");
  RunFn fn;
  const bool ok = visit_numeric(d, [&](auto tag) {
    using T = typename decltype(tag)::type;
    fn = [legacy, lo_attr, hi_attr](std::span<const TensorView> in,
                                    std::span<const TensorView> out) {
      T lo = std::numeric_limits<T>::lowest(), hi = std::numeric_limits<T>::max();
      if (legacy) {
        lo = clip_bound<T>(lo_attr, lo);
        hi = clip_bound<T>(hi_attr, hi);
      } else {
        if (in.size() > 1 && in[1].data) lo = *in[1].as<const T>();
        if (in.size() > 2 && in[2].data) hi = *in[2].as<const T>();
      }
      const T* x = in[0].as<const T>();
      T* y = out[0].as<T>();
      for (int64_t i = 0, n = out[0].num_elements(); i < n; ++i)
        y[i] = std::min(std::max(x[i], lo), hi);
    };
  });
  if (!ok) return unsupported_dtype(graph, node, d);
  return make_kernel(std::move(fn));
}

}  // namespace

Result<std::unique_ptr<Kernel>> make_onnx_unary(const Node& node, const Graph& graph) {
  const DType d = input_of(graph, node, 0).dtype;
  const OpKind op = node.op;
  // These compute on real values: stored integers with a scale would be read as those integers.
  if (!input_of(graph, node, 0).quant.empty())
    return not_handled(graph, node, "quantized input (the general kernels compute on reals)");
  // Every kernel here writes the type it computes in: bool for the tests, the input's for the
  // rest. An output declared otherwise (a corrupt file) would be written past its end.
  const bool tests = op == OpKind::kNot || op == OpKind::kIsNaN || op == OpKind::kIsInf;
  if (output_of(graph, node).dtype != (tests ? DType::kBool : d))
    return not_handled(graph, node, std::string("its output is ") +
                                        dtype_name(output_of(graph, node).dtype) + ", but the op gives " +
                                        dtype_name(tests ? DType::kBool : d));
  if (op == OpKind::kClip) return make_clip(node, graph);
  if (op == OpKind::kNot) {
    if (d != DType::kBool) return unsupported_dtype(graph, node, d);
    return make_kernel([](std::span<const TensorView> in, std::span<const TensorView> out) {
      const bool* x = in[0].as<const bool>();
      bool* y = out[0].as<bool>();
      for (int64_t i = 0, n = out[0].num_elements(); i < n; ++i) y[i] = !x[i];
    });
  }
  if (op == OpKind::kIsNaN || op == OpKind::kIsInf) {
    const bool neg = node.attrs.get_int("detect_negative", 1) != 0;
    const bool pos = node.attrs.get_int("detect_positive", 1) != 0;
    RunFn fn;
    if (!visit_float(d, [&](auto tag) {
          using T = typename decltype(tag)::type;
          fn = [op, neg, pos](std::span<const TensorView> in, std::span<const TensorView> out) {
            const T* x = in[0].as<const T>();
            bool* y = out[0].as<bool>();
            for (int64_t i = 0, n = out[0].num_elements(); i < n; ++i)
              y[i] = op == OpKind::kIsNaN ? std::isnan(x[i])
                                          : (std::isinf(x[i]) && (x[i] > 0 ? pos : neg));
          };
        }))
      return unsupported_dtype(graph, node, d);
    return make_kernel(std::move(fn));
  }
  const Params p = params_of(node);
  RunFn fn;
  if (op == OpKind::kHardSigmoid && d == DType::kFloat32) {
    // The loop of its own (no switch per element): a QDQ MobileNetV3 computes its HardSwishes
    // as x * HardSigmoid(x) over whole feature maps. In double, as apply() computes it.
    return make_kernel([p](std::span<const TensorView> in, std::span<const TensorView> out) {
      const float* x = in[0].as<const float>();
      float* y = out[0].as<float>();
      for (int64_t i = 0, n = out[0].num_elements(); i < n; ++i)
        y[i] = static_cast<float>(std::max(0.0, std::min(1.0, p.alpha * x[i] + p.beta)));
    });
  }
  auto make = [&](auto tag) {
    using T = typename decltype(tag)::type;
    fn = [op, p](std::span<const TensorView> in, std::span<const TensorView> out) {
      const T* x = in[0].as<const T>();
      T* y = out[0].as<T>();
      for (int64_t i = 0, n = out[0].num_elements(); i < n; ++i) y[i] = apply<T>(op, x[i], p);
    };
  };
  const bool ok = integer_ok(op) ? visit_numeric(d, make) : visit_float(d, make);
  if (!ok) return unsupported_dtype(graph, node, d);
  return make_kernel(std::move(fn));
}

}  // namespace outpost
