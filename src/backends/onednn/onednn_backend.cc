#include "backends/onednn/onednn_backend.h"

#include <omp.h>

#include <oneapi/dnnl/dnnl.hpp>

#include "backends/onednn/onednn_conv.h"
#include "core/cpu_count.h"

namespace outpost {

OnednnBackend::OnednnBackend(std::unique_ptr<State> state, int threads)
    : state_(std::move(state)), threads_(threads) {}
OnednnBackend::~OnednnBackend() = default;

Result<std::unique_ptr<OnednnBackend>> OnednnBackend::create(int threads) {
  if (threads < 0) return usage_error("threads must be 0 (all cores) or positive");
  const int n = threads == 0 ? available_cores() : threads;
  // GNU OpenMP exits the process when it cannot start a thread it was asked for.
  OUTPOST_RETURN_IF_ERROR(check_threads_can_start(n));
  try {
    auto state = std::make_unique<State>();
    state->engine = dnnl::engine(dnnl::engine::kind::cpu, 0);
    state->stream = dnnl::stream(state->engine);
    state->threads = n;
    return std::unique_ptr<OnednnBackend>(new OnednnBackend(std::move(state), n));
  } catch (const dnnl::error& e) {
    return unsupported(std::string("oneDNN cannot run on this CPU: ") + e.what() +
                       "; use --backend ref");
  }
}

Result<std::unique_ptr<Kernel>> OnednnBackend::make(const Node& node, const Graph& graph) const {
  switch (node.op) {
    case OpKind::kConv:
      if (input_of(graph, node, 0).dtype == DType::kInt8)
        return onednn::make_int8_conv(node, graph, *state_);
      return onednn::make_onnx_conv(node, graph, *state_);
    default:
      return not_handled(graph, node, "oneDNN backend does not take this op");
  }
}

bool OnednnBackend::takes_channels_last(const Node& node, const Graph& graph) const {
  return node.op == OpKind::kConv &&
         (onednn::takes_onnx_conv(node, graph) || onednn::takes_int8_conv(node, graph));
}

bool OnednnBackend::applies_fused_swish(const Node& conv, const Graph& graph) const {
  return conv.op == OpKind::kConv && onednn::takes_onnx_conv(conv, graph);
}

BackendEntry onednn_backend_entry() {
  // First: on x86 its convolutions measured faster than XNNPACK's (docs/design/backends.md).
  return {"onednn", 30, [](int threads) -> Result<std::unique_ptr<Backend>> {
            OUTPOST_ASSIGN_OR_RETURN(auto backend, OnednnBackend::create(threads));
            return std::unique_ptr<Backend>(std::move(backend));
          }};
}

}  // namespace outpost
