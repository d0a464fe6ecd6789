// Graph-building helpers for the TFLite operators that import as more than one IR node: a
// builtin the IR has no single op for (PACK is Unsqueezes and a Concat, SQUARED_DIFFERENCE a
// Sub and a Mul), or whose output dtype the IR op does not give (ARG_MAX declared int32 is
// ArgMax, int64, and a Cast). Every node made here carries the operator's source index and
// origin, so that messages about it still name the TFLite operator.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ir/graph.h"

namespace outpost::tflite {

// The nodes one TFLite operator became, in execution order, and the graph they add values to.
class Lowering {
 public:
  Lowering(Graph& graph, const Node& from) : graph_(graph), from_(from) {}

  Graph& graph() { return graph_; }
  const Graph& graph() const { return graph_; }
  const Value& value(int id) const { return graph_.value(id); }

  // A new value of `dtype` (quantized as `quant`) and `shape`, named after the operator.
  int intermediate(const std::string& suffix, DType dtype, Shape shape, QuantParams quant = {});
  // A value like `like` (its dtype and quantization) with another shape.
  int intermediate_like(const std::string& suffix, int like, Shape shape);

  // Constants owned by the graph.
  int int64s(const std::string& suffix, const std::vector<int64_t>& values);
  int scalar(const std::string& suffix, DType dtype, double value);
  // A constant of `dtype` and `shape`, every element zero.
  int zeros(const std::string& suffix, DType dtype, const Shape& shape);

  // Appends a node of `op` made from the operator; returns it for attributes.
  Node& add(OpKind op, const std::string& suffix, std::vector<int> inputs,
            std::vector<int> outputs);
  // Appends the operator's own (translated) node.
  Node& add(Node node);

  // Makes output `i` of the last node an int64 intermediate and appends a Cast to the dtype
  // the model declared for it: for IR ops that give int64 where TFLite lets the model choose.
  void cast_output_from_int64(size_t i);

  std::vector<Node> take() { return std::move(nodes_); }

 private:
  std::string name(const std::string& suffix) const { return from_.name + "/" + suffix; }

  Graph& graph_;
  Node from_;  // name, source index and origin of what the nodes are made from
  std::vector<Node> nodes_;
};

// TFLite's fused activations (ActivationFunctionType NONE, RELU, RELU_N1_TO_1, RELU6, TANH) for
// the float32 lowerings that apply one after their last step: the code checked and kept as the
// node's `fused_activation` attribute (kUnsupported for another)...
Status activation_option(int8_t code, Node& n, const std::string& where);
// ... and `op`(inputs) with `attrs` appended -> y, or -> an intermediate and the activation -> y.
void add_activated(Lowering& l, OpKind op, const std::string& name, std::vector<int> inputs, int y,
                   int64_t activation, Attributes attrs = {});

}  // namespace outpost::tflite
