// Binary and variadic elementwise ONNX ops with numpy broadcasting: arithmetic on every numeric
// dtype (Add/Sub/Mul/Div here only off float32, which elementwise_binary.cc runs), Pow, Mod,
// PRelu, BitShift, And/Or/Xor (Xor also bitwise on integers), Atan2, comparisons,
// Max/Min/Sum/ElementwiseMean, Where; Max, Min and Mod also on float16.
#include <cmath>
#include <limits>
#include <type_traits>

#include "backends/ref/onnx_common.h"
#include "backends/ref/onnx_kernel_factories.h"

namespace outpost {
namespace {

using namespace onnx_ref;  // NOLINT: this file's helpers

template <typename T>
T arith(OpKind op, T a, T b, bool fmod) {
  if constexpr (std::is_integral_v<T>) {
    // INT_MIN / -1 and INT_MIN % -1 overflow (and trap on x86); division by zero is undefined.
    const bool overflow = std::is_signed_v<T> && a == std::numeric_limits<T>::min() && b == T(-1);
    switch (op) {
      case OpKind::kAdd:
      case OpKind::kSum:
      case OpKind::kElementwiseMean:
        return wrapping(a, b, [](auto x, auto y) { return x + y; });
      case OpKind::kSub:
        return wrapping(a, b, [](auto x, auto y) { return x - y; });
      case OpKind::kMul:
        return wrapping(a, b, [](auto x, auto y) { return x * y; });
      case OpKind::kDiv:
        return b == 0 ? T(0) : overflow ? a : T(a / b);
      case OpKind::kMax:
        return a < b ? b : a;
      case OpKind::kMin:
        return b < a ? b : a;
      case OpKind::kPRelu:
        if constexpr (std::is_unsigned_v<T>)
          return a;
        else
          return a < T(0) ? wrapping(a, b, [](auto x, auto y) { return x * y; }) : a;
      case OpKind::kMod: {
        if (b == 0 || overflow) return T(0);
        T r = T(a % b);
        if constexpr (std::is_signed_v<T>)
          if (!fmod && r != 0 && ((r < 0) != (b < 0))) r = T(r + b);  // Python's sign rule
        return r;
      }
      default:
        return a;
    }
  } else {
    switch (op) {
      case OpKind::kAdd:
      case OpKind::kSum:
      case OpKind::kElementwiseMean:
        return a + b;
      case OpKind::kSub:
        return a - b;
      case OpKind::kMul:
        return a * b;
      case OpKind::kDiv:
        return a / b;
      case OpKind::kMax:
        return a < b || std::isnan(b) ? b : a;
      case OpKind::kMin:
        return b < a || std::isnan(b) ? b : a;
      case OpKind::kPRelu:
        return a < T(0) ? a * b : a;
      case OpKind::kMod: {
        // fmod 1: C's fmod (the dividend's sign); fmod 0: Python's (the divisor's), which ONNX
        // leaves to integers and TFLite's FLOOR_MOD needs for floats too.
        T r = T(std::fmod(a, b));
        if (!fmod && r != 0 && ((r < 0) != (b < 0))) r = T(r + b);
        return r;
      }
      default:
        return a;
    }
  }
}

// float16 through float: each operand widened exactly, the result rounded back to nearest
// even. Max, Min and fmod give a value the operands' precision holds, so nothing rounds there.
uint16_t half_arith(OpKind op, uint16_t a, uint16_t b, bool fmod) {
  return float_to_half(arith<float>(op, half_to_float(a), half_to_float(b), fmod));
}

template <typename T>
bool compare(OpKind op, T a, T b) {
  switch (op) {
    case OpKind::kEqual:
      return a == b;
    case OpKind::kGreater:
      return a > b;
    case OpKind::kLess:
      return a < b;
    case OpKind::kGreaterOrEqual:
      return a >= b;
    default:
      return a <= b;
  }
}

bool is_compare(OpKind op) {
  return op == OpKind::kEqual || op == OpKind::kGreater || op == OpKind::kLess ||
         op == OpKind::kGreaterOrEqual || op == OpKind::kLessOrEqual;
}
bool is_variadic(OpKind op) {
  return op == OpKind::kMax || op == OpKind::kMin || op == OpKind::kSum ||
         op == OpKind::kElementwiseMean;
}

// out = op(a, b) with broadcasting, where `f` maps (A, B) -> Out.
template <typename A, typename B, typename Out, typename F>
RunFn binary_fn(Broadcast plan, F f) {
  return [plan, f](std::span<const TensorView> in, std::span<const TensorView> out) {
    const A* a = in[0].as<const A>();
    const B* b = in[1].as<const B>();
    Out* y = out[0].as<Out>();
    for_each_broadcast(plan,
                       [&](int64_t i, int64_t oa, int64_t ob, int64_t) { y[i] = f(a[oa], b[ob]); });
  };
}

Result<std::unique_ptr<Kernel>> make_variadic(const Node& node, const Graph& graph, DType d) {
  const OpKind op = node.op;
  const Shape& out_shape = output_of(graph, node).shape;
  std::vector<Broadcast> plans;  // plans[k]: output against input k
  for (size_t k = 0; k < node.inputs.size(); ++k) {
    if (input_of(graph, node, k).dtype != d)
      return not_handled(graph, node, "inputs have different dtypes");
    plans.push_back(plan_broadcast(out_shape, {&out_shape, &input_of(graph, node, k).shape}));
  }
  RunFn fn;
  if (d == DType::kFloat16 && (op == OpKind::kMax || op == OpKind::kMin)) {
    fn = [plans, op](std::span<const TensorView> in, std::span<const TensorView> out) {
      uint16_t* y = out[0].as<uint16_t>();
      const uint16_t* first = in[0].as<const uint16_t>();
      for_each_broadcast(plans[0],
                         [&](int64_t i, int64_t, int64_t o, int64_t) { y[i] = first[o]; });
      for (size_t k = 1; k < plans.size(); ++k) {
        const uint16_t* x = in[k].as<const uint16_t>();
        for_each_broadcast(plans[k], [&](int64_t i, int64_t, int64_t o, int64_t) {
          y[i] = half_arith(op, y[i], x[o], false);
        });
      }
    };
    return make_kernel(std::move(fn));
  }
  auto make = [&](auto tag) {
    using T = typename decltype(tag)::type;
    fn = [plans, op](std::span<const TensorView> in, std::span<const TensorView> out) {
      T* y = out[0].as<T>();
      const T* first = in[0].as<const T>();
      for_each_broadcast(plans[0],
                         [&](int64_t i, int64_t, int64_t o, int64_t) { y[i] = first[o]; });
      for (size_t k = 1; k < plans.size(); ++k) {
        const T* x = in[k].as<const T>();
        for_each_broadcast(plans[k], [&](int64_t i, int64_t, int64_t o, int64_t) {
          y[i] = arith<T>(op, y[i], x[o], false);
        });
      }
      if (op == OpKind::kElementwiseMean)
        for (int64_t i = 0, n = out[0].num_elements(); i < n; ++i)
          y[i] = T(y[i] / static_cast<T>(plans.size()));
    };
  };
  const bool ok = op == OpKind::kElementwiseMean ? visit_float(d, make) : visit_numeric(d, make);
  if (!ok) return unsupported_dtype(graph, node, d);
  return make_kernel(std::move(fn));
}

Result<std::unique_ptr<Kernel>> make_where(const Node& node, const Graph& graph) {
  const Shape& out_shape = output_of(graph, node).shape;
  const Broadcast plan =
      plan_broadcast(out_shape, {&input_of(graph, node, 0).shape, &input_of(graph, node, 1).shape,
                                 &input_of(graph, node, 2).shape});
  const size_t elem = dtype_size(output_of(graph, node).dtype);
  return make_kernel([plan, elem](std::span<const TensorView> in, std::span<const TensorView> out) {
    const bool* c = in[0].as<const bool>();
    const auto* x = static_cast<const uint8_t*>(in[1].data);
    const auto* y = static_cast<const uint8_t*>(in[2].data);
    auto* o = static_cast<uint8_t*>(out[0].data);
    for_each_broadcast(plan, [&](int64_t i, int64_t oc, int64_t ox, int64_t oy) {
      std::memcpy(o + i * elem, c[oc] ? x + ox * elem : y + oy * elem, elem);
    });
  });
}

}  // namespace

// Ops whose answer on stored integers is the answer on the reals they stand for when every
// quantized operand shares one scale and zero point (TFLite's importer lets only those through:
// QuantizedForm::kSameParams). The rest compute on reals, so quantized operands are refused.
bool reads_quantized_as_stored(OpKind op) {
  switch (op) {
    case OpKind::kMax:
    case OpKind::kMin:
    case OpKind::kEqual:
    case OpKind::kGreater:
    case OpKind::kLess:
    case OpKind::kGreaterOrEqual:
    case OpKind::kLessOrEqual:
    case OpKind::kWhere:
      return true;
    default:
      return false;
  }
}

Result<std::unique_ptr<Kernel>> make_onnx_binary(const Node& node, const Graph& graph) {
  const OpKind op = node.op;
  if (!reads_quantized_as_stored(op))
    for (size_t i = 0; i < node.inputs.size(); ++i)
      if (has_input(node, i) && !input_of(graph, node, i).quant.empty())
        return not_handled(graph, node,
                           "quantized input " + std::to_string(i) + " (this kernel computes on reals)");
  const Shape& out_shape = output_of(graph, node).shape;
  OUTPOST_RETURN_IF_ERROR(check_rank(graph, node, out_shape));
  if (op == OpKind::kWhere) return make_where(node, graph);
  const DType d = input_of(graph, node, 0).dtype;
  // The kernels write the type they compute in (bool for a comparison, the inputs' otherwise);
  // an output declared otherwise would be written past its end.
  const DType gives = is_compare(op) ? DType::kBool : d;
  if (output_of(graph, node).dtype != gives)
    return not_handled(graph, node, std::string("its output is ") +
                                        dtype_name(output_of(graph, node).dtype) +
                                        ", but the op gives " + dtype_name(gives));
  if (is_variadic(op)) return make_variadic(node, graph, d);
  const DType d1 = input_of(graph, node, 1).dtype;
  const Broadcast plan =
      plan_broadcast(out_shape, {&input_of(graph, node, 0).shape, &input_of(graph, node, 1).shape});
  RunFn fn;
  bool ok = false;
  if (op == OpKind::kPow) {
    ok = visit_numeric(d, [&](auto ta) {
      using A = typename decltype(ta)::type;
      visit_numeric(d1, [&](auto tb) {
        using B = typename decltype(tb)::type;
        fn = binary_fn<A, B, A>(plan, [](A a, B b) {
          return from_double<A>(std::pow(static_cast<double>(a), static_cast<double>(b)));
        });
      });
    });
    ok = ok && fn != nullptr;
  } else if (d != d1) {
    return not_handled(graph, node,
                       std::string("inputs are ") + dtype_name(d) + " and " + dtype_name(d1));
  } else if (op == OpKind::kXor && d != DType::kBool) {
    ok = visit_int(d, [&](auto tag) {  // bitwise (TFLite's BITWISE_XOR)
      using T = typename decltype(tag)::type;
      fn = binary_fn<T, T, T>(plan, [](T a, T b) { return T(a ^ b); });
    });
  } else if (op == OpKind::kAtan2) {
    ok = visit_float(d, [&](auto tag) {
      using T = typename decltype(tag)::type;
      fn = binary_fn<T, T, T>(plan, [](T a, T b) { return T(std::atan2(a, b)); });
    });
  } else if (op == OpKind::kAnd || op == OpKind::kOr || op == OpKind::kXor) {
    if (d != DType::kBool) return unsupported_dtype(graph, node, d);
    ok = true;
    fn = binary_fn<bool, bool, bool>(plan, [op](bool a, bool b) {
      return op == OpKind::kAnd ? (a && b) : op == OpKind::kOr ? (a || b) : (a != b);
    });
  } else if (is_compare(op)) {
    if (d == DType::kBool && op == OpKind::kEqual) {
      ok = true;
      fn = binary_fn<bool, bool, bool>(plan, [](bool a, bool b) { return a == b; });
    } else {
      ok = visit_numeric(d, [&](auto tag) {
        using T = typename decltype(tag)::type;
        fn = binary_fn<T, T, bool>(plan, [op](T a, T b) { return compare<T>(op, a, b); });
      });
    }
  } else if (op == OpKind::kBitShift) {
    const bool left = node.attrs.get_string("direction", "") == "LEFT";
    if (!left && node.attrs.get_string("direction", "") != "RIGHT")
      return not_handled(graph, node, "attribute direction must be LEFT or RIGHT");
    ok = visit_int(d, [&](auto tag) {
      using T = typename decltype(tag)::type;
      if constexpr (std::is_unsigned_v<T>) {
        fn = binary_fn<T, T, T>(plan, [left](T a, T b) {
          if (b >= sizeof(T) * 8) return T(0);
          return left ? T(a << b) : T(a >> b);
        });
      } else {
        // Signed (beyond ONNX, for TFLite's RIGHT_SHIFT): a right shift is arithmetic, a left
        // one wraps; a shift by a negative amount or the width or more leaves only the sign.
        using U = std::make_unsigned_t<T>;
        fn = binary_fn<T, T, T>(plan, [left](T a, T b) {
          if (b < 0 || b >= T(sizeof(T) * 8)) return left ? T(0) : T(a < 0 ? -1 : 0);
          return left ? T(U(U(a) << b)) : T(a >> b);
        });
      }
    });
    ok = ok && fn != nullptr;
  } else if (d == DType::kFloat16 && op == OpKind::kMod) {
    const bool fmod = node.attrs.get_int("fmod", 0) != 0;
    ok = true;
    fn = binary_fn<uint16_t, uint16_t, uint16_t>(
        plan, [op, fmod](uint16_t a, uint16_t b) { return half_arith(op, a, b, fmod); });
  } else {
    const bool fmod = node.attrs.get_int("fmod", 0) != 0;
    ok = visit_numeric(d, [&](auto tag) {
      using T = typename decltype(tag)::type;
      fn = binary_fn<T, T, T>(plan, [op, fmod](T a, T b) { return arith<T>(op, a, b, fmod); });
    });
  }
  if (!ok) return unsupported_dtype(graph, node, d);
  return make_kernel(std::move(fn));
}

}  // namespace outpost
