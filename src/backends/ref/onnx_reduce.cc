// ONNX reductions (Reduce*: axes as attribute or input, constant or read at run time, keepdims,
// noop_with_empty_axes) and ArgMax/ArgMin, on every numeric dtype, accumulating in double.
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "backends/ref/onnx_common.h"
#include "backends/ref/onnx_kernel_factories.h"

namespace outpost {
namespace {

// Integer reductions accumulate in double, exact for the sums of any real tensor. numpy and
// ONNX Runtime wrap an integer sum that overflows its type, so the exact value is wrapped the
// same way (a plain cast of an out-of-range double is undefined: fuzz_onnx crash f7fdf516);
// beyond 64 bits, where no integer sum exists, it saturates.
template <typename T>
T integer_from_double(double a) {
  if (a >= 0x1p64) return std::numeric_limits<T>::max();
  if (a < -0x1p63) return std::numeric_limits<T>::lowest();
  const uint64_t bits =
      a >= 0 ? static_cast<uint64_t>(a) : static_cast<uint64_t>(static_cast<int64_t>(a));
  return static_cast<T>(bits);  // modular conversion (defined since C++20)
}

using namespace onnx_ref;  // NOLINT: this file's helpers

using AxisMask = std::array<bool, kMaxRank>;

// The reduced axes of constant (or attribute) axes as a per-dimension mask; `noop` when the node
// asks for the identity.
Result<AxisMask> constant_axes_mask(const Node& node, const Graph& graph, bool* noop) {
  const size_t rank = input_of(graph, node, 0).shape.rank();
  std::vector<int64_t> axes;
  if (has_input(node, 1)) {
    OUTPOST_ASSIGN_OR_RETURN(axes, constant_int_values(graph, node, 1));
  } else {
    axes = node.attrs.get_ints("axes");
  }
  *noop = axes.empty() && node.attrs.get_int("noop_with_empty_axes", 0) != 0;
  AxisMask mask{};
  for (size_t k = 0; k < rank; ++k) mask[k] = axes.empty();
  for (int64_t a : axes) {
    if (a < 0) a += static_cast<int64_t>(rank);
    if (a < 0 || a >= static_cast<int64_t>(rank))
      return not_handled(graph, node, "axis out of range");
    mask[static_cast<size_t>(a)] = true;
  }
  return mask;
}

// Axes given at run time: each entry in range and none repeated, and the output shape they give
// the planned one (shape inference planned it from the declared shape, which only the values
// decide when keepdims is 0: [3, 2] from [3, 2, 2] reduces axis 1 or axis 2).
Status runtime_axes_mask(const std::string& where, const TensorView& axes, const Shape& x,
                         const Shape& planned, bool keep, bool noop_if_empty, AxisMask* mask,
                         bool* noop) {
  const int64_t rank = static_cast<int64_t>(x.rank()), count = axes.num_elements();
  *noop = count == 0 && noop_if_empty;
  for (int64_t k = 0; k < rank; ++k) (*mask)[static_cast<size_t>(k)] = count == 0 && !*noop;
  for (int64_t i = 0; i < count; ++i) {
    int64_t a = int_at(axes.dtype, axes.data, i);
    if (a < -rank || a >= rank)
      return shape_mismatch(where + ": axes entry " + std::to_string(a) +
                            " is out of range for rank " + std::to_string(rank));
    if (a < 0) a += rank;
    if ((*mask)[static_cast<size_t>(a)])
      return shape_mismatch(where + ": axis " + std::to_string(a) + " is repeated");
    (*mask)[static_cast<size_t>(a)] = true;
  }
  size_t j = 0;  // the planned dimension the next kept one must equal
  bool same = true;
  for (size_t k = 0; k < x.rank(); ++k) {
    const bool kept = !(*mask)[k] || *noop;
    if (!kept && !keep) continue;
    same = same && j < planned.rank() && planned[j] == (kept ? x[k] : 1);
    ++j;
  }
  if (!same || j != planned.rank())
    return shape_mismatch(where + ": the axes given at run time do not reduce " + x.to_string() +
                          " to " + planned.to_string() +
                          ", the output shape the model declares and the session planned");
  return Status::ok();
}

// The accumulators of one reduction: one per output element.
struct Accumulators {
  std::vector<double> value;
  std::vector<int64_t> count;
};

// Reduces src (shape x) over the masked axes into dst; run-time work only, no allocation.
template <typename T>
void reduce_over(OpKind op, const Shape& x, const AxisMask& mask, bool noop, const T* src,
                 T* dst, Accumulators& acc) {
  // Output strides over the input's dimensions: 0 along a reduced axis.
  std::array<int64_t, kMaxRank> out_stride{};
  int64_t stride = 1;
  for (size_t k = x.rank(); k-- > 0;) {
    if (mask[k] && !noop) continue;
    out_stride[k] = stride;
    stride *= x[k];
  }
  const int64_t out_count = stride;
  const bool extremum = op == OpKind::kReduceMax || op == OpKind::kReduceMin;
  const double init = op == OpKind::kReduceProd  ? 1.0
                      : op == OpKind::kReduceMax ? -std::numeric_limits<double>::infinity()
                      : op == OpKind::kReduceMin ? std::numeric_limits<double>::infinity()
                                                 : 0.0;
  std::fill(acc.value.begin(), acc.value.end(), init);
  std::fill(acc.count.begin(), acc.count.end(), 0);
  const int64_t total = x.num_elements().value_or(0);
  std::array<int64_t, kMaxRank> index{};
  int64_t o = 0;
  for (int64_t i = 0; i < total; ++i) {
    const double v = static_cast<double>(src[i]);
    double& a = acc.value[static_cast<size_t>(o)];
    switch (op) {
      case OpKind::kReduceMax:
        a = (v > a || std::isnan(v)) ? v : a;
        break;
      case OpKind::kReduceMin:
        a = (v < a || std::isnan(v)) ? v : a;
        break;
      case OpKind::kReduceProd:
        a *= v;
        break;
      case OpKind::kReduceL1:
        a += std::fabs(v);
        break;
      case OpKind::kReduceL2:
      case OpKind::kReduceSumSquare:
        a += v * v;
        break;
      case OpKind::kReduceLogSumExp:
        a += std::exp(v);
        break;
      default:
        a += v;
        break;
    }
    ++acc.count[static_cast<size_t>(o)];
    for (size_t k = x.rank(); k-- > 0;) {
      o += out_stride[k];
      if (++index[k] < x[k]) break;
      o -= out_stride[k] * x[k];
      index[k] = 0;
    }
  }
  for (int64_t j = 0; j < out_count; ++j) {
    double a = acc.value[static_cast<size_t>(j)];
    const int64_t n = acc.count[static_cast<size_t>(j)];
    if (op == OpKind::kReduceMean) a /= static_cast<double>(n);
    if (op == OpKind::kReduceL2) a = std::sqrt(a);
    if (op == OpKind::kReduceLogSum || op == OpKind::kReduceLogSumExp) a = std::log(a);
    if constexpr (std::is_integral_v<T>) {
      if (extremum && n == 0) a = 0;
      if (!std::isfinite(a)) a = 0;
      dst[j] = integer_from_double<T>(a);
    } else {
      dst[j] = static_cast<T>(a);
    }
  }
}

Result<std::unique_ptr<Kernel>> make_arg(const Node& node, const Graph& graph) {
  const Shape& x = input_of(graph, node, 0).shape;
  int64_t axis = node.attrs.get_int("axis", 0);
  if (axis < 0) axis += static_cast<int64_t>(x.rank());
  int64_t outer = 1, inner = 1;
  for (size_t k = 0; k < x.rank(); ++k) {
    if (static_cast<int64_t>(k) < axis) outer *= x[k];
    if (static_cast<int64_t>(k) > axis) inner *= x[k];
  }
  const int64_t n = x[static_cast<size_t>(axis)];
  const bool is_max = node.op == OpKind::kArgMax;
  const bool last = node.attrs.get_int("select_last_index", 0) != 0;
  RunFn fn;
  if (!visit_numeric(input_of(graph, node, 0).dtype, [&](auto tag) {
        using T = typename decltype(tag)::type;
        fn = [=](std::span<const TensorView> in, std::span<const TensorView> out) {
          const T* src = in[0].as<const T>();
          int64_t* dst = out[0].as<int64_t>();
          for (int64_t o = 0; o < outer; ++o) {
            for (int64_t i = 0; i < inner; ++i) {
              const T* p = src + o * n * inner + i;
              int64_t best = 0;
              for (int64_t k = 1; k < n; ++k) {
                const T v = p[k * inner], b = p[best * inner];
                const bool better =
                    is_max ? (v > b || (last && v == b)) : (v < b || (last && v == b));
                if (better) best = k;
              }
              dst[o * inner + i] = best;
            }
          }
        };
      }))
    return unsupported_dtype(graph, node, input_of(graph, node, 0).dtype);
  return make_kernel(std::move(fn));
}

}  // namespace

Result<std::unique_ptr<Kernel>> make_onnx_reduce(const Node& node, const Graph& graph) {
  if (node.op == OpKind::kArgMax || node.op == OpKind::kArgMin) return make_arg(node, graph);
  const Shape x = input_of(graph, node, 0).shape;
  OUTPOST_RETURN_IF_ERROR(check_rank(graph, node, x));
  const Shape planned = output_of(graph, node).shape;
  const size_t out_count = static_cast<size_t>(planned.num_elements().value_or(0));
  // The accumulators (a double and a count per output element): a reduction to the size of a
  // 4K feature map fits, a hostile model's hundreds of millions of outputs (fuzz_tflite
  // oom-38543a28) do not.
  constexpr size_t kMaxAccumulatorBytes = size_t{1} << 30;
  if (out_count > kMaxAccumulatorBytes / (sizeof(double) + sizeof(int64_t)))
    return not_handled(graph, node,
                       "a reduction to " + std::to_string(out_count) +
                           " elements needs more than the reference kernel's 1 GiB of accumulators");
  const OpKind op = node.op;
  const bool runtime_axes = has_input(node, 1) && !input_of(graph, node, 1).is_constant();
  bool noop = false;
  AxisMask mask{};
  if (runtime_axes) {
    const DType d = input_of(graph, node, 1).dtype;
    if (d != DType::kInt32 && d != DType::kInt64) return unsupported_dtype(graph, node, d);
  } else {
    OUTPOST_ASSIGN_OR_RETURN(mask, constant_axes_mask(node, graph, &noop));
  }
  const bool keep = node.attrs.get_int("keepdims", 1) != 0;
  const bool noop_if_empty = node.attrs.get_int("noop_with_empty_axes", 0) != 0;
  const std::string where = where_of(graph, node);
  CheckedRunFn fn;
  if (!visit_numeric(input_of(graph, node, 0).dtype, [&](auto tag) {
        using T = typename decltype(tag)::type;
        fn = [=, acc = Accumulators{std::vector<double>(out_count),
                                    std::vector<int64_t>(out_count)}](
                 std::span<const TensorView> in, std::span<const TensorView> out) mutable {
          AxisMask m = mask;
          bool no = noop;
          if (runtime_axes)
            OUTPOST_RETURN_IF_ERROR(
                runtime_axes_mask(where, in[1], x, planned, keep, noop_if_empty, &m, &no));
          reduce_over<T>(op, x, m, no, in[0].as<const T>(), out[0].as<T>(), acc);
          return Status::ok();
        };
      }))
    return unsupported_dtype(graph, node, input_of(graph, node, 0).dtype);
  return make_checked_kernel(std::move(fn));
}

}  // namespace outpost
