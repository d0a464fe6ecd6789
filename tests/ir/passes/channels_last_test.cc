// The layout pass: a small ONNX graph with every kind of node the pass converts (convolutions,
// a strided ceil-mode MaxPool, activations, a residual Add with a per-channel constant, a Concat
// on channels, a GlobalAveragePool) and the nodes it must not (Flatten, a graph output taken
// from the middle). The fast backends must compute what the reference backend does, with a
// transpose only where the layouts meet.
#include "ir/passes/channels_last.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <memory>
#include <random>

#include "backends/backend.h"
#include "formats/onnx/onnx_model_builder.h"
#include "ir/channels_last.h"
#include "outpost/session.h"

namespace outpost {
namespace {

using namespace testing;  // NOLINT: the model builder

std::vector<float> random_values(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

onnx::NodeProto* add_conv(onnx::ModelProto& m, const std::string& x, const std::string& y,
                          int64_t in_c, int64_t out_c, int64_t k, int64_t group, uint32_t seed) {
  add_float_initializer(m, y + ".w", {out_c, in_c / group, k, k},
                        random_values(static_cast<size_t>(out_c * in_c / group * k * k), seed));
  add_float_initializer(m, y + ".b", {out_c}, random_values(static_cast<size_t>(out_c), seed + 1));
  auto* n = add_node(m, "Conv", {x, y + ".w", y + ".b"}, {y});
  set_ints_attr(n, "pads", {k / 2, k / 2, k / 2, k / 2});
  set_int_attr(n, "group", group);
  return n;
}

// x [1, 3, 14, 12] -> conv 3x3 -> relu -> maxpool 3x3 s2 ceil -> (depthwise conv -> clip)
// + per-channel constant -> concat with the pool's output -> conv 1x1 -> sigmoid -> GAP ->
// flatten -> y;  the pool's output is also a graph output.
std::shared_ptr<std::vector<uint8_t>> layout_model() {
  onnx::ModelProto m = onnx_model(13);
  add_input(m, "x", {1, 3, 14, 12});
  add_conv(m, "x", "c1", 3, 8, 3, 1, 1);
  add_node(m, "Relu", {"c1"}, {"r1"});
  auto* pool = add_node(m, "MaxPool", {"r1"}, {"p1"});
  set_ints_attr(pool, "kernel_shape", {3, 3});
  set_ints_attr(pool, "strides", {2, 2});
  set_int_attr(pool, "ceil_mode", 1);
  add_conv(m, "p1", "d1", 8, 8, 3, 8, 3);
  add_float_initializer(m, "lo", {}, {0.0f});
  add_float_initializer(m, "hi", {}, {0.5f});
  add_node(m, "Clip", {"d1", "lo", "hi"}, {"k1"});
  add_float_initializer(m, "shift", {8, 1, 1}, random_values(8, 5));
  add_node(m, "Add", {"k1", "shift"}, {"a1"});
  auto* cat = add_node(m, "Concat", {"a1", "p1"}, {"cat"});
  set_int_attr(cat, "axis", 1);
  add_conv(m, "cat", "c2", 16, 6, 1, 1, 7);
  add_node(m, "Sigmoid", {"c2"}, {"s2"});
  add_node(m, "GlobalAveragePool", {"s2"}, {"g"});
  add_node(m, "Flatten", {"g"}, {"y"});
  add_output(m, "y");
  add_output(m, "p1");
  return std::make_shared<std::vector<uint8_t>>(serialize(m));
}

std::unique_ptr<Session> open(const std::shared_ptr<std::vector<uint8_t>>& bytes, const std::string& backend) {
  SessionOptions options;
  options.backend = backend;
  options.threads = 1;
  auto s = Session::open_buffer(bytes->data(), bytes->size(), bytes, "layout.onnx", options);
  EXPECT_TRUE(s.is_ok()) << s.status().message();
  return s.is_ok() ? std::move(s.value()) : nullptr;
}

void run_on(Session& s) {
  const std::vector<float> x = random_values(3 * 14 * 12, 11);  // layout_model's input
  std::memcpy(s.input(0).data(), x.data(), x.size() * sizeof(float));
  ASSERT_TRUE(s.run().is_ok());
}

float max_gap(const Tensor& a, const Tensor& b) {
  float gap = 0;
  const float* pa = static_cast<const float*>(a.data());
  const float* pb = static_cast<const float*>(b.data());
  for (int64_t i = 0; i < a.num_elements(); ++i) gap = std::max(gap, std::fabs(pa[i] - pb[i]));
  return gap;
}

TEST(ChannelsLast, FastBackendsComputeWhatTheReferenceDoesWithTransposesOnlyAtTheEdges) {
  auto bytes = layout_model();
  auto ref = open(bytes, "ref");
  ASSERT_TRUE(ref);
  run_on(*ref);
  for (const std::string backend : {"auto", "xnnpack", "onednn"}) {
    SCOPED_TRACE(backend);
    if (backend != "auto" && !find_backend(backend)) continue;  // not built in
    auto fast = open(bytes, backend);
    ASSERT_TRUE(fast);
    run_on(*fast);
    ASSERT_EQ(fast->num_outputs(), 2u);
    for (size_t o = 0; o < 2; ++o) {
      EXPECT_EQ(fast->output(o).shape(), ref->output(o).shape());
      EXPECT_LT(max_gap(fast->output(o), ref->output(o)), 1e-5f) << "output " << o;
    }
    if (backend == "onednn") continue;  // without XNNPACK, the grouped conv and pools stay NCHW
    // x to NHWC; the pool's output back to NCHW for the graph output; the GAP's for Flatten.
    EXPECT_EQ(fast->stats().layout_transposes, 3);
    // 3 convs, pool, add, concat, sigmoid, GAP (the Relu and the Clip fold into their convs).
    EXPECT_EQ(fast->stats().channels_last_nodes, 8);
  }
  EXPECT_EQ(ref->stats().channels_last_nodes, 0);
}

// ShuffleNet's block: a channel shuffle (Reshape, Transpose, Reshape), a Slice of half the
// channels, a convolution, a mean over H and W.
std::shared_ptr<std::vector<uint8_t>> shuffle_model() {
  onnx::ModelProto m = onnx_model(13);
  add_input(m, "x", {1, 3, 6, 5});
  add_conv(m, "x", "c1", 3, 8, 3, 1, 21);
  add_int64_initializer(m, "split", {5}, {1, 2, 4, 6, 5});
  add_node(m, "Reshape", {"c1", "split"}, {"r1"});
  auto* t = add_node(m, "Transpose", {"r1"}, {"t1"});
  set_ints_attr(t, "perm", {0, 2, 1, 3, 4});
  add_int64_initializer(m, "merge", {4}, {1, 8, 6, 5});
  add_node(m, "Reshape", {"t1", "merge"}, {"shuffled"});
  add_int64_initializer(m, "starts", {1}, {4});
  add_int64_initializer(m, "ends", {1}, {8});
  add_int64_initializer(m, "axes", {1}, {1});
  add_node(m, "Slice", {"shuffled", "starts", "ends", "axes"}, {"half"});
  add_conv(m, "half", "c2", 4, 6, 1, 1, 23);
  auto* mean = add_node(m, "ReduceMean", {"c2"}, {"y"});
  set_ints_attr(mean, "axes", {2, 3});
  set_int_attr(mean, "keepdims", 0);
  add_output(m, "y");
  return std::make_shared<std::vector<uint8_t>>(serialize(m));
}

TEST(ChannelsLast, AChannelShuffleASliceAndASpatialMeanStayChannelsLast) {
  auto bytes = shuffle_model();
  auto ref = open(bytes, "ref");
  auto fast = open(bytes, "auto");
  ASSERT_TRUE(ref && fast);
  const std::vector<float> x = random_values(3 * 6 * 5, 29);
  for (Session* s : {ref.get(), fast.get()}) {
    std::memcpy(s->input(0).data(), x.data(), x.size() * sizeof(float));
    ASSERT_TRUE(s->run().is_ok());
  }
  EXPECT_EQ(fast->output(0).shape(), Shape({1, 6}));
  EXPECT_LT(max_gap(fast->output(0), ref->output(0)), 1e-5f);
  EXPECT_EQ(fast->stats().layout_transposes, 1);  // x to NHWC, and nothing else
}

// The pass by itself: a graph whose only layout-sensitive node the backends refuse is left as
// it was.
// TFLite's pools (and, next, its convolutions) import NHWC (channels_last 1): the pass has
// nothing to convert, even when a backend takes them, and their NHWC values stay as they are.
TEST(ChannelsLast, NodesImportedChannelsLastAreLeftAlone) {
  Graph g;
  Value x, w, c, y;
  x.name = "x";
  x.shape = Shape({1, 4, 4, 2});
  w.name = "w";
  w.shape = Shape({2, 2, 1, 1});
  set_owned_constant(w, std::vector<uint8_t>(16, 0));
  c = x;
  c.name = "c";
  y.name = "y";
  y.shape = Shape({1, 2, 2, 2});
  const int xi = g.add_value(x), wi = g.add_value(w), ci = g.add_value(c), yi = g.add_value(y);
  Node conv;
  conv.op = OpKind::kConv;
  conv.attrs.set("channels_last", int64_t{1});
  conv.inputs = {xi, wi};
  conv.outputs = {ci};
  g.nodes.push_back(conv);
  Node pool;
  pool.op = OpKind::kMaxPool;
  pool.attrs.set("kernel_shape", std::vector<int64_t>{2, 2});
  pool.attrs.set("strides", std::vector<int64_t>{2, 2});
  pool.attrs.set("channels_last", int64_t{1});
  pool.inputs = {ci};
  pool.outputs = {yi};
  g.nodes.push_back(pool);
  g.inputs = {xi};
  g.outputs = {yi};
  const ChannelsLastStats stats =
      convert_to_channels_last(g, [](const Node&, const Graph&) { return true; });
  EXPECT_EQ(stats.nodes, 0);
  EXPECT_EQ(stats.transposes, 0);
  ASSERT_EQ(g.nodes.size(), 2u);
  EXPECT_EQ(g.nodes[0].inputs, (std::vector<int>{xi, wi}));
  EXPECT_EQ(g.nodes[1].inputs, std::vector<int>{ci});
  EXPECT_EQ(g.value(ci).shape, Shape({1, 4, 4, 2}));
  EXPECT_EQ(g.value(yi).shape, Shape({1, 2, 2, 2}));
}

TEST(ChannelsLast, NothingChangesWhenNoBackendTakesAConvolution) {
  Graph g;
  Value x, y, w;
  x.name = "x";
  x.shape = Shape({1, 2, 4, 4});
  y = x;
  y.name = "y";
  w.name = "w";
  w.shape = Shape({2, 2, 1, 1});
  set_owned_constant(w, std::vector<uint8_t>(16, 0));
  const int xi = g.add_value(x), wi = g.add_value(w), yi = g.add_value(y);
  Node conv;
  conv.op = OpKind::kConv;
  conv.inputs = {xi, wi};
  conv.outputs = {yi};
  g.nodes.push_back(conv);
  Node relu;
  relu.op = OpKind::kRelu;
  const int zi = g.add_value(y);
  relu.inputs = {yi};
  relu.outputs = {zi};
  g.nodes.push_back(relu);
  g.inputs = {xi};
  g.outputs = {zi};
  const ChannelsLastStats stats = convert_to_channels_last(g, [](const Node&, const Graph&) { return false; });
  EXPECT_EQ(stats.nodes, 0);
  EXPECT_EQ(stats.transposes, 0);
  ASSERT_EQ(g.nodes.size(), 2u);
  EXPECT_FALSE(is_channels_last(g.nodes[0]));
  EXPECT_EQ(g.value(yi).shape, Shape({1, 2, 4, 4}));

  // Taken: the conv and the relu go channels-last, the input and the output get a transpose.
  const ChannelsLastStats taken = convert_to_channels_last(g, [](const Node&, const Graph&) { return true; });
  EXPECT_EQ(taken.nodes, 2);
  EXPECT_EQ(taken.transposes, 2);
  ASSERT_EQ(g.nodes.size(), 4u);
  EXPECT_EQ(g.nodes[0].op, OpKind::kTranspose);
  EXPECT_TRUE(is_channels_last(g.nodes[1]));
  EXPECT_EQ(g.value(yi).shape, Shape({1, 4, 4, 2}));
  EXPECT_EQ(g.nodes[3].op, OpKind::kTranspose);
  EXPECT_EQ(g.nodes[3].outputs[0], zi);
  EXPECT_EQ(g.value(zi).shape, Shape({1, 2, 4, 4}));
}

namespace qdq {

int scalar_constant(Graph& g, const std::string& name, DType dtype, const std::vector<uint8_t>& bytes,
                    Shape shape = Shape{}) {
  Value v;
  v.name = name;
  v.dtype = dtype;
  v.shape = std::move(shape);
  set_owned_constant(v, bytes);
  return g.add_value(std::move(v));
}

// x [1, 2, 4, 4] -> Conv -> Quantize (int8) -> Dequantize -> z, the conversions' scale and zero
// point as operands (ONNX's form); `per_axis`: two scales along the channels instead of one.
Graph conv_then_conversions(bool per_axis) {
  Graph g;
  Value x;
  x.name = "x";
  x.shape = Shape({1, 2, 4, 4});
  Value w;
  w.name = "w";
  w.shape = Shape({2, 2, 1, 1});
  set_owned_constant(w, std::vector<uint8_t>(16, 0));
  const int xi = g.add_value(x), wi = g.add_value(w);
  Value y = x;
  y.name = "y";
  const int yi = g.add_value(y);
  const float half = 0.5f;
  std::vector<uint8_t> scale(sizeof half);
  std::memcpy(scale.data(), &half, sizeof half);
  const int si = per_axis ? scalar_constant(g, "s", DType::kFloat32, {0, 0, 0, 63, 0, 0, 0, 63}, Shape{2})
                          : scalar_constant(g, "s", DType::kFloat32, scale);
  const int zi = per_axis ? scalar_constant(g, "zp", DType::kInt8, {3, 3}, Shape{2})
                          : scalar_constant(g, "zp", DType::kInt8, {3});
  Value q = x;
  q.name = "q";
  q.dtype = DType::kInt8;
  const int qi = g.add_value(q);
  Value z = x;
  z.name = "z";
  const int out = g.add_value(z);
  Node conv;
  conv.op = OpKind::kConv;
  conv.inputs = {xi, wi};
  conv.outputs = {yi};
  Node quantize;
  quantize.op = OpKind::kQuantize;
  quantize.inputs = {yi, si, zi};
  quantize.outputs = {qi};
  Node dequantize;
  dequantize.op = OpKind::kDequantize;
  dequantize.inputs = {qi, si, zi};
  dequantize.outputs = {out};
  if (per_axis) {
    quantize.attrs.set("axis", int64_t{1});
    dequantize.attrs.set("axis", int64_t{1});
  }
  g.nodes = {conv, quantize, dequantize};
  g.inputs = {xi};
  g.outputs = {out};
  return g;
}

}  // namespace qdq

TEST(ChannelsLast, PerTensorQuantizeAndDequantizeKeepTheirInputsLayout) {
  Graph g = qdq::conv_then_conversions(false);
  const ChannelsLastStats stats = convert_to_channels_last(g, [](const Node&, const Graph&) { return true; });
  // The conv and both conversions; a transpose into the conv and one out of the Dequantize.
  EXPECT_EQ(stats.nodes, 3);
  EXPECT_EQ(stats.transposes, 2);
  ASSERT_EQ(g.nodes.size(), 5u);
  EXPECT_EQ(g.nodes[2].op, OpKind::kQuantize);
  EXPECT_EQ(g.value(g.nodes[2].outputs[0]).shape, Shape({1, 4, 4, 2}));
  EXPECT_EQ(g.nodes[3].op, OpKind::kDequantize);
  EXPECT_EQ(g.nodes[4].op, OpKind::kTranspose);
}

TEST(ChannelsLast, PerAxisQuantizeStaysInItsLayout) {
  Graph g = qdq::conv_then_conversions(true);
  const ChannelsLastStats stats = convert_to_channels_last(g, [](const Node&, const Graph&) { return true; });
  // Its axis 1 is the channels of NCHW: the conv's output goes back to NCHW before it.
  EXPECT_EQ(stats.nodes, 1);
  EXPECT_EQ(stats.transposes, 2);
  ASSERT_EQ(g.nodes.size(), 5u);
  EXPECT_EQ(g.nodes[2].op, OpKind::kTranspose);
  EXPECT_EQ(g.value(g.nodes[3].outputs[0]).shape, Shape({1, 2, 4, 4}));
}

}  // namespace
}  // namespace outpost
