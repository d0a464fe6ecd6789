// Structured channel pruning on hand-built graphs: which chains prune (a Conv into a Conv, through
// activations and a depthwise Conv) and which do not, the channels kept (the strongest filters,
// rounded up to a multiple of 8), and that a model whose weak channels were already zero computes
// exactly what it did once they are gone.
#include "formats/onnx/onnx_channel_pruner.h"

#include <gtest/gtest.h>

#include <cmath>

#include "formats/onnx/onnx_qdq_writer.h"  // parse_onnx_model
#include "optimize/onnx_model_builder.h"
#include "outpost/session.h"

namespace outpost {
namespace {

using testing::ModelBuilder;

onnx::TensorProto* initializer(ModelBuilder& b, const std::string& name) {
  for (auto& t : *b.graph().mutable_initializer())
    if (t.name() == name) return &t;
  return nullptr;
}

// Zeroes the filters (and bias) of the producer's output channels below `strong` in `w` [M, ...]:
// those channels are then the weakest, and contribute nothing.
void zero_weak_channels(ModelBuilder& b, const std::string& w, const std::string& bias, int64_t strong) {
  onnx::TensorProto* t = initializer(b, w);
  const int64_t per = t->float_data_size() / t->dims(0);
  for (int64_t c = 0; c < strong; ++c)
    for (int64_t i = 0; i < per; ++i) t->set_float_data(static_cast<int>(c * per + i), 0.0f);
  onnx::TensorProto* bt = initializer(b, bias);
  for (int64_t c = 0; c < strong && bt; ++c) bt->set_float_data(static_cast<int>(c), 0.0f);
}

// x [1,4,6,6] -> Conv 3x3 (16, bias) -> Relu -> Conv 1x1 (8, bias) -> y
ModelBuilder conv_relu_conv() {
  ModelBuilder b;
  b.input("x", {1, 4, 6, 6});
  b.weights("w1", {16, 4, 3, 3});
  b.weights("b1", {16}, 0.1f);
  b.weights("w2", {8, 16, 1, 1});
  b.weights("b2", {8}, 0.1f);
  auto* c1 = b.node("Conv", "conv1", {"x", "w1", "b1"}, {"c1"});
  ModelBuilder::ints_attribute(c1, "pads", {1, 1, 1, 1});
  b.node("Relu", "relu", {"c1"}, {"r1"});
  b.node("Conv", "conv2", {"r1", "w2", "b2"}, {"y"});
  b.output("y", {1, 8, 6, 6});
  return b;
}

// x [1,3,6,6] -> Conv 1x1 (16) -> Clip -> depthwise 3x3 (16) -> Clip -> Conv 1x1 (8) -> y
ModelBuilder inverted_residual() {
  ModelBuilder b;
  b.input("x", {1, 3, 6, 6});
  b.weights("we", {16, 3, 1, 1});
  b.weights("be", {16}, 0.1f);
  b.weights("wd", {16, 1, 3, 3});
  b.weights("bd", {16}, 0.1f);
  b.weights("wp", {8, 16, 1, 1});
  b.scalar("lo", 0.0f);
  b.scalar("hi", 6.0f);
  b.node("Conv", "expand", {"x", "we", "be"}, {"e"});
  b.node("Clip", "clip1", {"e", "lo", "hi"}, {"e6"});
  auto* d = b.node("Conv", "depthwise", {"e6", "wd", "bd"}, {"d"});
  ModelBuilder::int_attribute(d, "group", 16);
  ModelBuilder::ints_attribute(d, "pads", {1, 1, 1, 1});
  b.node("Clip", "clip2", {"d", "lo", "hi"}, {"d6"});
  b.node("Conv", "project", {"d6", "wp"}, {"y"});
  b.output("y", {1, 8, 6, 6});
  return b;
}

std::vector<float> run(const std::string& bytes) {
  auto s = testing::open_onnx_bytes(bytes, "p.onnx");
  EXPECT_TRUE(s.is_ok()) << s.status().message();
  if (!s.is_ok()) return {};
  Tensor& x = (*s)->input(0);
  for (int64_t i = 0; i < x.num_elements(); ++i) x.data_as<float>()[i] = std::sin(0.37f * static_cast<float>(i));
  EXPECT_TRUE((*s)->run().is_ok());
  const Tensor& y = (*s)->output(0);
  return std::vector<float>(y.data_as<float>(), y.data_as<float>() + y.num_elements());
}

void expect_same_outputs(const std::vector<float>& a, const std::vector<float>& b) {
  ASSERT_EQ(a.size(), b.size());
  float largest = 0;
  for (float v : a) largest = std::max(largest, std::fabs(v));
  for (size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a[i], b[i], 1e-4f * largest) << i;
}

// The model pruned at `sparsity` (one chain expected), parsed back.
onnx::ModelProto pruned_once(const ModelBuilder& b, double sparsity, OnnxPruneSummary& summary, std::string& bytes) {
  auto pruned = prune_onnx_channels(b.model(), sparsity, "m.onnx", &summary);
  EXPECT_TRUE(pruned.is_ok()) << pruned.status().message();
  onnx::ModelProto m;
  if (!pruned.is_ok()) return m;
  bytes = *pruned;
  EXPECT_TRUE(parse_onnx_model(bytes, "p.onnx", m).is_ok());
  EXPECT_EQ(summary.chains.size(), 1u);
  return m;
}

int64_t dim(const onnx::ModelProto& m, const std::string& name, int k) {
  for (const auto& t : m.graph().initializer())
    if (t.name() == name) return t.dims(k);
  return -1;
}

TEST(OnnxChannelPruner, RemovesTheWeakestChannelsOfAConvIntoAConvAndComputesTheSame) {
  ModelBuilder b = conv_relu_conv();
  zero_weak_channels(b, "w1", "b1", 8);
  std::string original, bytes;
  b.model().SerializeToString(&original);
  OnnxPruneSummary summary;
  const onnx::ModelProto pruned = pruned_once(b, 0.5, summary, bytes);
  ASSERT_EQ(summary.chains.size(), 1u);
  EXPECT_EQ(summary.chains[0].producer, "Conv 'conv1'");
  EXPECT_EQ(summary.chains[0].reader, "Conv 'conv2'");
  EXPECT_EQ(summary.chains[0].channels_before, 16);
  EXPECT_EQ(summary.chains[0].channels_after, 8);
  EXPECT_EQ(summary.parameters_before, 16 * 4 * 9 + 8 * 16);
  EXPECT_EQ(summary.parameters_after, 8 * 4 * 9 + 8 * 8);
  EXPECT_EQ(dim(pruned, "w1", 0), 8);
  EXPECT_EQ(dim(pruned, "b1", 0), 8);
  EXPECT_EQ(dim(pruned, "w2", 1), 8);
  EXPECT_EQ(dim(pruned, "w2", 0), 8);  // the reader's own outputs stay
  // The channels removed were the zero ones: the model computes what it did.
  expect_same_outputs(run(original), run(bytes));
}

TEST(OnnxChannelPruner, PrunesADepthwiseConvolutionInTheChainWithItsGroups) {
  ModelBuilder b = inverted_residual();
  zero_weak_channels(b, "we", "be", 8);
  zero_weak_channels(b, "wd", "bd", 8);
  std::string original, bytes;
  b.model().SerializeToString(&original);
  OnnxPruneSummary summary;
  const onnx::ModelProto pruned = pruned_once(b, 0.5, summary, bytes);
  ASSERT_EQ(summary.chains.size(), 1u);
  EXPECT_EQ(summary.chains[0].depthwise, "Conv 'depthwise'");
  EXPECT_EQ(dim(pruned, "wd", 0), 8);
  int64_t group = 0;
  for (const auto& n : pruned.graph().node()) {
    if (n.name() != "depthwise") continue;
    for (const auto& a : n.attribute())
      if (a.name() == "group") group = a.i();
  }
  EXPECT_EQ(group, 8);
  expect_same_outputs(run(original), run(bytes));
}

TEST(OnnxChannelPruner, KeepsAMultipleOf8AndAtLeast8) {
  ModelBuilder b = conv_relu_conv();
  OnnxPruneSummary summary;
  ASSERT_TRUE(prune_onnx_channels(b.model(), 0.9, "m.onnx", &summary).is_ok());
  EXPECT_EQ(summary.chains[0].channels_after, 8);  // ceil(1.6) rounded up to 8
  // 16 channels at 0.25: 12 rounded up to 16 = all of them: nothing to prune.
  auto none = prune_onnx_channels(b.model(), 0.25, "m.onnx", &summary);
  ASSERT_FALSE(none.is_ok());
  EXPECT_EQ(none.status().code(), StatusCode::kUnsupported);
}

TEST(OnnxChannelPruner, AConvWhoseOutputIsReadElsewhereIsNotPrunedAndTheReasonIsGiven) {
  ModelBuilder b = conv_relu_conv();
  b.output("r1", {1, 16, 6, 6});  // the activation is a graph output too
  auto bytes = prune_onnx_channels(b.model(), 0.5, "m.onnx");
  ASSERT_FALSE(bytes.is_ok());
  EXPECT_EQ(bytes.status().code(), StatusCode::kUnsupported);
  EXPECT_NE(bytes.status().message().find("Conv 'conv1'"), std::string::npos) << bytes.status().message();
  EXPECT_NE(bytes.status().message().find("graph output"), std::string::npos) << bytes.status().message();
}

TEST(OnnxChannelPruner, ASparsityOutsideZeroToOneIsAUsageError) {
  ModelBuilder b = conv_relu_conv();
  for (double s : {0.0, 1.0, -0.5, 1.5}) {
    auto bytes = prune_onnx_channels(b.model(), s, "m.onnx");
    ASSERT_FALSE(bytes.is_ok()) << s;
    EXPECT_EQ(bytes.status().code(), StatusCode::kUsage) << s;
  }
}

}  // namespace
}  // namespace outpost
