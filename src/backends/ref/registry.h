// The reference backend's kernel table: OpKind -> factories, tried in registration order.
#pragma once

#include <array>
#include <vector>

#include "backends/kernel.h"

namespace outpost {

// Whether a factory is offered channels-last nodes (attribute `channels_last` = 1,
// ir/channels_last.h). Most are not: the layout pass makes such nodes only for a fast backend
// that asked for them. A factory that takes them (TFLite's NHWC DepthToSpace) checks the
// attribute itself.
enum class ChannelsLast { kRefused, kTaken };

class KernelRegistry {
 public:
  void add(OpKind op, KernelFactory factory, ChannelsLast layout = ChannelsLast::kRefused) {
    factories_[static_cast<size_t>(op)].push_back({factory, layout == ChannelsLast::kTaken});
  }
  bool has(OpKind op) const { return !factories_[static_cast<size_t>(op)].empty(); }
  // The first factory that accepts the node, or the most specific error: kUnsupported naming
  // the op, the node and its dtypes when none does.
  Result<std::unique_ptr<Kernel>> make(const Node& node, const Graph& graph) const;

 private:
  struct Entry {
    KernelFactory factory;
    bool takes_channels_last;
  };
  std::array<std::vector<Entry>, kOpKindCount> factories_;
};

const KernelRegistry& reference_kernels();

// Each file group registers its kernels here (float_kernels.cc, quantized_kernels.cc,
// onnx_tensor_kernels.cc, onnx_nn_kernels.cc).
void register_float_kernels(KernelRegistry& registry);
void register_quantized_kernels(KernelRegistry& registry);
void register_onnx_tensor_kernels(KernelRegistry& registry);
void register_onnx_nn_kernels(KernelRegistry& registry);

}  // namespace outpost
