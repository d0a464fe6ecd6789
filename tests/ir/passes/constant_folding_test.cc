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

namespace outpost {
namespace {

// x -> Add(x, x) -> NonZero (waits: its count is x's data) -> Add: the fold stops at NonZero,
// which and whose successors it leaves uninferred; the whole scope, with x bound, folds all.
TEST(ConstantFolding, ANodeWaitingForTheInputsDataStopsTheFoldThere) {
  Graph g;
  g.source = "hand.onnx";
  const std::vector<float> bias = {1, 1};
  const int x = add_float(g, "x", Shape{2});
  const int b = add_float(g, "b", Shape{2}, &bias);
  g.inputs = {x};
  const int doubled = add_output(g, "doubled");
  const int where = add_output(g, "where");
  add_node(g, OpKind::kAdd, {x, x}, doubled, "double");
  add_node(g, OpKind::kNonZero, {doubled}, where, "nonzero");
  const int after = add_output(g, "after");
  add_node(g, OpKind::kAdd, {b, b}, after, "constant_after");
  g.outputs = {where, after};
  const Graph unbound = g;
  auto stats = infer_and_fold_constants(g, evaluate_adds);
  ASSERT_TRUE(stats.is_ok()) << stats.status().message();
  EXPECT_EQ(stats->waiting_node, 1);
  EXPECT_EQ(g.shape_waits_for, doubled);
  ASSERT_EQ(g.nodes.size(), 3u);
  EXPECT_EQ(g.nodes[1].name, "nonzero");
  EXPECT_FALSE(g.value(after).is_constant());  // after the stop: left as it was

  // In the whole scope nothing waits; here the evaluator refuses NonZero, and says so.
  Graph bound = unbound;
  const std::vector<float> data = {0, 3};
  std::vector<uint8_t> bytes(sizeof(float) * 2);
  std::memcpy(bytes.data(), data.data(), bytes.size());
  set_owned_constant(bound.value(x), bytes);
  auto whole = infer_and_fold_constants(bound, evaluate_adds, FoldScope{true, 0});
  EXPECT_EQ(whole.status().code(), StatusCode::kUnsupported);
  EXPECT_NE(whole.status().message().find("NonZero"), std::string::npos) << whole.status().message();
  EXPECT_EQ(bound.value(where).shape, (Shape{1, 1}));  // inferred from the bound data
}

TEST(ConstantFolding, TheWholeScopeStopsAtItsByteLimit) {
  Graph g;
  g.source = "hand.onnx";
  const std::vector<float> four = {1, 2, 3, 4};
  const int a = add_float(g, "a", Shape{4}, &four);
  const int y = add_output(g, "y");
  add_node(g, OpKind::kAdd, {a, a}, y, "sixteen_bytes");
  g.outputs = {y};
  Graph roomy = g;
  auto over = infer_and_fold_constants(g, evaluate_adds, FoldScope{true, 15});
  EXPECT_EQ(over.status().code(), StatusCode::kUnsupported);
  EXPECT_NE(over.status().message().find("16 bytes"), std::string::npos) << over.status().message();
  auto fits = infer_and_fold_constants(roomy, evaluate_adds, FoldScope{true, 16});
  ASSERT_TRUE(fits.is_ok()) << fits.status().message();
  EXPECT_TRUE(roomy.value(y).is_constant());  // a graph output too, in this scope
  EXPECT_EQ(roomy.value(y).constant_as<float>()[3], 8.0f);
}

}  // namespace
}  // namespace outpost
