#include "backends/ref/registry.h"

#include "ir/channels_last.h"

namespace outpost {

namespace {

std::string dtypes_of(const Graph& g, const Node& n) {
  std::string s;
  for (size_t i = 0; i < n.inputs.size(); ++i) {
    if (!s.empty()) s += ", ";
    s += n.inputs[i] == kNoValue ? "none" : dtype_name(g.value(n.inputs[i]).dtype);
  }
  s += " -> ";
  for (size_t i = 0; i < n.outputs.size(); ++i) {
    if (i) s += ", ";
    s += dtype_name(g.value(n.outputs[i]).dtype);
  }
  return s;
}

}  // namespace

Result<std::unique_ptr<Kernel>> KernelRegistry::make(const Node& node, const Graph& graph) const {
  const bool channels_last = is_channels_last(node);
  const auto& list = factories_[static_cast<size_t>(node.op)];
  Status last = unsupported(graph.source + ": " + node.describe() + ": no kernel for op " + op_name(node.op));
  bool offered = false;
  for (const Entry& entry : list) {
    if (channels_last && !entry.takes_channels_last) continue;
    offered = true;
    auto kernel = entry.factory(node, graph);
    if (kernel.is_ok()) return kernel;
    if (kernel.status().code() != StatusCode::kUnsupported) return kernel.status();
    last = kernel.status();
  }
  // The layout pass hands channels-last nodes of the other ops only to a fast backend that said
  // it takes them.
  if (channels_last && !offered)
    return internal_error(
        graph.source + ": " + node.describe() +
        ": channels-last, which the reference backend does not run; use --backend ref");
  return unsupported(last.message() + " (dtypes " + dtypes_of(graph, node) +
                     "); this op/dtype combination is not supported by the reference backend; "
                     "convert the model with supported types or file an issue");
}

const KernelRegistry& reference_kernels() {
  static const KernelRegistry registry = [] {
    KernelRegistry r;
    register_quantized_kernels(r);
    register_float_kernels(r);
    register_onnx_tensor_kernels(r);
    register_onnx_nn_kernels(r);
    return r;
  }();
  return registry;
}

}  // namespace outpost
