// ONNX reductions (Reduce*: axes as attribute or input, keepdims, noop_with_empty_axes) and
// ArgMax/ArgMin, on every numeric dtype, accumulating in double.
#include <cmath>
#include <limits>

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

// The reduced axes as a per-dimension mask; `noop` when the node asks for the identity.
Result<std::vector<bool>> reduced_axes(const Node& node, const Graph& graph, bool* noop) {
  const size_t rank = input_of(graph, node, 0).shape.rank();
  std::vector<int64_t> axes;
  if (has_input(node, 1) && !input_of(graph, node, 1).is_constant()) {
    // Axes given at run time: shape inference has checked the declared keepdims output, whose
    // reduced axes are those of extent 1 (reducing an axis of extent 1 changes nothing).
    const Shape& out = output_of(graph, node).shape;
    std::vector<bool> mask(rank);
    for (size_t k = 0; k < rank; ++k) mask[k] = out[k] == 1;
    *noop = false;
    return mask;
  }
  if (has_input(node, 1)) {
    OUTPOST_ASSIGN_OR_RETURN(axes, constant_int_values(graph, node, 1));
  } else {
    axes = node.attrs.get_ints("axes");
  }
  *noop = axes.empty() && node.attrs.get_int("noop_with_empty_axes", 0) != 0;
  std::vector<bool> mask(rank, axes.empty());
  for (int64_t a : axes) {
    if (a < 0) a += static_cast<int64_t>(rank);
    if (a < 0 || a >= static_cast<int64_t>(rank))
      return not_handled(graph, node, "axis out of range");
    mask[static_cast<size_t>(a)] = true;
  }
  return mask;
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
  const Shape& x = input_of(graph, node, 0).shape;
  OUTPOST_RETURN_IF_ERROR(check_rank(graph, node, x));
  bool noop = false;
  OUTPOST_ASSIGN_OR_RETURN(std::vector<bool> mask, reduced_axes(node, graph, &noop));
  // Output strides over the input's dimensions: 0 along a reduced axis.
  std::vector<int64_t> out_stride(x.rank(), 0);
  int64_t stride = 1, out_count = 1;
  for (size_t k = x.rank(); k-- > 0;) {
    if (mask[k] && !noop) continue;
    out_stride[k] = stride;
    stride *= x[k];
  }
  out_count = stride;
  const OpKind op = node.op;
  RunFn fn;
  if (!visit_numeric(input_of(graph, node, 0).dtype, [&](auto tag) {
        using T = typename decltype(tag)::type;
        fn = [=, acc = std::vector<double>(static_cast<size_t>(out_count)),
              count = std::vector<int64_t>(static_cast<size_t>(out_count))](
                 std::span<const TensorView> in, std::span<const TensorView> out) mutable {
          const T* src = in[0].as<const T>();
          T* dst = out[0].as<T>();
          const bool extremum = op == OpKind::kReduceMax || op == OpKind::kReduceMin;
          const double init = op == OpKind::kReduceProd  ? 1.0
                              : op == OpKind::kReduceMax ? -std::numeric_limits<double>::infinity()
                              : op == OpKind::kReduceMin ? std::numeric_limits<double>::infinity()
                                                         : 0.0;
          std::fill(acc.begin(), acc.end(), init);
          std::fill(count.begin(), count.end(), 0);
          const int64_t total = in[0].num_elements();
          std::array<int64_t, kMaxRank> index{};
          int64_t o = 0;
          for (int64_t i = 0; i < total; ++i) {
            const double v = static_cast<double>(src[i]);
            double& a = acc[static_cast<size_t>(o)];
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
            ++count[static_cast<size_t>(o)];
            for (size_t k = x.rank(); k-- > 0;) {
              o += out_stride[k];
              if (++index[k] < x[k]) break;
              o -= out_stride[k] * x[k];
              index[k] = 0;
            }
          }
          for (int64_t j = 0; j < out_count; ++j) {
            double a = acc[static_cast<size_t>(j)];
            if (op == OpKind::kReduceMean) a /= static_cast<double>(count[static_cast<size_t>(j)]);
            if (op == OpKind::kReduceL2) a = std::sqrt(a);
            if (op == OpKind::kReduceLogSum || op == OpKind::kReduceLogSumExp) a = std::log(a);
            if constexpr (std::is_integral_v<T>) {
              if (extremum && count[static_cast<size_t>(j)] == 0) a = 0;
              if (!std::isfinite(a)) a = 0;
              dst[j] = integer_from_double<T>(a);
            } else {
              dst[j] = static_cast<T>(a);
            }
          }
        };
      }))
    return unsupported_dtype(graph, node, input_of(graph, node, 0).dtype);
  return make_kernel(std::move(fn));
}

}  // namespace outpost
