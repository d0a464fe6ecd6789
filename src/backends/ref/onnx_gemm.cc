// ONNX matrix products: Gemm (float32/float64; alpha, beta, transA, transB, C broadcast to
// [M, N]), MatMul (numpy matmul on every numeric dtype: 1-D operands promoted, batch dimensions
// broadcast; floats accumulate in double, integers wrap), MatMulInteger (int32 result) and
// QLinearMatMul (requantized with a_scale * b_scale / y_scale, half to even, saturating).
#include <type_traits>
#include <vector>

#include "backends/ref/onnx_nn_common.h"
#include "backends/ref/onnx_nn_kernel_factories.h"

namespace outpost {
namespace {

using namespace onnx_ref;  // NOLINT: this file's helpers

// Gemm and MatMul here multiply stored values: quantized operands (TFLite's, whose own kernels
// took every form they know) would be read without their scales and zero points.
Status no_quantized_operands(const Node& node, const Graph& graph) {
  for (size_t i = 0; i < node.inputs.size(); ++i)
    if (has_input(node, i) && !input_of(graph, node, i).quant.empty())
      return not_handled(graph, node,
                         "quantized input " + std::to_string(i) +
                             " (this kernel computes on stored values, not on reals)");
  return Status::ok();
}

Result<std::unique_ptr<Kernel>> make_gemm(const Node& node, const Graph& graph) {
  OUTPOST_RETURN_IF_ERROR(no_quantized_operands(node, graph));
  // A fused activation comes with TFLite's FULLY_CONNECTED, whose kernels (fully_connected_form)
  // take every such Gemm they can; this one applies none, so it must not run the rest.
  if (node.attrs.get_string("activation", "none") != "none")
    return not_handled(graph, node,
                       "a fused activation is applied by the fully connected kernels only "
                       "(transB 1, a bias of [units] or none)");
  const Shape& a = input_of(graph, node, 0).shape;
  const Shape& b = input_of(graph, node, 1).shape;
  const bool ta = node.attrs.get_int("transA", 0) != 0, tb = node.attrs.get_int("transB", 0) != 0;
  const int64_t m = ta ? a[1] : a[0], k = ta ? a[0] : a[1], n = tb ? b[0] : b[1];
  // Element (i, j) of A' is a[i * as_i + j * as_j]; likewise B' and C (stride 0: broadcast).
  const int64_t as_i = ta ? 1 : k, as_k = ta ? m : 1;
  const int64_t bs_k = tb ? 1 : n, bs_j = tb ? k : 1;
  const bool has_c = has_input(node, 2);
  int64_t cs_i = 0, cs_j = 0;
  if (has_c) {
    const Shape& c = input_of(graph, node, 2).shape;
    if (c.rank() == 2) {
      cs_i = c[0] == 1 ? 0 : c[1];
      cs_j = c[1] == 1 ? 0 : 1;
    } else if (c.rank() == 1) {
      cs_j = c[0] == 1 ? 0 : 1;
    }
  }
  const double alpha = node.attrs.get_float("alpha", 1.0f),
               beta = node.attrs.get_float("beta", 1.0f);
  RunFn fn;
  if (!visit_float(input_of(graph, node, 0).dtype, [&](auto tag) {
        using T = typename decltype(tag)::type;
        fn = [=](std::span<const TensorView> in, std::span<const TensorView> out) {
          const T* pa = in[0].as<const T>();
          const T* pb = in[1].as<const T>();
          T* y = out[0].as<T>();
          for (int64_t i = 0; i < m; ++i)
            for (int64_t j = 0; j < n; ++j) {
              double acc = 0;
              for (int64_t q = 0; q < k; ++q)
                acc += static_cast<double>(pa[i * as_i + q * as_k]) *
                       static_cast<double>(pb[q * bs_k + j * bs_j]);
              acc *= alpha;
              if (has_c)
                acc += beta * static_cast<double>(in[2].as<const T>()[i * cs_i + j * cs_j]);
              y[i * n + j] = static_cast<T>(acc);
            }
        };
      }))
    return unsupported_dtype(graph, node, input_of(graph, node, 0).dtype);
  return make_kernel(std::move(fn));
}

// The batch structure of a numpy matmul: per output matrix, the offsets of its A and B
// matrices; each matrix is [m, k] x [k, n].
struct MatMulPlan {
  int64_t m = 1, k = 1, n = 1;
  std::vector<int64_t> a_offset, b_offset;
};

Result<MatMulPlan> plan_matmul(const Node& node, const Graph& graph, const Shape& a,
                               const Shape& b) {
  MatMulPlan p;
  p.k = a[a.rank() - 1];
  p.m = a.rank() >= 2 ? a[a.rank() - 2] : 1;
  p.n = b.rank() >= 2 ? b[b.rank() - 1] : 1;
  const Shape ab(
      std::vector<int64_t>(a.dims().begin(), a.dims().end() - std::min<size_t>(a.rank(), 2)));
  const Shape bb(
      std::vector<int64_t>(b.dims().begin(), b.dims().end() - std::min<size_t>(b.rank(), 2)));
  std::vector<int64_t> batch(std::max(ab.rank(), bb.rank()), 1);
  for (size_t d = 0; d < ab.rank(); ++d) batch[batch.size() - ab.rank() + d] = ab[d];
  for (size_t d = 0; d < bb.rank(); ++d)
    if (bb[d] != 1) batch[batch.size() - bb.rank() + d] = bb[d];
  const Shape bs(batch);
  OUTPOST_RETURN_IF_ERROR(check_rank(graph, node, bs));
  const Broadcast plan = plan_broadcast(bs, {&ab, &bb});
  p.a_offset.resize(static_cast<size_t>(plan.total));
  p.b_offset.resize(static_cast<size_t>(plan.total));
  for_each_broadcast(plan, [&](int64_t i, int64_t oa, int64_t ob, int64_t) {
    p.a_offset[static_cast<size_t>(i)] = oa * p.m * p.k;
    p.b_offset[static_cast<size_t>(i)] = ob * p.k * p.n;
  });
  return p;
}

Result<std::unique_ptr<Kernel>> make_matmul(const Node& node, const Graph& graph) {
  OUTPOST_RETURN_IF_ERROR(no_quantized_operands(node, graph));
  OUTPOST_ASSIGN_OR_RETURN(MatMulPlan p, plan_matmul(node, graph, input_of(graph, node, 0).shape,
                                                     input_of(graph, node, 1).shape));
  RunFn fn;
  if (!visit_numeric(input_of(graph, node, 0).dtype, [&](auto tag) {
        using T = typename decltype(tag)::type;
        using Acc = std::conditional_t<std::is_floating_point_v<T>, double, uint64_t>;
        using Wide = std::conditional_t<std::is_floating_point_v<T>, double,
                                        std::conditional_t<std::is_signed_v<T>, int64_t, uint64_t>>;
        fn = [p](std::span<const TensorView> in, std::span<const TensorView> out) {
          const T* pa = in[0].as<const T>();
          const T* pb = in[1].as<const T>();
          T* y = out[0].as<T>();
          for (size_t bt = 0; bt < p.a_offset.size(); ++bt) {
            const T* ma = pa + p.a_offset[bt];
            const T* mb = pb + p.b_offset[bt];
            T* my = y + static_cast<int64_t>(bt) * p.m * p.n;
            for (int64_t i = 0; i < p.m; ++i)
              for (int64_t j = 0; j < p.n; ++j) {
                Acc acc = 0;
                for (int64_t q = 0; q < p.k; ++q)
                  acc += static_cast<Acc>(static_cast<Wide>(ma[i * p.k + q])) *
                         static_cast<Acc>(static_cast<Wide>(mb[q * p.n + j]));
                my[i * p.n + j] = static_cast<T>(acc);
              }
          }
        };
      }))
    return unsupported_dtype(graph, node, input_of(graph, node, 0).dtype);
  return make_kernel(std::move(fn));
}

// MatMulInteger (a, b, [a_zp], [b_zp]) and QLinearMatMul (a, a_s, a_zp, b, b_s, b_zp, y_s,
// y_zp); the zero points and scales are one value each (shape inference).
Result<std::unique_ptr<Kernel>> make_integer_matmul(const Node& node, const Graph& graph) {
  const bool qlinear = node.op == OpKind::kQLinearMatMul;
  const size_t b_i = qlinear ? 3 : 1, a_zp_i = qlinear ? 2 : 2, b_zp_i = qlinear ? 5 : 3;
  OUTPOST_ASSIGN_OR_RETURN(MatMulPlan p, plan_matmul(node, graph, input_of(graph, node, 0).shape,
                                                     input_of(graph, node, b_i).shape));
  const bool out_u8 = output_of(graph, node).dtype == DType::kUInt8;
  return make_kernel([=](std::span<const TensorView> in, std::span<const TensorView> out) {
    const int64_t az = a_zp_i < in.size() ? q_at(in[a_zp_i], 0) : 0;
    const int64_t bz = b_zp_i < in.size() ? q_at(in[b_zp_i], 0) : 0;
    double mult = 1;
    int64_t yz = 0;
    if (qlinear) {
      mult = static_cast<double>(in[1].as<const float>()[0]) * in[4].as<const float>()[0] /
             in[6].as<const float>()[0];
      yz = q_at(in[7], 0);
    }
    for (size_t bt = 0; bt < p.a_offset.size(); ++bt)
      for (int64_t i = 0; i < p.m; ++i)
        for (int64_t j = 0; j < p.n; ++j) {
          int64_t acc = 0;
          for (int64_t q = 0; q < p.k; ++q)
            acc += (q_at(in[0], p.a_offset[bt] + i * p.k + q) - az) *
                   (q_at(in[b_i], p.b_offset[bt] + q * p.n + j) - bz);
          const int64_t at = static_cast<int64_t>(bt) * p.m * p.n + i * p.n + j;
          if (!qlinear)
            out[0].as<int32_t>()[at] = static_cast<int32_t>(acc);
          else if (out_u8)
            out[0].as<uint8_t>()[at] = saturate_round<uint8_t>(static_cast<double>(acc) * mult, yz);
          else
            out[0].as<int8_t>()[at] = saturate_round<int8_t>(static_cast<double>(acc) * mult, yz);
        }
  });
}

}  // namespace

Result<std::unique_ptr<Kernel>> make_onnx_gemm(const Node& node, const Graph& graph) {
  switch (node.op) {
    case OpKind::kGemm:
      return make_gemm(node, graph);
    case OpKind::kMatMul:
      return make_matmul(node, graph);
    default:
      return make_integer_matmul(node, graph);
  }
}

}  // namespace outpost
