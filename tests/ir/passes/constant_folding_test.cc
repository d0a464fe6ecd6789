// The infer-and-fold pass on hand-made graphs, with an evaluator of its own (the session gives
// it the reference backend's kernels): what folds, what stays, and how refusals are reported.
#include "ir/passes/constant_folding.h"

#include <gtest/gtest.h>

#include <cstring>

namespace outpost {
namespace {

int add_float(Graph& g, const std::string& name, Shape shape, const std::vector<float>* data = nullptr) {
  Value v;
  v.name = name;
  v.dtype = DType::kFloat32;
  v.shape = std::move(shape);
  if (data != nullptr) {
    std::vector<uint8_t> bytes(data->size() * sizeof(float));
    std::memcpy(bytes.data(), data->data(), bytes.size());
    set_owned_constant(v, std::move(bytes));
  }
  return g.add_value(std::move(v));
}

int add_output(Graph& g, const std::string& name) {
  Value v;
  v.name = name;
  return g.add_value(std::move(v));
}

void add_node(Graph& g, OpKind op, std::vector<int> inputs, int output, const std::string& name) {
  Node n;
  n.op = op;
  n.name = name;
  n.source_index = static_cast<int>(g.nodes.size());
  n.inputs = std::move(inputs);
  n.outputs = {output};
  g.nodes.push_back(std::move(n));
}

// Adds float32 elementwise (same shapes); refuses every other op as unsupported.
Status evaluate_adds(const Node& node, const Graph& g, std::vector<std::vector<uint8_t>>* outputs) {
  if (node.op != OpKind::kAdd) return unsupported(g.source + ": " + node.describe() + ": no kernel");
  if (outputs == nullptr) return Status::ok();
  const Value& a = g.value(node.inputs[0]);
  const Value& b = g.value(node.inputs[1]);
  const auto n = static_cast<size_t>(a.shape.num_elements().value_or(0));
  float* y = reinterpret_cast<float*>((*outputs)[0].data());
  for (size_t i = 0; i < n; ++i) y[i] = a.constant_as<float>()[i] + b.constant_as<float>()[i];
  return Status::ok();
}

TEST(ConstantFolding, ANodeOfConstantsBecomesAConstantAndGoes) {
  Graph g;
  g.source = "hand.onnx";
  const std::vector<float> one = {1, 2}, two = {10, 20};
  const int a = add_float(g, "a", Shape{2}, &one);
  const int b = add_float(g, "b", Shape{2}, &two);
  const int x = add_float(g, "x", Shape{2});
  g.inputs = {x};
  const int c = add_output(g, "c");
  const int y = add_output(g, "y");
  add_node(g, OpKind::kAdd, {a, b}, c, "folds");
  add_node(g, OpKind::kAdd, {c, x}, y, "stays");
  g.outputs = {y};
  auto stats = infer_and_fold_constants(g, evaluate_adds);
  ASSERT_TRUE(stats.is_ok()) << stats.status().message();
  EXPECT_EQ(stats->nodes, 1);
  EXPECT_EQ(stats->bytes, 2 * sizeof(float));
  ASSERT_EQ(g.nodes.size(), 1u);
  EXPECT_EQ(g.nodes[0].name, "stays");
  ASSERT_TRUE(g.value(c).is_constant());
  EXPECT_EQ(g.value(c).constant_as<float>()[1], 22.0f);
  EXPECT_EQ(g.value(y).shape, (Shape{2}));  // inferred
}

TEST(ConstantFolding, AGraphOutputStaysANodesOutput) {
  Graph g;
  g.source = "hand.onnx";
  const std::vector<float> one = {1, 2};
  const int a = add_float(g, "a", Shape{2}, &one);
  const int y = add_output(g, "y");
  add_node(g, OpKind::kAdd, {a, a}, y, "to_output");
  g.outputs = {y};
  auto stats = infer_and_fold_constants(g, evaluate_adds);
  ASSERT_TRUE(stats.is_ok()) << stats.status().message();
  EXPECT_EQ(stats->nodes, 0);
  EXPECT_EQ(g.nodes.size(), 1u);
  EXPECT_FALSE(g.value(y).is_constant());
}

TEST(ConstantFolding, EveryNodeThatCannotRunIsReportedAtOnce) {
  Graph g;
  g.source = "hand.onnx";
  const int x = add_float(g, "x", Shape{4});
  g.inputs = {x};
  int prev = x;
  // Two Relus and a Tanh nobody can run, with an Add between that can.
  const OpKind ops[] = {OpKind::kRelu, OpKind::kAdd, OpKind::kRelu, OpKind::kTanh};
  for (size_t i = 0; i < 4; ++i) {
    const int out = add_output(g, "v" + std::to_string(i));
    if (ops[i] == OpKind::kAdd)
      add_node(g, ops[i], {prev, prev}, out, "n" + std::to_string(i));
    else
      add_node(g, ops[i], {prev}, out, "n" + std::to_string(i));
    prev = out;
  }
  g.outputs = {prev};
  auto stats = infer_and_fold_constants(g, evaluate_adds);
  ASSERT_FALSE(stats.is_ok());
  EXPECT_EQ(stats.status().code(), StatusCode::kUnsupported);
  const std::string& m = stats.status().message();
  EXPECT_NE(m.find("3 nodes of 2 kinds cannot run"), std::string::npos) << m;
  EXPECT_NE(m.find("Relu x2"), std::string::npos) << m;
  EXPECT_NE(m.find("Tanh x1"), std::string::npos) << m;
  EXPECT_NE(m.find("'n0'"), std::string::npos) << m;  // the first Relu names itself
}

TEST(ConstantFolding, TheNodesOriginIsAppendedToItsErrors) {
  Graph g;
  g.source = "hand.onnx";
  const int x = add_float(g, "x", Shape{4});
  g.inputs = {x};
  const int y = add_output(g, "y");
  add_node(g, OpKind::kTanh, {x}, y, "t");
  g.nodes[0].origin = "ONNX op 'Tanh' (domain ai.onnx, opset 13) at hand.onnx: node 0 ('t')";
  g.outputs = {y};
  auto stats = infer_and_fold_constants(g, evaluate_adds);
  ASSERT_FALSE(stats.is_ok());
  EXPECT_NE(stats.status().message().find("[ONNX op 'Tanh' (domain ai.onnx, opset 13)"), std::string::npos)
      << stats.status().message();
}

}  // namespace
}  // namespace outpost
