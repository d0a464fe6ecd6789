// The ONNX QDQ writer on small hand-built graphs: what it quantizes and leaves in float (and
// why), the form it writes (Q/DQ pairs, int8 weights per channel, int32 biases, activations
// absorbed, nothing float left behind), and that outpost loads the result onto its int8
// convolutions with outputs within a few quantization steps of the float model's.
#include "formats/onnx/onnx_qdq_writer.h"

#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <cmath>
#include <map>
#include <random>

#include "optimize/onnx_model_builder.h"
#include "outpost/session.h"

namespace outpost {
namespace {

using testing::ModelBuilder;
using testing::open_onnx_bytes;

// x [1,3,8,8] -> Conv 3x3 (4 channels, bias) -> Relu -> Conv 1x1 (2 channels, bias) -> y
// Parameters for two_convs()'s activations that cover plausible ranges.
std::map<std::string, QuantParams> two_convs_params();

ModelBuilder two_convs(int64_t opset = 13) {
  ModelBuilder b(opset);
  b.input("x", {1, 3, 8, 8});
  b.weights("w1", {4, 3, 3, 3});
  b.weights("b1", {4}, 0.1f);
  b.weights("w2", {2, 4, 1, 1});
  b.weights("b2", {2}, 0.1f);
  auto* c1 = b.node("Conv", "conv1", {"x", "w1", "b1"}, {"c1"});
  ModelBuilder::ints_attribute(c1, "pads", {1, 1, 1, 1});
  b.node("Relu", "relu1", {"c1"}, {"r1"});
  b.node("Conv", "conv2", {"r1", "w2", "b2"}, {"y"});
  b.output("y", {1, 2, 8, 8});
  return b;
}

std::map<std::string, int> op_counts(const onnx::ModelProto& m) {
  std::map<std::string, int> counts;
  for (const auto& n : m.graph().node()) ++counts[n.op_type()];
  return counts;
}

const onnx::TensorProto* initializer(const onnx::ModelProto& m, const std::string& name) {
  for (const auto& t : m.graph().initializer())
    if (t.name() == name) return &t;
  return nullptr;
}

const onnx::NodeProto* producer(const onnx::ModelProto& m, const std::string& name) {
  for (const auto& n : m.graph().node())
    for (const auto& o : n.output())
      if (o == name) return &n;
  return nullptr;
}

QuantParams per_tensor(float scale, int64_t zero_point) {
  QuantParams p;
  p.scale = {scale};
  p.zero_point = {zero_point};
  return p;
}

// Parameters that cover [lo, hi] as the calibration would make them.
QuantParams covering(float lo, float hi) {
  const float scale = (hi - lo) / 255.0f;
  return per_tensor(scale, static_cast<int64_t>(std::nearbyint(-128 - lo / scale)));
}

std::map<std::string, QuantParams> two_convs_params() {
  return {{"x", covering(-3, 3)}, {"r1", covering(0, 4)}, {"y", covering(-2, 2)}};
}


std::string serialized(const onnx::ModelProto& m) {
  std::string s;
  m.SerializeToString(&s);
  return s;
}

TEST(OnnxQdqAnalysis, FindsTheConvolutionsAndAbsorbsTheRelu) {
  ModelBuilder b = two_convs();
  auto a = analyse_onnx_for_qdq(b.model(), {}, "two_convs.onnx");
  ASSERT_TRUE(a.is_ok()) << a.status().message();
  ASSERT_EQ(a->nodes.size(), 2u);
  EXPECT_EQ(a->nodes[0].input, "x");
  EXPECT_EQ(a->nodes[0].output, "r1");  // the Relu's output: the Relu is absorbed
  EXPECT_EQ(a->nodes[0].absorbed, "Relu 'relu1'");
  EXPECT_EQ(a->nodes[0].weight_axis, 0);
  EXPECT_EQ(a->nodes[0].bias, "b1");
  EXPECT_EQ(a->nodes[1].output, "y");
  EXPECT_TRUE(a->nodes[1].absorbed.empty());
  EXPECT_EQ(a->activations, (std::vector<std::string>{"x", "r1", "y"}));
  EXPECT_EQ(a->graph_inputs, (std::set<std::string>{"x"}));
  EXPECT_TRUE(a->kept_float.empty());
}

TEST(OnnxQdqAnalysis, KeepFloatByNameOrOpTypeAndRefusesANameThatMatchesNothing) {
  ModelBuilder b = two_convs();
  auto by_name = analyse_onnx_for_qdq(b.model(), {"conv2"}, "m.onnx");
  ASSERT_TRUE(by_name.is_ok());
  ASSERT_EQ(by_name->nodes.size(), 1u);
  ASSERT_EQ(by_name->kept_float.size(), 1u);
  EXPECT_EQ(by_name->kept_float[0].node, "Conv 'conv2'");
  EXPECT_EQ(by_name->kept_float[0].reason, "--keep-float");
  auto by_op = analyse_onnx_for_qdq(b.model(), {"Conv"}, "m.onnx");
  ASSERT_TRUE(by_op.is_ok());
  EXPECT_TRUE(by_op->nodes.empty());
  auto typo = analyse_onnx_for_qdq(b.model(), {"conv_2"}, "m.onnx");
  ASSERT_FALSE(typo.is_ok());
  EXPECT_EQ(typo.status().code(), StatusCode::kUsage);
  EXPECT_NE(typo.status().message().find("'conv_2'"), std::string::npos) << typo.status().message();
}

TEST(OnnxQdqAnalysis, RefusesAQuantizedModelAndOpsetsBeforeQuantizeLinear) {
  ModelBuilder quantized = two_convs();
  quantized.node("DequantizeLinear", "dq", {"y", "s"}, {"z"});
  auto a = analyse_onnx_for_qdq(quantized.model(), {}, "q.onnx");
  ASSERT_FALSE(a.is_ok());
  EXPECT_EQ(a.status().code(), StatusCode::kUnsupported);
  EXPECT_NE(a.status().message().find("quantized already"), std::string::npos) << a.status().message();
  auto old = analyse_onnx_for_qdq(two_convs(9).model(), {}, "old.onnx");
  ASSERT_FALSE(old.is_ok());
  EXPECT_EQ(old.status().code(), StatusCode::kUnsupported);
  EXPECT_NE(old.status().message().find("opset 9"), std::string::npos) << old.status().message();
}

TEST(OnnxQdqAnalysis, WeightsThatAreNotConstantsStayInFloatWithTheReason) {
  ModelBuilder b;
  b.input("x", {1, 3, 4, 4});
  b.input("w", {2, 3, 1, 1});
  b.node("Conv", "conv", {"x", "w"}, {"y"});
  b.output("y", {1, 2, 4, 4});
  auto a = analyse_onnx_for_qdq(b.model(), {}, "m.onnx");
  ASSERT_TRUE(a.is_ok());
  EXPECT_TRUE(a->nodes.empty());
  ASSERT_EQ(a->kept_float.size(), 1u);
  EXPECT_NE(a->kept_float[0].reason.find("not a constant"), std::string::npos) << a->kept_float[0].reason;
}

TEST(OnnxQdqAnalysis, GemmAndMatMulWeightsArePerOutputChannel) {
  ModelBuilder b;
  b.input("x", {1, 8});
  b.weights("wt", {4, 8});  // transB = 1: [N, K]
  b.weights("bt", {4}, 0.1f);
  b.weights("w", {4, 3});  // [K, N]
  b.weights("m", {3, 5});
  auto* g1 = b.node("Gemm", "g1", {"x", "wt", "bt"}, {"h1"});
  ModelBuilder::int_attribute(g1, "transB", 1);
  b.node("Gemm", "g2", {"h1", "w"}, {"h2"});
  b.node("MatMul", "mm", {"h2", "m"}, {"y"});
  b.output("y", {1, 5});
  auto a = analyse_onnx_for_qdq(b.model(), {}, "m.onnx");
  ASSERT_TRUE(a.is_ok()) << a.status().message();
  ASSERT_EQ(a->nodes.size(), 3u);
  EXPECT_EQ(a->nodes[0].weight_axis, 0);
  EXPECT_EQ(a->nodes[0].bias, "bt");
  EXPECT_EQ(a->nodes[1].weight_axis, 1);
  EXPECT_EQ(a->nodes[2].weight_axis, 1);
}

TEST(OnnxQdqAnalysis, AClipThatClipsAboveZeroIsNotAbsorbed) {
  for (float low : {0.0f, 1.0f}) {
    ModelBuilder b;
    b.input("x", {1, 3, 4, 4});
    b.weights("w", {2, 3, 1, 1});
    b.scalar("lo", low);
    b.scalar("hi", 6.0f);
    b.node("Conv", "conv", {"x", "w"}, {"c"});
    b.node("Clip", "clip", {"c", "lo", "hi"}, {"y"});
    b.output("y", {1, 2, 4, 4});
    auto a = analyse_onnx_for_qdq(b.model(), {}, "m.onnx");
    ASSERT_TRUE(a.is_ok());
    ASSERT_EQ(a->nodes.size(), 1u);
    EXPECT_EQ(a->nodes[0].absorbed.empty(), low > 0) << "Clip lower bound " << low;
  }
}

TEST(OnnxQdqWriter, WritesQdqPairsInt8WeightsPerChannelAndInt32Biases) {
  ModelBuilder b = two_convs();
  auto a = analyse_onnx_for_qdq(b.model(), {}, "m.onnx");
  ASSERT_TRUE(a.is_ok());
  const std::map<std::string, QuantParams> params = two_convs_params();
  OnnxQdqWriteSummary summary;
  auto bytes = write_onnx_qdq(b.model(), *a, params, {}, &summary);
  ASSERT_TRUE(bytes.is_ok()) << bytes.status().message();
  onnx::ModelProto q;
  ASSERT_TRUE(parse_onnx_model(*bytes, "q.onnx", q).is_ok());
  const auto counts = op_counts(q);
  EXPECT_EQ(counts.at("QuantizeLinear"), 3);
  EXPECT_EQ(counts.at("DequantizeLinear"), 3 + 2 + 2);  // activations, weights, biases
  EXPECT_EQ(counts.count("Relu"), 0u);
  EXPECT_EQ(summary.absorbed_activations, 1);
  EXPECT_TRUE(summary.weights_per_channel);
  // No float weight or bias is left.
  for (const char* name : {"w1", "b1", "w2", "b2"}) EXPECT_EQ(initializer(q, name), nullptr) << name;
  // The graph keeps its output name, written by the last DequantizeLinear.
  ASSERT_EQ(q.graph().output_size(), 1);
  EXPECT_EQ(q.graph().output(0).name(), "y");
  ASSERT_NE(producer(q, "y"), nullptr);
  EXPECT_EQ(producer(q, "y")->op_type(), "DequantizeLinear");
  // conv1's weights: int8, one scale per output channel, read through axis 0.
  const onnx::NodeProto* conv1 = nullptr;
  for (const auto& n : q.graph().node())
    if (n.name() == "conv1") conv1 = &n;
  ASSERT_NE(conv1, nullptr);
  const onnx::NodeProto* wdq = producer(q, conv1->input(1));
  ASSERT_NE(wdq, nullptr);
  EXPECT_EQ(wdq->op_type(), "DequantizeLinear");
  ASSERT_EQ(wdq->attribute_size(), 1);
  EXPECT_EQ(wdq->attribute(0).i(), 0);
  const onnx::TensorProto* w8 = initializer(q, wdq->input(0));
  const onnx::TensorProto* ws = initializer(q, wdq->input(1));
  ASSERT_NE(w8, nullptr);
  ASSERT_NE(ws, nullptr);
  EXPECT_EQ(w8->data_type(), onnx::TensorProto::INT8);
  EXPECT_EQ(ws->dims_size(), 1);
  EXPECT_EQ(ws->dims(0), 4);
  // Each channel's largest weight is +-127, and q * scale is the weight within half a step.
  const onnx::TensorProto* w1 = initializer(b.model(), "w1");
  const auto* q8 = reinterpret_cast<const int8_t*>(w8->raw_data().data());
  const auto* scales = reinterpret_cast<const float*>(ws->raw_data().data());
  for (int c = 0; c < 4; ++c) {
    int largest = 0;
    for (int i = 0; i < 27; ++i) {
      const int k = c * 27 + i;
      largest = std::max(largest, std::abs(static_cast<int>(q8[k])));
      EXPECT_NEAR(q8[k] * scales[c], w1->float_data(k), scales[c] / 2 + 1e-7f) << "channel " << c;
    }
    EXPECT_EQ(largest, 127) << "channel " << c;
  }
  // The bias: int32 at x's scale times each channel's weight scale.
  const onnx::NodeProto* bdq = producer(q, conv1->input(2));
  ASSERT_NE(bdq, nullptr);
  const onnx::TensorProto* b32 = initializer(q, bdq->input(0));
  const onnx::TensorProto* bs = initializer(q, bdq->input(1));
  ASSERT_NE(b32, nullptr);
  EXPECT_EQ(b32->data_type(), onnx::TensorProto::INT32);
  const auto* bias_scales = reinterpret_cast<const float*>(bs->raw_data().data());
  for (int c = 0; c < 4; ++c) EXPECT_FLOAT_EQ(bias_scales[c], params.at("x").scale[0] * scales[c]);
}

TEST(OnnxQdqWriter, OpsetsBefore13GetWeightsPerTensor) {
  ModelBuilder b = two_convs(12);
  auto a = analyse_onnx_for_qdq(b.model(), {}, "m.onnx");
  ASSERT_TRUE(a.is_ok());
  const std::map<std::string, QuantParams> params = two_convs_params();
  OnnxQdqWriteSummary summary;
  auto bytes = write_onnx_qdq(b.model(), *a, params, {}, &summary);
  ASSERT_TRUE(bytes.is_ok());
  EXPECT_FALSE(summary.weights_per_channel);
  onnx::ModelProto q;
  ASSERT_TRUE(parse_onnx_model(*bytes, "q.onnx", q).is_ok());
  for (const auto& n : q.graph().node()) {
    if (n.op_type() != "DequantizeLinear") continue;
    EXPECT_EQ(n.attribute_size(), 0) << n.name();
    EXPECT_EQ(initializer(q, n.input(1))->dims_size(), 0) << n.name();
  }
}

TEST(OnnxQdqWriter, AMissingActivationParameterIsAnInternalError) {
  ModelBuilder b = two_convs();
  auto a = analyse_onnx_for_qdq(b.model(), {}, "m.onnx");
  ASSERT_TRUE(a.is_ok());
  auto bytes = write_onnx_qdq(b.model(), *a, {{"x", covering(-3, 3)}}, {});
  ASSERT_FALSE(bytes.is_ok());
  EXPECT_NE(bytes.status().message().find("'r1'"), std::string::npos) << bytes.status().message();
}

// The written model, run by outpost: both convolutions lowered onto int8 (only the input's
// QuantizeLinear is left), outputs within a few output steps of the float model's.
TEST(OnnxQdqWriter, OutpostRunsTheQuantizedModelOnInt8ConvolutionsCloseToTheFloatOne) {
  ModelBuilder b = two_convs();
  auto float_session = open_onnx_bytes(serialized(b.model()));
  ASSERT_TRUE(float_session.is_ok()) << float_session.status().message();
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  Tensor& x = (*float_session)->input(0);
  for (int64_t i = 0; i < x.num_elements(); ++i) x.data_as<float>()[i] = u(rng);
  ASSERT_TRUE((*float_session)->run().is_ok());
  // Calibrated on this very input, as a calibration would be.
  auto extra = onnx_with_extra_outputs(b.model(), {"r1"});
  ASSERT_TRUE(extra.is_ok());
  auto calibration = open_onnx_bytes(*extra);
  ASSERT_TRUE(calibration.is_ok()) << calibration.status().message();
  ASSERT_TRUE((*calibration)->set_input(0, x).is_ok());
  ASSERT_TRUE((*calibration)->run().is_ok());
  auto range = [](const Tensor& t) {
    const float* p = t.data_as<float>();
    const auto [lo, hi] = std::minmax_element(p, p + t.num_elements());
    return covering(std::min(*lo, 0.0f), std::max(*hi, 0.0f));
  };
  const Tensor& r1 = (*calibration)->output(static_cast<size_t>((*calibration)->output_index("r1")));
  const Tensor& y = (*float_session)->output(0);
  const std::map<std::string, QuantParams> params = {{"x", range(x)}, {"r1", range(r1)}, {"y", range(y)}};
  auto a = analyse_onnx_for_qdq(b.model(), {}, "m.onnx");
  ASSERT_TRUE(a.is_ok());
  auto bytes = write_onnx_qdq(b.model(), *a, params, {});
  ASSERT_TRUE(bytes.is_ok());
  auto quantized = open_onnx_bytes(*bytes);
  ASSERT_TRUE(quantized.is_ok()) << quantized.status().message();
  EXPECT_EQ((*quantized)->stats().op_counts.at("Quantize"), 1) << "a convolution was not lowered onto int8";
  ASSERT_TRUE((*quantized)->set_input(0, x).is_ok());
  ASSERT_TRUE((*quantized)->run().is_ok());
  const Tensor& yq = (*quantized)->output(0);
  ASSERT_EQ(yq.num_elements(), y.num_elements());
  const float step = params.at("y").scale[0];
  float worst = 0;
  for (int64_t i = 0; i < y.num_elements(); ++i)
    worst = std::max(worst, std::fabs(yq.data_as<float>()[i] - y.data_as<float>()[i]));
  EXPECT_LE(worst, 4 * step) << "output step " << step;
  EXPECT_GT(worst, 0.0f) << "identical outputs: was anything quantized?";
}

}  // namespace
}  // namespace outpost
