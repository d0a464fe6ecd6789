// Test helper for the float kernels' error paths: builds the one-node graph run_op would build,
// infers shapes, and asks one factory alone for a kernel. Going through the whole registry
// instead would let another backend's factory accept a dtype this one declines.
#pragma once

#include "backends/ref/float_kernel_factories.h"
#include "ir/op_schema.h"
#include "support/op_runner.h"

namespace outpost::testing {

inline Status factory_status(KernelFactory factory, OpKind op, const Attributes& attrs,
                             const std::vector<OpInput>& inputs,
                             const std::vector<OpOutput>& outputs) {
  Graph g;
  g.source = "test";
  Node node;
  node.op = op;
  node.attrs = attrs;
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (inputs[i].absent) {
      node.inputs.push_back(kNoValue);
      continue;
    }
    const Tensor& t = inputs[i].tensor;
    Value v;
    v.name = "input" + std::to_string(i);
    v.dtype = t.dtype();
    v.shape = t.shape();
    v.quant = t.quant;
    v.sparsity = inputs[i].sparsity;
    if (inputs[i].constant) {
      const auto* b = static_cast<const uint8_t*>(t.data());
      set_owned_constant(v, std::vector<uint8_t>(b, b + t.byte_size()));
    }
    const int id = g.add_value(std::move(v));
    if (!inputs[i].constant) g.inputs.push_back(id);
    node.inputs.push_back(id);
  }
  for (size_t k = 0; k < outputs.size(); ++k) {
    Value v;
    v.name = "output" + std::to_string(k);
    v.dtype = outputs[k].dtype;
    v.quant = outputs[k].quant;
    const int id = g.add_value(std::move(v));
    node.outputs.push_back(id);
    g.outputs.push_back(id);
  }
  g.nodes.push_back(node);
  OUTPOST_RETURN_IF_ERROR(infer_shapes(g));
  auto kernel = factory(g.nodes[0], g);
  return kernel.is_ok() ? Status::ok() : kernel.status();
}

}  // namespace outpost::testing
