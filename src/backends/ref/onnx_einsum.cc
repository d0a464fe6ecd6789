// ONNX Einsum (float32/float64): one pass over every combination of the equation's labels
// (ir/onnx_einsum.h), adding the product of the operands' elements into the output element the
// output labels select. Plain, and exact in double; meant as the oracle, not for speed.
#include "ir/onnx_einsum.h"

#include <vector>

#include "backends/ref/onnx_nn_common.h"
#include "backends/ref/onnx_nn_kernel_factories.h"

namespace outpost {

Result<std::unique_ptr<Kernel>> make_onnx_einsum(const Node& node, const Graph& graph) {
  using namespace onnx_ref;  // NOLINT: this file's helpers
  OUTPOST_ASSIGN_OR_RETURN(EinsumPlan p, plan_einsum(graph, node));
  const size_t operands = node.inputs.size(), labels = p.extent.size();
  const size_t out_count = static_cast<size_t>(p.out_shape.num_elements().value_or(0));
  RunFn fn;
  if (!visit_float(input_of(graph, node, 0).dtype, [&](auto tag) {
        using T = typename decltype(tag)::type;
        fn = [p, operands, labels, acc = std::vector<double>(out_count),
              index = std::vector<int64_t>(labels), off = std::vector<int64_t>(operands)](
                 std::span<const TensorView> in, std::span<const TensorView> out) mutable {
          std::fill(acc.begin(), acc.end(), 0.0);
          std::fill(index.begin(), index.end(), 0);
          std::fill(off.begin(), off.end(), 0);
          int64_t out_off = 0;
          for (int64_t it = 0; it < p.iterations; ++it) {
            double prod = 1;
            for (size_t o = 0; o < operands; ++o)
              prod *= static_cast<double>(in[o].as<const T>()[off[o]]);
            acc[static_cast<size_t>(out_off)] += prod;
            for (size_t l = labels; l-- > 0;) {
              for (size_t o = 0; o < operands; ++o) off[o] += p.stride[o][l];
              out_off += p.out_stride[l];
              if (++index[l] < p.extent[l]) break;
              for (size_t o = 0; o < operands; ++o) off[o] -= p.stride[o][l] * p.extent[l];
              out_off -= p.out_stride[l] * p.extent[l];
              index[l] = 0;
            }
          }
          for (size_t i = 0; i < acc.size(); ++i) out[0].as<T>()[i] = static_cast<T>(acc[i]);
        };
      }))
    return unsupported_dtype(graph, node, input_of(graph, node, 0).dtype);
  return make_kernel(std::move(fn));
}

}  // namespace outpost
