// TFLite's CONV_2D and DEPTHWISE_CONV_2D and ONNX's Conv import to the one IR op Conv
// (docs/ops.md): TFLite's over NHWC (`channels_last` 1) with its weights where the file holds
// them (`weights_layout` OHWI or 1HWO, ir/conv_weights.h), its window as ONNX's attributes.
#include <gtest/gtest.h>

#include "formats/onnx/onnx_importer.h"
#include "formats/onnx/onnx_model_builder.h"
#include "formats/tflite/tflite_importer.h"
#include "outpost/session.h"
#include "support/tflite_builder.h"

namespace outpost {
namespace {

using testing::build_tflite;
using testing::bytes_of;
using testing::TfModelSpec;

constexpr int32_t kTfliteConv2D = 3, kTfliteDepthwiseConv2D = 4;
constexpr uint8_t kConv2DOptions = 1, kDepthwiseConv2DOptions = 2;

// x [1, 5, 4, 3] -> CONV_2D(weights OHWI [2, 3, 3, 3] of ones, bias [0, -100]), SAME, stride
// h 2, w 1, RELU -> y [1, 3, 4, 2].
TfModelSpec conv_2d() {
  TfModelSpec spec;
  spec.tensors = {{{1, 5, 4, 3}, 0, 0, "x"},
                  {{2, 3, 3, 3}, 0, 1, "w"},
                  {{2}, 0, 2, "bias"},
                  {{1, 3, 4, 2}, 0, 0, "y"}};
  spec.buffers = {bytes_of(std::vector<float>(54, 1.0f)), bytes_of(std::vector<float>{0, -100})};
  testing::TfOperatorSpec op;
  op.builtin_code = kTfliteConv2D;
  op.inputs = {0, 1, 2};
  op.outputs = {3};
  op.options_type = kConv2DOptions;
  // padding SAME (0), stride_w 1, stride_h 2, RELU (1), dilations 1.
  op.options = {{0, 1, 0}, {1, 4, 1}, {2, 4, 2}, {3, 1, 1}, {4, 4, 1}, {5, 4, 1}};
  spec.operators = {op};
  spec.inputs = {0};
  spec.outputs = {3};
  return spec;
}

// x [1, 3, 3, 2] -> DEPTHWISE_CONV_2D(weights [1, 2, 2, 4], depth multiplier 2), VALID ->
// y [1, 2, 2, 4].
TfModelSpec depthwise_conv_2d() {
  TfModelSpec spec;
  spec.tensors = {{{1, 3, 3, 2}, 0, 0, "x"}, {{1, 2, 2, 4}, 0, 1, "w"}, {{1, 2, 2, 4}, 0, 0, "y"}};
  spec.buffers = {bytes_of(std::vector<float>(16, 0.5f))};
  testing::TfOperatorSpec op;
  op.builtin_code = kTfliteDepthwiseConv2D;
  op.inputs = {0, 1, -1};
  op.outputs = {2};
  op.options_type = kDepthwiseConv2DOptions;
  // padding VALID (1), strides 1, depth_multiplier 2, no activation, dilations 1.
  op.options = {{0, 1, 1}, {1, 4, 1}, {2, 4, 1}, {3, 4, 2}, {4, 1, 0}, {5, 4, 1}, {6, 4, 1}};
  spec.operators = {op};
  spec.inputs = {0};
  spec.outputs = {2};
  return spec;
}

Result<Graph> import_spec(const TfModelSpec& spec) {
  auto bytes = std::make_shared<std::vector<uint8_t>>(build_tflite(spec));
  return import_tflite(bytes->data(), bytes->size(), bytes, "conv.tflite");
}

// Runs the model on x of ones.
std::vector<float> run_ones(const TfModelSpec& spec, const std::string& backend) {
  auto owned = std::make_shared<std::vector<uint8_t>>(build_tflite(spec));
  SessionOptions options;
  options.backend = backend;
  auto session = Session::open_buffer(owned->data(), owned->size(), owned, "conv.tflite", options);
  EXPECT_TRUE(session.is_ok()) << session.status().message();
  if (!session.is_ok()) return {};
  Tensor& x = (*session)->input(0);
  for (int64_t i = 0; i < x.num_elements(); ++i) x.data_as<float>()[i] = 1.0f;
  const Status ran = (*session)->run();
  EXPECT_TRUE(ran.is_ok()) << ran.message();
  const Tensor& y = (*session)->output(0);
  return std::vector<float>(y.data_as<float>(), y.data_as<float>() + y.num_elements());
}

TEST(ConvImport, Conv2DIsAChannelsLastConvWithOhwiWeights) {
  const auto g = import_spec(conv_2d());
  ASSERT_TRUE(g.is_ok()) << g.status().message();
  ASSERT_EQ(g.value().nodes.size(), 1u);
  const Node& n = g.value().nodes[0];
  EXPECT_EQ(n.op, OpKind::kConv);
  EXPECT_EQ(n.attrs.get_int("channels_last", 0), 1);
  EXPECT_EQ(n.attrs.get_string("weights_layout", ""), "OHWI");
  EXPECT_EQ(n.attrs.get_int("group", 0), 1);
  EXPECT_EQ(n.attrs.get_ints("strides"), (std::vector<int64_t>{2, 1}));
  EXPECT_EQ(n.attrs.get_ints("dilations"), (std::vector<int64_t>{1, 1}));
  EXPECT_EQ(n.attrs.get_string("auto_pad", ""), "SAME_UPPER");
  EXPECT_EQ(n.attrs.get_string("activation", ""), "relu");
  // SAME pads H 5 (stride 2) and W 4 by one on each side: pixel (0, 0) sees 2 x 2 taps of
  // three channels, pixel (1, 1) 3 x 3; channel 1's bias -100 leaves nothing after RELU.
  for (const char* backend : {"ref", "auto"}) {
    const std::vector<float> y = run_ones(conv_2d(), backend);
    ASSERT_EQ(y.size(), 24u) << backend;
    EXPECT_EQ(y[0], 12.0f) << backend;
    EXPECT_EQ(y[1], 0.0f) << backend;
    EXPECT_EQ(y[(1 * 4 + 1) * 2], 27.0f) << backend;
  }
}

TEST(ConvImport, DepthwiseIsAConvWithAGroupPerChannel) {
  const auto g = import_spec(depthwise_conv_2d());
  ASSERT_TRUE(g.is_ok()) << g.status().message();
  ASSERT_EQ(g.value().nodes.size(), 1u);
  const Node& n = g.value().nodes[0];
  EXPECT_EQ(n.op, OpKind::kConv);
  EXPECT_EQ(n.attrs.get_string("weights_layout", ""), "1HWO");
  EXPECT_EQ(n.attrs.get_int("group", 0), 2);
  EXPECT_EQ(n.attrs.get_string("auto_pad", ""), "VALID");
  EXPECT_FALSE(n.attrs.has("depth_multiplier"));
  EXPECT_EQ(g.value().value(n.outputs[0]).shape, (Shape{1, 2, 2, 4}));
  // Each output sums 2 x 2 taps of one input channel, times 0.5.
  for (const char* backend : {"ref", "auto"})
    EXPECT_EQ(run_ones(depthwise_conv_2d(), backend), std::vector<float>(16, 2.0f)) << backend;
}

TEST(ConvImport, GroupedConv2DIsNamedAsUnsupported) {
  TfModelSpec spec = conv_2d();
  spec.tensors[1].shape = {2, 3, 3, 1};  // three input channels, weights for one: three groups
  spec.buffers[0] = bytes_of(std::vector<float>(18, 1.0f));
  const auto g = import_spec(spec);
  ASSERT_FALSE(g.is_ok());
  EXPECT_EQ(g.status().code(), StatusCode::kUnsupported);
  EXPECT_NE(g.status().message().find("grouped CONV_2D"), std::string::npos)
      << g.status().message();
}

TEST(ConvImport, OnnxConvIsNchwWithOihwWeights) {
  auto m = testing::onnx_model(13);
  testing::add_input(m, "x", {1, 3, 5, 4});
  testing::add_float_initializer(m, "w", {2, 3, 3, 3}, std::vector<float>(54, 1.0f));
  testing::add_node(m, "Conv", {"x", "w"}, {"y"});
  testing::add_output(m, "y");
  const std::vector<uint8_t> bytes = testing::serialize(m);
  const auto g = import_onnx(bytes.data(), bytes.size(), "conv.onnx");
  ASSERT_TRUE(g.is_ok()) << g.status().message();
  ASSERT_EQ(g.value().nodes.size(), 1u);
  const Node& n = g.value().nodes[0];
  EXPECT_EQ(n.op, OpKind::kConv);
  EXPECT_EQ(n.attrs.get_int("channels_last", 0), 0);
  EXPECT_EQ(n.attrs.get_string("weights_layout", "OIHW"), "OIHW");
}

}  // namespace
}  // namespace outpost
