// The oneDNN backend (x86): ONNX's group-1 convolutions (2-D, float32, constant weights) run as
// oneDNN primitives on the planned channels-last buffers (the layout pass makes them so), with
// the weights reordered into oneDNN's blocked layout once at session creation and the spatial
// ones computing in its blocked activation layout between two reorders. docs/design/backends.md
// records the measurements that route ONNX Conv here and everything TFLite to XNNPACK.
#pragma once

#include <memory>

#include "backends/backend.h"

namespace outpost {

class OnednnBackend final : public Backend {
 public:
  // threads: 0 for all cores, N for exactly N OpenMP threads (the caller's included).
  static Result<std::unique_ptr<OnednnBackend>> create(int threads);
  ~OnednnBackend();
  OnednnBackend(const OnednnBackend&) = delete;
  OnednnBackend& operator=(const OnednnBackend&) = delete;

  const char* name() const override { return "onednn"; }
  Result<std::unique_ptr<Kernel>> make(const Node& node, const Graph& graph) const override;
  // It runs convolutions only, and those only channels-last: takes() is takes_channels_last().
  bool takes(const Node& node, const Graph& graph) const override {
    return takes_channels_last(node, graph);
  }
  bool takes_channels_last(const Node& node, const Graph& graph) const override;
  // oneDNN's swish post-op, on float convolutions.
  bool applies_fused_swish(const Node& conv, const Graph& graph) const override;
  int threads() const override { return threads_; }

  struct State;

 private:
  OnednnBackend(std::unique_ptr<State> state, int threads);
  std::unique_ptr<State> state_;
  int threads_ = 1;
};

BackendEntry onednn_backend_entry();

}  // namespace outpost
