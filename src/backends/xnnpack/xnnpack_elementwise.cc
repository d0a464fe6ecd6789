// Elementwise ops on XNNPACK, which are indifferent to layout and so serve TFLite's NHWC and
// ONNX's NCHW graphs alike: Logistic (ONNX Sigmoid), Relu and Clip (as a clamp;
// TFLite's RELU6 imports as a Clip), HardSwish on float32; Add, Sub and Mul with numpy broadcasting on float32, and Add and Mul on uint8
// and int8 (XNNPACK's quantized arithmetic, as TFLite's own XNNPACK path).
#include <cmath>
#include <cstdint>
#include <cstring>
#include <memory>
#include <utility>
#include <vector>

#include "backends/ref/quantized_common.h"
#include "backends/xnnpack/xnnpack_factories.h"
#include "backends/xnnpack/xnnpack_operator.h"

namespace outpost::xnn {
namespace {

// Clip's bounds: constant scalar inputs, or the attributes min and max (absent: none).
Result<std::pair<float, float>> clip_bounds(const Node& n, const Graph& g) {
  float lo = -INFINITY, hi = INFINITY;
  if (n.attrs.has("min") || n.attrs.has("max")) {
    lo = n.attrs.get_float("min", -INFINITY);
    hi = n.attrs.get_float("max", INFINITY);
  } else {
    for (size_t i = 1; i < 3 && i < n.inputs.size(); ++i) {
      if (!has_input(n, i)) continue;
      const Value& v = input_of(g, n, i);
      if (!v.is_constant() || v.dtype != DType::kFloat32 || v.shape.num_elements().value_or(0) != 1)
        return not_handled(g, n, "XNNPACK takes Clip with constant scalar bounds");
      (i == 1 ? lo : hi) = *v.constant_as<float>();
    }
  }
  if (std::isnan(lo) || std::isnan(hi) || lo > hi)
    return not_handled(g, n, "bounds XNNPACK cannot clamp to");
  return std::make_pair(lo, hi);
}

Result<std::unique_ptr<Kernel>> unary_float(const Node& n, const Graph& g, pthreadpool_t pool) {
  const Value& x = input_of(g, n, 0);
  if (x.dtype != DType::kFloat32 || output_of(g, n).dtype != DType::kFloat32)
    return not_handled(g, n, "XNNPACK runs this op on float32 only");
  const size_t count = static_cast<size_t>(x.shape.num_elements().value_or(0));
  if (count == 0) return not_handled(g, n, "empty tensor");
  // One row of `count` channels: XNNPACK processes a contiguous row in parallel tiles.
  xnn_operator_t op = nullptr;
  xnn_status created = xnn_status_unsupported_parameter;
  xnn_status (*setup)(xnn_operator_t, size_t, const float*, float*, pthreadpool_t) = nullptr;
  switch (n.op) {
    case OpKind::kLogistic:
      created = xnn_create_sigmoid_nc_f32(count, count, count, 0, &op);
      setup = xnn_setup_sigmoid_nc_f32;
      break;
    case OpKind::kRelu:
      created = xnn_create_clamp_nc_f32(count, count, count, 0.0f, INFINITY, 0, &op);
      setup = xnn_setup_clamp_nc_f32;
      break;
    case OpKind::kHardSwish:
      created = xnn_create_hardswish_nc_f32(count, count, count, 0, &op);
      setup = xnn_setup_hardswish_nc_f32;
      break;
    case OpKind::kClip: {
      OUTPOST_ASSIGN_OR_RETURN(auto bounds, clip_bounds(n, g));
      created = xnn_create_clamp_nc_f32(count, count, count, bounds.first, bounds.second, 0, &op);
      setup = xnn_setup_clamp_nc_f32;
      break;
    }
    default:
      return not_handled(g, n, "XNNPACK backend does not take this op");
  }
  OUTPOST_RETURN_IF_ERROR(check_create(created, g, n));
  return operator_kernel(
      op,
      [setup](xnn_operator_t o, std::span<const TensorView> in, std::span<const TensorView> out,
              pthreadpool_t p) {
        return setup(o, 1, in[0].as<const float>(), out[0].as<float>(), p);
      },
      pool);
}

// Shapes as XNNPACK reads them (a scalar as [1]); refused beyond its rank limit.
bool xnn_shape(const Shape& s, std::vector<size_t>& out) {
  if (s.rank() > XNN_MAX_TENSOR_DIMS) return false;
  out.clear();
  for (size_t i = 0; i < s.rank(); ++i) out.push_back(static_cast<size_t>(s[i]));
  if (out.empty()) out.push_back(1);
  return true;
}

// A constant operand copied with XNNPACK's read-past-the-end slack (a model file's constant
// may end at the end of its mapping).
std::shared_ptr<std::vector<uint8_t>> padded_copy(const Value& v) {
  const size_t bytes =
      static_cast<size_t>(v.shape.num_elements().value_or(0)) * dtype_size(v.dtype);
  auto copy = std::make_shared<std::vector<uint8_t>>(bytes + XNN_EXTRA_BYTES);
  std::memcpy(copy->data(), v.constant.bytes, bytes);
  return copy;
}

template <typename T>
using BinarySetup = xnn_status (*)(xnn_operator_t, size_t, const size_t*, size_t, const size_t*,
                                   const T*, const T*, T*, pthreadpool_t);

template <typename T>
SetupFn binary_setup(const Graph& g, const Node& n, BinarySetup<T> setup,
                     std::vector<size_t> a_shape, std::vector<size_t> b_shape) {
  std::shared_ptr<std::vector<uint8_t>> a_const, b_const;
  if (input_of(g, n, 0).is_constant()) a_const = padded_copy(input_of(g, n, 0));
  if (input_of(g, n, 1).is_constant()) b_const = padded_copy(input_of(g, n, 1));
  return [=](xnn_operator_t o, std::span<const TensorView> in, std::span<const TensorView> out,
             pthreadpool_t p) {
    const T* a = a_const ? reinterpret_cast<const T*>(a_const->data()) : in[0].as<const T>();
    const T* b = b_const ? reinterpret_cast<const T*>(b_const->data()) : in[1].as<const T>();
    return setup(o, a_shape.size(), a_shape.data(), b_shape.size(), b_shape.data(), a, b,
                 out[0].as<T>(), p);
  };
}

Result<std::unique_ptr<Kernel>> binary_float(const Node& n, const Graph& g, std::vector<size_t> a,
                                             std::vector<size_t> b, pthreadpool_t pool) {
  OUTPOST_ASSIGN_OR_RETURN(const OutputRange range, fused_output_range(n, g));
  const float lo = range.lo, hi = range.hi;
  xnn_operator_t op = nullptr;
  switch (n.op) {
    case OpKind::kAdd:
      OUTPOST_RETURN_IF_ERROR(check_create(xnn_create_add_nd_f32(lo, hi, 0, &op), g, n));
      return operator_kernel(op, binary_setup<float>(g, n, xnn_setup_add_nd_f32, a, b), pool);
    case OpKind::kSub:
      OUTPOST_RETURN_IF_ERROR(check_create(xnn_create_subtract_nd_f32(lo, hi, 0, &op), g, n));
      return operator_kernel(op, binary_setup<float>(g, n, xnn_setup_subtract_nd_f32, a, b), pool);
    case OpKind::kMul:
      OUTPOST_RETURN_IF_ERROR(check_create(xnn_create_multiply_nd_f32(lo, hi, 0, &op), g, n));
      return operator_kernel(op, binary_setup<float>(g, n, xnn_setup_multiply_nd_f32, a, b), pool);
    default:
      return not_handled(g, n, "XNNPACK backend does not take this op");
  }
}

Result<std::unique_ptr<Kernel>> binary_quantized(const Node& n, const Graph& g,
                                                 std::vector<size_t> a, std::vector<size_t> b,
                                                 pthreadpool_t pool) {
  if (n.op != OpKind::kAdd && n.op != OpKind::kMul)
    return not_handled(g, n, "XNNPACK takes quantized Add and Mul");
  OUTPOST_ASSIGN_OR_RETURN(auto q, quant::binary_quant(g, n, n.op == OpKind::kAdd ? "Add" : "Mul"));
  const DType dt = input_of(g, n, 0).dtype;
  const int32_t lo = dt == DType::kUInt8 ? 0 : -128, hi = lo + 255;
  for (int32_t zp : {q.a.zero_point, q.b.zero_point, q.y.zero_point})
    if (zp < lo || zp > hi) return not_handled(g, n, "a zero point is outside the dtype's range");
  xnn_operator_t op = nullptr;
  const bool add = n.op == OpKind::kAdd;
  if (dt == DType::kUInt8) {
    const auto u = [](int32_t v) { return static_cast<uint8_t>(v); };
    OUTPOST_RETURN_IF_ERROR(check_create(
        add ? xnn_create_add_nd_qu8(u(q.a.zero_point), q.a.scale, u(q.b.zero_point), q.b.scale,
                                    u(q.y.zero_point), q.y.scale, u(q.act.min), u(q.act.max), 0,
                                    &op)
            : xnn_create_multiply_nd_qu8(u(q.a.zero_point), q.a.scale, u(q.b.zero_point), q.b.scale,
                                         u(q.y.zero_point), q.y.scale, u(q.act.min), u(q.act.max),
                                         0, &op),
        g, n));
    return operator_kernel(
        op,
        binary_setup<uint8_t>(g, n, add ? xnn_setup_add_nd_qu8 : xnn_setup_multiply_nd_qu8, a, b),
        pool);
  }
  const auto s = [](int32_t v) { return static_cast<int8_t>(v); };
  OUTPOST_RETURN_IF_ERROR(check_create(
      add ? xnn_create_add_nd_qs8(s(q.a.zero_point), q.a.scale, s(q.b.zero_point), q.b.scale,
                                  s(q.y.zero_point), q.y.scale, s(q.act.min), s(q.act.max), 0, &op)
          : xnn_create_multiply_nd_qs8(s(q.a.zero_point), q.a.scale, s(q.b.zero_point), q.b.scale,
                                       s(q.y.zero_point), q.y.scale, s(q.act.min), s(q.act.max), 0,
                                       &op),
      g, n));
  return operator_kernel(
      op, binary_setup<int8_t>(g, n, add ? xnn_setup_add_nd_qs8 : xnn_setup_multiply_nd_qs8, a, b),
      pool);
}

}  // namespace

Result<std::unique_ptr<Kernel>> make_unary(const Node& n, const Graph& g, pthreadpool_t pool) {
  return unary_float(n, g, pool);
}

Result<std::unique_ptr<Kernel>> make_binary(const Node& n, const Graph& g, pthreadpool_t pool) {
  if (n.inputs.size() != 2 || !has_input(n, 0) || !has_input(n, 1))
    return not_handled(g, n, "needs two inputs");
  const Value& a = input_of(g, n, 0);
  const Value& b = input_of(g, n, 1);
  const DType y = output_of(g, n).dtype;
  if (a.dtype != b.dtype || a.dtype != y)
    return not_handled(g, n, "inputs and output differ in dtype");
  if (a.is_constant() && b.is_constant())
    return not_handled(g, n, "constant operands (folded at load)");
  std::vector<size_t> a_shape, b_shape;
  if (!xnn_shape(a.shape, a_shape) || !xnn_shape(b.shape, b_shape))
    return not_handled(g, n, "rank above XNNPACK's limit of 6");
  if (output_of(g, n).shape.num_elements().value_or(0) == 0)
    return not_handled(g, n, "empty tensor");
  switch (y) {
    case DType::kFloat32:
      return binary_float(n, g, std::move(a_shape), std::move(b_shape), pool);
    case DType::kUInt8:
    case DType::kInt8:
      return binary_quantized(n, g, std::move(a_shape), std::move(b_shape), pool);
    default:
      return not_handled(g, n, "XNNPACK runs float32, uint8 and int8 arithmetic");
  }
}

}  // namespace outpost::xnn
