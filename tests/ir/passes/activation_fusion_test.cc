// The activation fusion pass on hand-built graphs: which Relu/Clip it folds into a Conv and which
// it must leave alone.
#include "ir/passes/activation_fusion.h"

#include <gtest/gtest.h>

#include <cstring>
#include <limits>

namespace outpost {
namespace {

int add(Graph& g, const std::string& name, DType dtype = DType::kFloat32) {
  Value v;
  v.name = name;
  v.dtype = dtype;
  v.shape = Shape({1, 2, 4, 4});
  return g.add_value(std::move(v));
}

int add_scalar(Graph& g, float x) {
  Value v;
  v.name = "bound";
  v.shape = Shape(std::vector<int64_t>{});
  std::vector<uint8_t> bytes(sizeof(float));
  std::memcpy(bytes.data(), &x, sizeof(float));
  set_owned_constant(v, std::move(bytes));
  return g.add_value(std::move(v));
}

Node node(OpKind op, std::vector<int> in, std::vector<int> out) {
  Node n;
  n.op = op;
  n.inputs = std::move(in);
  n.outputs = std::move(out);
  return n;
}

// x -> Conv -> c -> act -> y (graph output).
Graph conv_then(Node act_template, DType dtype = DType::kFloat32) {
  Graph g;
  const int x = add(g, "x", dtype), w = add(g, "w", dtype), c = add(g, "c", dtype),
            y = add(g, "y", dtype);
  g.inputs = {x};
  g.nodes.push_back(node(OpKind::kConv, {x, w}, {c}));
  act_template.inputs.insert(act_template.inputs.begin(), c);
  act_template.outputs = {y};
  g.nodes.push_back(act_template);
  g.outputs = {y};
  return g;
}

TEST(ActivationFusion, ReluFoldsIntoTheConvWhichWritesItsOutput) {
  Graph g = conv_then(node(OpKind::kRelu, {}, {}));
  EXPECT_EQ(fuse_activations(g), 1);
  ASSERT_EQ(g.nodes.size(), 1u);
  EXPECT_EQ(g.nodes[0].op, OpKind::kConv);
  EXPECT_EQ(g.nodes[0].outputs[0], g.outputs[0]);
  EXPECT_EQ(g.nodes[0].attrs.get_float("activation_min", -1.0f), 0.0f);
  EXPECT_EQ(g.nodes[0].attrs.get_float("activation_max", 0.0f),
            std::numeric_limits<float>::infinity());
}

TEST(ActivationFusion, ClipWithConstantBoundsFoldsAsReluSix) {
  Graph g;
  Node clip = node(OpKind::kClip, {}, {});
  g = conv_then(clip);
  // Clip's bounds (opset 13): inputs 1 and 2.
  const int lo = add_scalar(g, 0.0f), hi = add_scalar(g, 6.0f);
  g.nodes[1].inputs.push_back(lo);
  g.nodes[1].inputs.push_back(hi);
  EXPECT_EQ(fuse_activations(g), 1);
  ASSERT_EQ(g.nodes.size(), 1u);
  EXPECT_EQ(g.nodes[0].attrs.get_float("activation_min", -1.0f), 0.0f);
  EXPECT_EQ(g.nodes[0].attrs.get_float("activation_max", 0.0f), 6.0f);
}

TEST(ActivationFusion, LeavesAConvOutputThatOthersReadOrTheGraphReturns) {
  Graph g = conv_then(node(OpKind::kRelu, {}, {}));
  g.outputs.push_back(g.nodes[0].outputs[0]);  // the Conv's own output is wanted too
  EXPECT_EQ(fuse_activations(g), 0);
  EXPECT_EQ(g.nodes.size(), 2u);

  Graph h = conv_then(node(OpKind::kRelu, {}, {}));
  const int other = add(h, "other");
  h.nodes.push_back(node(OpKind::kRelu, {h.nodes[0].outputs[0]}, {other}));  // a second reader
  h.outputs.push_back(other);
  EXPECT_EQ(fuse_activations(h), 0);
  EXPECT_EQ(h.nodes.size(), 3u);
}

TEST(ActivationFusion, LeavesClipWithRuntimeBoundsAndOtherActivations) {
  Graph g = conv_then(node(OpKind::kClip, {}, {}));
  const int lo = add(g, "runtime_min");  // not a constant
  g.nodes[1].inputs.push_back(lo);
  EXPECT_EQ(fuse_activations(g), 0);

  Graph s = conv_then(node(OpKind::kLogistic, {}, {}));
  EXPECT_EQ(fuse_activations(s), 0);

  Graph d = conv_then(node(OpKind::kRelu, {}, {}), DType::kFloat64);
  EXPECT_EQ(fuse_activations(d), 0);
}

// A Conv from TFLite carries its fused activation by name; a Relu after one whose activation is
// none folds in as bounds (its kernels apply both), one after a RELU6 Conv stays a node.
TEST(ActivationFusion, ATfliteConvTakesAReluOnlyWithoutAFusedActivation) {
  Graph none = conv_then(node(OpKind::kRelu, {}, {}));
  none.nodes[0].attrs.set("activation", std::string("none"));
  EXPECT_EQ(fuse_activations(none), 1);
  EXPECT_EQ(none.nodes[0].attrs.get_float("activation_min", -1.0f), 0.0f);

  Graph relu6 = conv_then(node(OpKind::kRelu, {}, {}));
  relu6.nodes[0].attrs.set("activation", std::string("relu6"));
  EXPECT_EQ(fuse_activations(relu6), 0);
  EXPECT_EQ(relu6.nodes.size(), 2u);
  EXPECT_FALSE(relu6.nodes[0].attrs.has("activation_min"));
}

// x + y -> s -> act -> out (graph output).
Graph add_then(Node act_template) {
  Graph g;
  const int x = add(g, "x"), y = add(g, "y"), sum = add(g, "sum"), out = add(g, "out");
  g.inputs = {x, y};
  g.nodes.push_back(node(OpKind::kAdd, {x, y}, {sum}));
  act_template.inputs.insert(act_template.inputs.begin(), sum);
  act_template.outputs = {out};
  g.nodes.push_back(act_template);
  g.outputs = {out};
  return g;
}

TEST(ActivationFusion, AResidualAddTakesItsReluAsTfliteFusedActivation) {
  Graph g = add_then(node(OpKind::kRelu, {}, {}));
  EXPECT_EQ(fuse_activations(g), 1);
  ASSERT_EQ(g.nodes.size(), 1u);
  EXPECT_EQ(g.nodes[0].op, OpKind::kAdd);
  EXPECT_EQ(g.nodes[0].attrs.get_string("activation", "none"), "relu");
  EXPECT_EQ(g.nodes[0].outputs[0], g.outputs[0]);

  Graph six = add_then(node(OpKind::kClip, {}, {}));
  six.nodes[1].inputs.push_back(add_scalar(six, 0.0f));
  six.nodes[1].inputs.push_back(add_scalar(six, 6.0f));
  EXPECT_EQ(fuse_activations(six), 1);
  EXPECT_EQ(six.nodes[0].attrs.get_string("activation", "none"), "relu6");
}

TEST(ActivationFusion, AnAddKeepsAClampTfliteHasNoNameForOrASecondActivation) {
  Graph g = add_then(node(OpKind::kClip, {}, {}));
  g.nodes[1].inputs.push_back(add_scalar(g, 0.0f));
  g.nodes[1].inputs.push_back(add_scalar(g, 4.0f));  // no fused activation clamps to [0, 4]
  EXPECT_EQ(fuse_activations(g), 0);
  EXPECT_EQ(g.nodes.size(), 2u);

  Graph twice = add_then(node(OpKind::kRelu, {}, {}));
  twice.nodes[0].attrs.set("activation", std::string("relu6"));
  EXPECT_EQ(fuse_activations(twice), 0);
  EXPECT_EQ(twice.nodes[0].attrs.get_string("activation", "none"), "relu6");
}

// x -> HardSigmoid(alpha, beta) -> gate; Mul(x, gate) -> out.
Graph hard_swish_graph(float alpha, float beta) {
  Graph g;
  const int x = add(g, "x"), gate = add(g, "gate"), out = add(g, "out");
  g.inputs = {x};
  Node hs = node(OpKind::kHardSigmoid, {x}, {gate});
  hs.attrs.set("alpha", alpha);
  hs.attrs.set("beta", beta);
  g.nodes.push_back(hs);
  g.nodes.push_back(node(OpKind::kMul, {gate, x}, {out}));
  g.outputs = {out};
  return g;
}

TEST(ActivationFusion, XTimesItsHardSigmoidBecomesHardSwish) {
  Graph g = hard_swish_graph(1.0f / 6.0f, 0.5f);
  EXPECT_EQ(fuse_activations(g), 1);
  ASSERT_EQ(g.nodes.size(), 1u);
  EXPECT_EQ(g.nodes[0].op, OpKind::kHardSwish);
  EXPECT_EQ(g.nodes[0].inputs, std::vector<int>{g.inputs[0]});
  EXPECT_EQ(g.nodes[0].outputs[0], g.outputs[0]);
}

TEST(ActivationFusion, OtherHardSigmoidsAndSharedGatesStay) {
  Graph onnx_default = hard_swish_graph(0.2f, 0.5f);  // not hardswish's constants
  EXPECT_EQ(fuse_activations(onnx_default), 0);
  EXPECT_EQ(onnx_default.nodes.size(), 2u);

  Graph shared = hard_swish_graph(1.0f / 6.0f, 0.5f);
  shared.outputs.push_back(shared.nodes[0].outputs[0]);  // the gate is wanted too
  EXPECT_EQ(fuse_activations(shared), 0);
  EXPECT_EQ(shared.nodes[1].op, OpKind::kMul);
}

TEST(ActivationFusion, AChainOfTwoActivationsFoldsOnlyTheFirst) {
  Graph g = conv_then(node(OpKind::kRelu, {}, {}));
  const int again = add(g, "again");
  g.nodes.push_back(node(OpKind::kRelu, {g.outputs[0]}, {again}));
  g.outputs = {again};
  EXPECT_EQ(fuse_activations(g), 1);
  ASSERT_EQ(g.nodes.size(), 2u);
  EXPECT_EQ(g.nodes[1].op, OpKind::kRelu);
  EXPECT_EQ(g.nodes[1].inputs[0], g.nodes[0].outputs[0]);
}

// x -> Conv -> c; Sigmoid(c) -> s; Mul(c, s) -> y.
Graph conv_silu() {
  Graph g;
  const int x = add(g, "x"), w = add(g, "w"), c = add(g, "c"), sg = add(g, "s"), y = add(g, "y");
  g.inputs = {x};
  g.nodes.push_back(node(OpKind::kConv, {x, w}, {c}));
  g.nodes.push_back(node(OpKind::kLogistic, {c}, {sg}));
  g.nodes.push_back(node(OpKind::kMul, {c, sg}, {y}));
  g.outputs = {y};
  return g;
}

TEST(ActivationFusion, SiluFoldsIntoAConvWhoseBackendAppliesIt) {
  Graph g = conv_silu();
  EXPECT_EQ(fuse_activations(g, [](const Node&, const Graph&) { return true; }), 2);
  ASSERT_EQ(g.nodes.size(), 1u);
  EXPECT_EQ(g.nodes[0].attrs.get_int("swish", 0), 1);
  EXPECT_EQ(g.nodes[0].outputs[0], g.outputs[0]);

  Graph refused = conv_silu();
  EXPECT_EQ(fuse_activations(refused, [](const Node&, const Graph&) { return false; }), 0);
  EXPECT_EQ(refused.nodes.size(), 3u);
  Graph no_backend = conv_silu();
  EXPECT_EQ(fuse_activations(no_backend), 0);

  Graph also_read = conv_silu();  // the convolution's own output leaves the graph too
  also_read.outputs.push_back(also_read.nodes[0].outputs[0]);
  EXPECT_EQ(fuse_activations(also_read, [](const Node&, const Graph&) { return true; }), 0);
}

}  // namespace
}  // namespace outpost
