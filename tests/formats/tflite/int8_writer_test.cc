// The TFLite int8 writer on a small hand-built float model (CONV_2D -> RELU -> MAX_POOL_2D ->
// RESHAPE): the RELU fused into the convolution, the tensors the int8 pool and reshape need equal
// given one group, the weights int8 per output channel and the bias int32, float input and
// output through QUANTIZE and DEQUANTIZE; and outpost runs the result within a few output steps
// of the float model.
#include "formats/tflite/tflite_int8_writer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>

#include "formats/tflite/tflite_schema.h"
#include "outpost/session.h"
#include "support/tflite_builder.h"

namespace outpost::tflite {
namespace {

using testing::build_tflite;
using testing::bytes_of;
using testing::TfModelSpec;
using testing::TfOperatorSpec;

constexpr int8_t kF32 = 0, kI32 = 2;
constexpr int32_t kConv = 3, kRelu = 19, kMaxPool = 17, kReshape = 22, kQuantizeCode = 114, kDequantizeCode = 6;

// x [1,8,8,3] -> CONV_2D 3x3 SAME (4 channels, bias) -> RELU -> MAX_POOL_2D 2x2 -> RESHAPE [1,64]
std::vector<uint8_t> small_model() {
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> u(-0.5f, 0.5f);
  std::vector<float> w(4 * 3 * 3 * 3), b(4);
  for (float& v : w) v = u(rng);
  for (float& v : b) v = 0.1f * u(rng);
  TfModelSpec spec;
  spec.tensors = {{{1, 8, 8, 3}, kF32, 0, "x"},      {{4, 3, 3, 3}, kF32, 1, "w"}, {{4}, kF32, 2, "b"},
                  {{1, 8, 8, 4}, kF32, 0, "conv"},   {{1, 8, 8, 4}, kF32, 0, "relu"},
                  {{1, 4, 4, 4}, kF32, 0, "pool"},   {{2}, kI32, 3, "shape"}, {{1, 64}, kF32, 0, "y"}};
  spec.buffers = {bytes_of(w), bytes_of(b), bytes_of(std::vector<int32_t>{1, 64})};
  TfOperatorSpec conv{kConv, "", {0, 1, 2}, {3}};
  conv.options_type = 1;  // Conv2DOptions: SAME, strides 1, no activation
  conv.options = {{0, 1, 0}, {1, 4, 1}, {2, 4, 1}, {3, 1, 0}};
  TfOperatorSpec pool{kMaxPool, "", {4}, {5}};
  pool.options_type = 5;  // Pool2DOptions: VALID, strides 2, filter 2x2
  pool.options = {{0, 1, 1}, {1, 4, 2}, {2, 4, 2}, {3, 4, 2}, {4, 4, 2}, {5, 1, 0}};
  spec.operators = {conv, {kRelu, "", {3}, {4}}, pool, {kReshape, "", {5, 6}, {7}}};
  spec.inputs = {0};
  spec.outputs = {7};
  return build_tflite(spec);
}

Result<ModelData> read(const std::vector<uint8_t>& bytes) { return read_model_data(bytes.data(), bytes.size(), "m.tflite"); }

Result<std::unique_ptr<Session>> open(const std::string& bytes) {
  auto owned = std::make_shared<std::string>(bytes);
  SessionOptions o;
  o.threads = 1;
  return Session::open_buffer(reinterpret_cast<const uint8_t*>(owned->data()), owned->size(), owned, "q.tflite", o);
}

QuantParams covering(float lo, float hi) {
  QuantParams p;
  p.scale = {(hi - lo) / 255.0f};
  p.zero_point = {static_cast<int64_t>(std::nearbyint(-128 - lo / p.scale[0]))};
  return p;
}

TEST(TfliteInt8Writer, FusesTheReluAndGroupsWhatThePoolAndReshapeMustShare) {
  auto m = read(small_model());
  ASSERT_TRUE(m.is_ok()) << m.status().message();
  EXPECT_EQ(fuse_activations(*m), 1);
  EXPECT_EQ(m->subgraphs[0].operators.size(), 3u);
  auto a = analyse_tflite_for_int8(*m, "m.tflite");
  ASSERT_TRUE(a.is_ok()) << a.status().message();
  EXPECT_EQ(a->convolutions, 1);
  // {x}, and {relu, pool, y}: the convolution writes the RELU's output now.
  ASSERT_EQ(a->tied.size(), 2u);
  EXPECT_EQ(a->tied[0], std::vector<int32_t>{0});
  EXPECT_EQ(a->tied[1], (std::vector<int32_t>{4, 5, 7}));
}

TEST(TfliteInt8Writer, WritesInt8WeightsPerChannelAndFloatEndsAndOutpostRunsItClose) {
  const std::vector<uint8_t> original = small_model();
  auto m = read(original);
  ASSERT_TRUE(m.is_ok());
  fuse_activations(*m);
  auto a = analyse_tflite_for_int8(*m, "m.tflite");
  ASSERT_TRUE(a.is_ok());
  // The float model on a fixed input gives the ranges a calibration would.
  auto f = open(std::string(original.begin(), original.end()));
  ASSERT_TRUE(f.is_ok()) << f.status().message();
  outpost::Tensor& x = (*f)->input(0);
  for (int64_t i = 0; i < x.num_elements(); ++i) x.data_as<float>()[i] = std::sin(0.3f * static_cast<float>(i));
  ASSERT_TRUE((*f)->run().is_ok());
  const outpost::Tensor& y = (*f)->output(0);
  float hi = 0;
  for (int64_t i = 0; i < y.num_elements(); ++i) hi = std::max(hi, y.data_as<float>()[i]);
  const std::vector<QuantParams> params = {covering(-1, 1), covering(0, hi)};
  Int8WriteSummary summary;
  auto bytes = write_tflite_int8(*m, *a, params, &summary);
  ASSERT_TRUE(bytes.is_ok()) << bytes.status().message();
  EXPECT_EQ(summary.quantized_operators, 3);
  std::vector<max_align_t> aligned((bytes->size() + sizeof(max_align_t) - 1) / sizeof(max_align_t));
  std::memcpy(aligned.data(), bytes->data(), bytes->size());
  auto q = read_model_data(reinterpret_cast<const uint8_t*>(aligned.data()), bytes->size(), "q.tflite");
  ASSERT_TRUE(q.is_ok()) << q.status().message();
  const SubgraphData& g = q->subgraphs[0];
  ASSERT_EQ(g.operators.size(), 5u);  // QUANTIZE, CONV_2D, MAX_POOL_2D, RESHAPE, DEQUANTIZE
  EXPECT_EQ(q->codes[g.operators.front().opcode_index].builtin, kQuantizeCode);
  EXPECT_EQ(q->codes[g.operators.back().opcode_index].builtin, kDequantizeCode);
  EXPECT_EQ(g.tensors[static_cast<size_t>(g.inputs[0])].type, kTfFloat32);
  EXPECT_EQ(g.tensors[static_cast<size_t>(g.outputs[0])].type, kTfFloat32);
  const OperatorData& conv = g.operators[1];
  const TensorData& w = g.tensors[static_cast<size_t>(conv.inputs[1])];
  const TensorData& bias = g.tensors[static_cast<size_t>(conv.inputs[2])];
  EXPECT_EQ(w.type, kTfInt8);
  EXPECT_EQ(w.scale.size(), 4u);
  EXPECT_EQ(w.quantized_dimension, 0);
  EXPECT_EQ(bias.type, kTfInt32);
  for (size_t c = 0; c < 4; ++c) EXPECT_FLOAT_EQ(bias.scale[c], params[0].scale[0] * w.scale[c]);
  EXPECT_EQ(conv.options[3].bits, static_cast<uint32_t>(kActRelu));
  // The pool's input and output share the group's parameters, as TFLite's int8 kernel needs.
  const OperatorData& pool = g.operators[2];
  EXPECT_EQ(g.tensors[static_cast<size_t>(pool.inputs[0])].scale, g.tensors[static_cast<size_t>(pool.outputs[0])].scale);
  // No float weights are left behind: 1 empty buffer, int8 weights, int32 bias, the shape.
  EXPECT_EQ(q->buffers.size(), 4u);

  auto s = open(*bytes);
  ASSERT_TRUE(s.is_ok()) << s.status().message();
  ASSERT_TRUE((*s)->set_input(0, x).is_ok());
  ASSERT_TRUE((*s)->run().is_ok());
  const outpost::Tensor& yq = (*s)->output(0);
  ASSERT_EQ(yq.dtype(), DType::kFloat32);
  float worst = 0;
  for (int64_t i = 0; i < y.num_elements(); ++i)
    worst = std::max(worst, std::fabs(yq.data_as<float>()[i] - y.data_as<float>()[i]));
  EXPECT_LE(worst, 4 * params[1].scale[0]);
  EXPECT_GT(worst, 0.0f);
}

// fuzz_optimize crash-a586337d: a CONV_2D with no weights operand made the writer read past the
// operator's inputs; it is an invalid model now, refused by the analysis.
TEST(TfliteInt8Writer, AConvolutionWithoutWeightsIsInvalid) {
  TfModelSpec spec;
  spec.tensors = {{{1, 4, 4, 1}, kF32, 0, "x"}, {{1, 4, 4, 1}, kF32, 0, "y"}};
  spec.operators = {{kConv, "", {0}, {1}}};
  spec.inputs = {0};
  spec.outputs = {1};
  const auto bytes = build_tflite(spec);
  auto m = read(bytes);
  ASSERT_TRUE(m.is_ok()) << m.status().message();
  auto a = analyse_tflite_for_int8(*m, "conv.tflite");
  ASSERT_FALSE(a.is_ok());
  EXPECT_EQ(a.status().code(), StatusCode::kInvalidModel) << a.status().message();
}

// fuzz_optimize crash-3aef1715: a DEQUANTIZE whose input is the absent operand (-1) was read as a
// tensor; it is an operator without the operand it needs.
TEST(TfliteInt8Writer, ADequantizeOfNothingIsInvalid) {
  TfModelSpec spec;
  spec.tensors = {{{1, 4}, kF32, 0, "y"}};
  spec.operators = {{kDequantizeCode, "", {-1}, {0}}};
  spec.outputs = {0};
  const auto bytes = build_tflite(spec);
  auto m = read(bytes);
  ASSERT_TRUE(m.is_ok()) << m.status().message();
  auto a = analyse_tflite_for_int8(*m, "dq.tflite");
  ASSERT_FALSE(a.is_ok());
  EXPECT_EQ(a.status().code(), StatusCode::kInvalidModel) << a.status().message();
}

// A LOGISTIC's output gets the parameters TFLite's int8 kernel requires (1/256, -128), whatever
// calibration sees; the other groups get none fixed.
TEST(TfliteInt8Writer, ALogisticOutputHasTheFixedParametersTfliteRequires) {
  auto full = read(small_model());
  ASSERT_TRUE(full.is_ok());
  // small_model() with a LOGISTIC after the reshape: y -> LOGISTIC -> z.
  full->subgraphs[0].tensors.push_back(full->subgraphs[0].tensors[7]);
  full->subgraphs[0].tensors.back().name = "z";
  OperatorData logistic;
  logistic.opcode_index = full->code_index(14);
  logistic.inputs = {7};
  logistic.outputs = {8};
  full->subgraphs[0].operators.push_back(logistic);
  full->subgraphs[0].outputs = {8};
  fuse_activations(*full);
  auto b = analyse_tflite_for_int8(*full, "logistic.tflite");
  ASSERT_TRUE(b.is_ok()) << b.status().message();
  ASSERT_EQ(b->tied.size(), b->fixed.size());
  int fixed = 0;
  for (size_t k = 0; k < b->tied.size(); ++k) {
    if (!b->fixed[k]) continue;
    ++fixed;
    EXPECT_EQ(b->tied[k], std::vector<int32_t>{8});
    EXPECT_FLOAT_EQ(b->fixed[k]->scale[0], 1.0f / 256.0f);
    EXPECT_EQ(b->fixed[k]->zero_point[0], -128);
  }
  EXPECT_EQ(fixed, 1);
}

TEST(TfliteInt8Writer, AnOperatorItDoesNotTakeIsRefusedByName) {
  TfModelSpec spec;
  spec.tensors = {{{1, 4}, kF32, 0, "x"}, {{1, 4}, kF32, 0, "y"}};
  spec.operators = {{28 /* TANH */, "", {0}, {1}}};
  spec.inputs = {0};
  spec.outputs = {1};
  const auto bytes = build_tflite(spec);
  auto m = read(bytes);
  ASSERT_TRUE(m.is_ok());
  auto a = analyse_tflite_for_int8(*m, "tanh.tflite");
  ASSERT_FALSE(a.is_ok());
  EXPECT_EQ(a.status().code(), StatusCode::kUnsupported);
  EXPECT_NE(a.status().message().find("TANH"), std::string::npos) << a.status().message();
}

}  // namespace
}  // namespace outpost::tflite
