// The oneDNN backend (x86): ONNX's group-1 convolutions (2-D, float32, constant weights) run as
// oneDNN primitives on the planned channels-last buffers (the layout pass makes them so), with
// the weights reordered into oneDNN's blocked layout once at session creation and the spatial
// ones computing in its blocked activation layout between two reorders. docs/design/backends.md
// records the measurements that route ONNX Conv here and everything TFLite to XNNPACK.
#pragma once

#include <memory>

#include "backends/ref/kernel.h"

namespace outpost {

class OnednnBackend {
 public:
  // threads: 0 for all cores, N for exactly N OpenMP threads (the caller's included).
  static Result<std::unique_ptr<OnednnBackend>> create(int threads);
  ~OnednnBackend();
  OnednnBackend(const OnednnBackend&) = delete;
  OnednnBackend& operator=(const OnednnBackend&) = delete;

  // A kernel running `node` on oneDNN, or kUnsupported when this backend does not take it.
  Result<std::unique_ptr<Kernel>> make(const Node& node, const Graph& graph) const;

  // Whether make() takes this node, as imported (NCHW), once the layout pass has made it
  // channels-last (runtime/channels_last.h).
  bool takes_channels_last(const Node& node, const Graph& graph) const;

  int threads() const { return threads_; }

  struct State;

 private:
  OnednnBackend(std::unique_ptr<State> state, int threads);
  std::unique_ptr<State> state_;
  int threads_ = 1;
};

}  // namespace outpost
