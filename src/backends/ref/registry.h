// The reference backend's kernel table: OpKind -> factories, tried in registration order.
#pragma once

#include <array>
#include <vector>

#include "backends/kernel.h"

namespace outpost {

class KernelRegistry {
 public:
  void add(OpKind op, KernelFactory factory) { factories_[static_cast<size_t>(op)].push_back(factory); }
  bool has(OpKind op) const { return !factories_[static_cast<size_t>(op)].empty(); }
  // The first factory that accepts the node, or the most specific error: kUnsupported naming
  // the op, the node and its dtypes when none does.
  Result<std::unique_ptr<Kernel>> make(const Node& node, const Graph& graph) const;

 private:
  std::array<std::vector<KernelFactory>, kOpKindCount> factories_;
};

const KernelRegistry& reference_kernels();

// Each file group registers its kernels here (float_kernels.cc, quantized_kernels.cc,
// onnx_tensor_kernels.cc, onnx_nn_kernels.cc).
void register_float_kernels(KernelRegistry& registry);
void register_quantized_kernels(KernelRegistry& registry);
void register_onnx_tensor_kernels(KernelRegistry& registry);
void register_onnx_nn_kernels(KernelRegistry& registry);

}  // namespace outpost
