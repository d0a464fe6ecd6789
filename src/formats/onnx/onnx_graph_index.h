// Where each tensor of an ONNX graph comes from and which nodes read it: what the optimizer's
// writers (onnx_qdq_writer.h, onnx_channel_pruner.h) look up while they rewrite a model.
#pragma once

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace outpost {

inline bool onnx_default_domain(const std::string& domain) { return domain.empty() || domain == "ai.onnx"; }

// The opset of the default domain the model imports (0: none).
inline int64_t onnx_default_opset(const onnx::ModelProto& model) {
  for (const auto& o : model.opset_import())
    if (onnx_default_domain(o.domain())) return o.version();
  return 0;
}

// "Conv 'conv1'", or "Conv (node 3)" for a node without a name: how reports name a node.
inline std::string onnx_node_text(const onnx::NodeProto& n, size_t index) {
  if (n.name().empty()) return n.op_type() + " (node " + std::to_string(index) + ")";
  return n.op_type() + " '" + n.name() + "'";
}

// The element count a TensorProto's dims declare: -1 for a negative dimension, INT64_MAX where the
// product passes int64 (a hostile file's), so that comparing it never overflows.
inline int64_t onnx_element_count(const onnx::TensorProto& t) {
  int64_t n = 1;
  for (int64_t d : t.dims()) {
    if (d < 0) return -1;
    if (d != 0 && n > INT64_MAX / d) return INT64_MAX;
    n *= d;
  }
  return n;
}

struct OnnxGraphIndex {
  std::unordered_map<std::string, const onnx::TensorProto*> initializers;
  std::unordered_map<std::string, size_t> producer;               // node index
  std::unordered_map<std::string, std::vector<size_t>> consumers;  // node indices (an input twice: twice)
  std::unordered_set<std::string> graph_inputs;                   // not initializers
  std::unordered_set<std::string> graph_outputs;

  explicit OnnxGraphIndex(const onnx::GraphProto& g) {
    for (const auto& t : g.initializer()) initializers[t.name()] = &t;
    for (const auto& i : g.input())
      if (!initializers.count(i.name())) graph_inputs.insert(i.name());
    for (const auto& o : g.output()) graph_outputs.insert(o.name());
    for (int k = 0; k < g.node_size(); ++k) {
      const auto& n = g.node(k);
      for (const auto& out : n.output())
        if (!out.empty()) producer[out] = static_cast<size_t>(k);
      for (const auto& in : n.input())
        if (!in.empty()) consumers[in].push_back(static_cast<size_t>(k));
    }
  }
  const onnx::TensorProto* initializer(const std::string& name) const {
    auto it = initializers.find(name);
    return it == initializers.end() ? nullptr : it->second;
  }
  const std::vector<size_t>& readers(const std::string& name) const {
    static const std::vector<size_t> none;
    auto it = consumers.find(name);
    return it == consumers.end() ? none : it->second;
  }
};

}  // namespace outpost
