// ONNX's quantized convolutions (QLinearConv, and the QDQ pattern DequantizeLinear -> Conv ->
// QuantizeLinear) with constant scales and zero points import as the one Conv with quantized
// values (src/formats/onnx/onnx_quantized_lowering.h) and compute what the model computes (to
// the step for QLinearConv, within one step for QDQ, whose float Conv rounds otherwise); where
// the pattern does not allow it, the nodes stay as they are.
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <set>
#include <string>
#include <vector>

#include "formats/onnx/onnx_importer.h"
#include "formats/onnx/onnx_model_builder.h"
#include "outpost/session.h"
#include "support/backends.h"

namespace outpost {
namespace {

using namespace outpost::testing;  // NOLINT: the builder helpers

constexpr int kUInt8 = onnx::TensorProto::UINT8;
constexpr int kInt8 = onnx::TensorProto::INT8;

template <typename T>
void add_initializer(onnx::ModelProto& m, const std::string& name, int elem_type,
                     const std::vector<int64_t>& dims, const std::vector<T>& values) {
  auto* t = m.mutable_graph()->add_initializer();
  t->set_name(name);
  t->set_data_type(elem_type);
  for (int64_t d : dims) t->add_dims(d);
  std::string bytes(values.size() * sizeof(T), '\0');
  if (!values.empty()) std::memcpy(bytes.data(), values.data(), bytes.size());
  t->set_raw_data(bytes);
}

// x uint8 [1, 1, 1, 2] -> 1x1 QLinearConv with one uint8 weight -> y. x_scale 0.5, zero point
// 10; w 129 with scale 0.5, zero point 128; y_scale 0.5, zero point 100: the multiplier is 0.5,
// so x = 13 and 15 (3 and 5 above the zero point) give 1.5 and 2.5, which round half to even to
// 2 and 2: y = 102, 102 (TFLite's rounding, half away from zero, would give 102, 103).
// `runtime_x_scale`: x_scale is a graph input, which keeps the node a QLinearConv.
onnx::ModelProto one_pixel_model(bool runtime_x_scale) {
  auto m = onnx_model(13);
  add_input(m, "x", {1, 1, 1, 2}, kUInt8);
  if (runtime_x_scale)
    add_input(m, "x_scale", {}, onnx::TensorProto::FLOAT);
  else
    add_float_initializer(m, "x_scale", {}, {0.5f});
  add_initializer<uint8_t>(m, "x_zp", kUInt8, {}, {10});
  add_initializer<uint8_t>(m, "w", kUInt8, {1, 1, 1, 1}, {129});
  add_float_initializer(m, "w_scale", {}, {0.5f});
  add_initializer<uint8_t>(m, "w_zp", kUInt8, {}, {128});
  add_float_initializer(m, "y_scale", {}, {0.5f});
  add_initializer<uint8_t>(m, "y_zp", kUInt8, {}, {100});
  add_node(m, "QLinearConv", {"x", "x_scale", "x_zp", "w", "w_scale", "w_zp", "y_scale", "y_zp"},
           {"y"});
  add_output(m, "y", kUInt8);
  return m;
}

Result<Graph> import_model(const onnx::ModelProto& m) {
  const std::vector<uint8_t> bytes = serialize(m);
  return import_onnx(bytes.data(), bytes.size(), "qlinear.onnx");
}

// Runs the model with the given inputs (raw bytes, in order) on `backend`; output 0's bytes.
// `stats`, when given, receives the session's.
std::vector<uint8_t> run(const onnx::ModelProto& m, const std::vector<std::vector<uint8_t>>& inputs,
                         const std::string& backend = "ref", ModelStats* stats = nullptr) {
  auto owned = std::make_shared<std::vector<uint8_t>>(serialize(m));
  SessionOptions options;
  options.backend = backend;
  auto session = Session::open_buffer(owned->data(), owned->size(), owned, "qlinear.onnx", options);
  EXPECT_TRUE(session.is_ok()) << session.status().message();
  if (!session.is_ok()) return {};
  for (size_t i = 0; i < inputs.size(); ++i) {
    Tensor& t = (*session)->input(i);
    EXPECT_EQ(static_cast<size_t>(t.byte_size()), inputs[i].size()) << "input " << i;
    std::memcpy(t.data_as<uint8_t>(), inputs[i].data(), inputs[i].size());
  }
  const Status ran = (*session)->run();
  EXPECT_TRUE(ran.is_ok()) << ran.message();
  if (stats != nullptr) *stats = (*session)->stats();
  const Tensor& y = (*session)->output(0);
  return std::vector<uint8_t>(y.data_as<uint8_t>(), y.data_as<uint8_t>() + y.byte_size());
}

std::vector<uint8_t> float_bytes(float f) {
  std::vector<uint8_t> b(4);
  std::memcpy(b.data(), &f, 4);
  return b;
}

TEST(QLinearLowering, AQLinearConvOfConstantParametersIsAConvOfQuantizedValues) {
  const auto graph = import_model(one_pixel_model(false));
  ASSERT_TRUE(graph.is_ok()) << graph.status().message();
  ASSERT_EQ(graph->nodes.size(), 1u);
  const Node& n = graph->nodes[0];
  EXPECT_EQ(n.op, OpKind::kConv);
  EXPECT_EQ(n.attrs.get_string("requantize", ""), "real");
  ASSERT_EQ(n.inputs.size(), 2u);
  const QuantParams& xq = graph->value(n.inputs[0]).quant;
  const QuantParams& wq = graph->value(n.inputs[1]).quant;
  const QuantParams& yq = graph->value(n.outputs[0]).quant;
  EXPECT_EQ(xq.scale, std::vector<float>{0.5f});
  EXPECT_EQ(xq.zero_point, std::vector<int64_t>{10});
  EXPECT_EQ(wq.zero_point, std::vector<int64_t>{128});
  EXPECT_EQ(yq.scale, std::vector<float>{0.5f});
  EXPECT_EQ(yq.zero_point, std::vector<int64_t>{100});
  EXPECT_EQ(graph->value(n.outputs[0]).dtype, DType::kUInt8);
}

TEST(QLinearLowering, TheLoweredConvComputesWhatQLinearConvComputes) {
  const std::vector<uint8_t> x = {13, 15};
  for (const char* backend : {"ref", "auto"}) {
    EXPECT_EQ(run(one_pixel_model(false), {x}, backend), (std::vector<uint8_t>{102, 102}))
        << backend;
    // The same node with its x_scale given at run time stays a QLinearConv, with its own kernel.
    EXPECT_EQ(run(one_pixel_model(true), {x, float_bytes(0.5f)}, backend),
              (std::vector<uint8_t>{102, 102}))
        << backend;
  }
  const auto kept = import_model(one_pixel_model(true));
  ASSERT_TRUE(kept.is_ok()) << kept.status().message();
  EXPECT_EQ(kept->nodes.at(0).op, OpKind::kQLinearConv);
}

// int8, per-output-channel weights, a bias, padding and a stride: the lowered Conv and the
// QLinearConv (x_scale at run time) agree byte for byte on every output.
onnx::ModelProto per_channel_model(bool runtime_x_scale) {
  auto m = onnx_model(13);
  add_input(m, "x", {1, 2, 5, 5}, kInt8);
  if (runtime_x_scale)
    add_input(m, "x_scale", {}, onnx::TensorProto::FLOAT);
  else
    add_float_initializer(m, "x_scale", {}, {0.05f});
  add_initializer<int8_t>(m, "x_zp", kInt8, {}, {-3});
  std::vector<int8_t> w(3 * 2 * 3 * 3);
  for (size_t i = 0; i < w.size(); ++i) w[i] = static_cast<int8_t>((static_cast<int>(i) * 37) % 255 - 127);
  add_initializer<int8_t>(m, "w", kInt8, {3, 2, 3, 3}, w);
  add_float_initializer(m, "w_scale", {3}, {0.01f, 0.02f, 0.005f});
  add_initializer<int8_t>(m, "w_zp", kInt8, {3}, {0, 0, 0});
  add_float_initializer(m, "y_scale", {}, {0.1f});
  add_initializer<int8_t>(m, "y_zp", kInt8, {}, {5});
  add_initializer<int32_t>(m, "b", onnx::TensorProto::INT32, {3}, {100, -2000, 37});
  auto* n = add_node(
      m, "QLinearConv",
      {"x", "x_scale", "x_zp", "w", "w_scale", "w_zp", "y_scale", "y_zp", "b"}, {"y"});
  set_ints_attr(n, "pads", {1, 1, 1, 1});
  set_ints_attr(n, "strides", {2, 1});
  add_output(m, "y", kInt8);
  return m;
}

TEST(QLinearLowering, PerChannelWeightsAndABiasMatchTheQLinearConvKernel) {
  const auto graph = import_model(per_channel_model(false));
  ASSERT_TRUE(graph.is_ok()) << graph.status().message();
  const Node& n = graph->nodes.at(0);
  EXPECT_EQ(n.op, OpKind::kConv);
  EXPECT_EQ(n.inputs.size(), 3u);
  EXPECT_EQ(graph->value(n.inputs[1]).quant.scale, (std::vector<float>{0.01f, 0.02f, 0.005f}));
  std::vector<uint8_t> x(2 * 5 * 5);
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<uint8_t>(i * 91 + 7);
  const std::vector<uint8_t> lowered = run(per_channel_model(false), {x});
  const std::vector<uint8_t> qlinear = run(per_channel_model(true), {x, float_bytes(0.05f)});
  ASSERT_EQ(lowered.size(), 3u * 3 * 5);
  EXPECT_EQ(lowered, qlinear);
}

// The one int8 kernel: XNNPACK runs the lowered Conv (channels-last, its OIHW weights reordered
// once), as it runs TFLite's, within one quantization step of the reference.
TEST(QLinearLowering, XnnpackRunsTheLoweredConvWithinOneStepOfTheReference) {
  OUTPOST_SKIP_UNLESS_BACKEND("xnnpack");
  std::vector<uint8_t> x(2 * 5 * 5);
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<uint8_t>(i * 91 + 7);
  const std::vector<uint8_t> ref = run(per_channel_model(false), {x});
  ModelStats stats;
  const std::vector<uint8_t> fast = run(per_channel_model(false), {x}, "xnnpack", &stats);
  EXPECT_EQ(stats.nodes_on_backend["xnnpack"], 1) << "the Conv did not run on XNNPACK";
  EXPECT_EQ(stats.channels_last_nodes, 1);
  ASSERT_EQ(fast.size(), ref.size());
  for (size_t i = 0; i < ref.size(); ++i)
    EXPECT_LE(std::abs(static_cast<int8_t>(fast[i]) - static_cast<int8_t>(ref[i])), 1)
        << "output " << i;
}

TEST(QLinearLowering, AnXAlsoReadByAnotherOpKeepsTheQLinearConv) {
  // x feeds a MaxPool too, whose kernels might read a QuantParams the model never gave it.
  auto m = one_pixel_model(false);
  add_node(m, "MaxPool", {"x"}, {"pooled"});
  set_ints_attr(m.mutable_graph()->mutable_node(1), "kernel_shape", {1, 1});
  add_output(m, "pooled", kUInt8);
  const auto graph = import_model(m);
  ASSERT_TRUE(graph.is_ok()) << graph.status().message();
  EXPECT_EQ(graph->nodes.at(0).op, OpKind::kQLinearConv);
  EXPECT_TRUE(graph->value(graph->nodes[0].inputs[0]).quant.empty());
}

TEST(QLinearLowering, AChainLowersOnlyWhereTheParametersAgree) {
  // conv1's y (scale 0.5, zero point 100) feeds conv2 as x: lowered together when conv2 reads it
  // with the same parameters; with another x_scale neither is, since y's one QuantParams could
  // not say both.
  for (const float x2_scale : {0.5f, 0.25f}) {
    auto m = one_pixel_model(false);
    add_float_initializer(m, "x2_scale", {}, {x2_scale});
    add_initializer<uint8_t>(m, "x2_zp", kUInt8, {}, {100});
    add_node(m, "QLinearConv",
             {"y", "x2_scale", "x2_zp", "w", "w_scale", "w_zp", "y_scale", "y_zp"}, {"z"});
    m.mutable_graph()->clear_output();
    add_output(m, "z", kUInt8);
    const auto graph = import_model(m);
    ASSERT_TRUE(graph.is_ok()) << graph.status().message();
    const OpKind want = x2_scale == 0.5f ? OpKind::kConv : OpKind::kQLinearConv;
    EXPECT_EQ(graph->nodes.at(0).op, want) << "x2_scale " << x2_scale;
    EXPECT_EQ(graph->nodes.at(1).op, want) << "x2_scale " << x2_scale;
    // Both forms compute the same: 102 twice, then (102 - 100) * 1 * multiplier.
    const std::vector<uint8_t> y = run(m, {{13, 15}});
    const uint8_t second = x2_scale == 0.5f ? 101 : 100;  // 2 * 0.5 = 1; 2 * 0.25 = 0.5 -> 0
    EXPECT_EQ(y, (std::vector<uint8_t>{second, second})) << "x2_scale " << x2_scale;
  }
}

// ---- QDQ: DequantizeLinear(x_q), DequantizeLinear(w_q) -> Conv -> QuantizeLinear ----

struct QdqOptions {
  bool int8 = false;               // int8 throughout, per-channel weights; else uint8 per tensor
  bool dequantized_bias = false;   // DequantizeLinear of int32 at x_scale * w_scale; else float
  bool keep_float_output = false;  // the Conv's float output is a graph output too
  bool second_layer = false;       // another DQ -> Conv -> Q after the first
};

// x_q [1, 2, 5, 5] -> DQ -> Conv 3x3 (3 outputs, pads 1) with a bias -> Q -> y_q.
onnx::ModelProto qdq_model(const QdqOptions& o) {
  const int t = o.int8 ? kInt8 : kUInt8;
  auto m = onnx_model(13);
  add_input(m, "x_q", {1, 2, 5, 5}, t);
  add_float_initializer(m, "x_scale", {}, {0.05f});
  add_float_initializer(m, "y_scale", {}, {0.1f});
  std::vector<uint8_t> w(3 * 2 * 3 * 3);
  for (size_t i = 0; i < w.size(); ++i) w[i] = static_cast<uint8_t>((i * 37 + 11) % 255);
  if (o.int8) {
    add_initializer<int8_t>(m, "x_zp", kInt8, {}, {-3});
    add_initializer<int8_t>(m, "y_zp", kInt8, {}, {5});
    std::vector<int8_t> w8(w.size());
    for (size_t i = 0; i < w.size(); ++i) w8[i] = static_cast<int8_t>(static_cast<int>(w[i]) - 128);
    add_initializer<int8_t>(m, "w_q", kInt8, {3, 2, 3, 3}, w8);
    add_float_initializer(m, "w_scale", {3}, {0.01f, 0.02f, 0.005f});
    add_initializer<int8_t>(m, "w_zp", kInt8, {3}, {0, 0, 0});
  } else {
    add_initializer<uint8_t>(m, "x_zp", kUInt8, {}, {120});
    add_initializer<uint8_t>(m, "y_zp", kUInt8, {}, {100});
    add_initializer<uint8_t>(m, "w_q", kUInt8, {3, 2, 3, 3}, w);
    add_float_initializer(m, "w_scale", {}, {0.01f});
    add_initializer<uint8_t>(m, "w_zp", kUInt8, {}, {128});
  }
  add_node(m, "DequantizeLinear", {"x_q", "x_scale", "x_zp"}, {"x"});
  set_int_attr(add_node(m, "DequantizeLinear", {"w_q", "w_scale", "w_zp"}, {"w"}), "axis", 0);
  if (o.dequantized_bias) {
    const std::vector<float> s = o.int8 ? std::vector<float>{0.05f * 0.01f, 0.05f * 0.02f,
                                                             0.05f * 0.005f}
                                        : std::vector<float>{0.05f * 0.01f};
    add_initializer<int32_t>(m, "b_q", onnx::TensorProto::INT32, {3}, {1000, -2000, 37});
    add_float_initializer(m, "b_scale", {static_cast<int64_t>(s.size())}, s);
    set_int_attr(add_node(m, "DequantizeLinear", {"b_q", "b_scale"}, {"b"}), "axis", 0);
  } else {
    add_float_initializer(m, "b", {3}, {0.5f, -1.0f, 0.02f});
  }
  set_ints_attr(add_node(m, "Conv", {"x", "w", "b"}, {"y"}), "pads", {1, 1, 1, 1});
  add_node(m, "QuantizeLinear", {"y", "y_scale", "y_zp"}, {"y_q"});
  std::string out = "y_q";
  if (o.second_layer) {
    add_node(m, "DequantizeLinear", {"y_q", "y_scale", "y_zp"}, {"y2_in"});
    add_float_initializer(m, "w2_scale", {}, {0.01f});
    if (o.int8)
      add_initializer<int8_t>(m, "w2_q", kInt8, {3, 3, 1, 1}, {1, 2, 3, 4, 5, 6, 7, 8, 9});
    else
      add_initializer<uint8_t>(m, "w2_q", kUInt8, {3, 3, 1, 1}, {1, 2, 3, 4, 5, 6, 7, 8, 9});
    add_node(m, "DequantizeLinear", {"w2_q", "w2_scale"}, {"w2"});
    add_node(m, "Conv", {"y2_in", "w2"}, {"y2"});
    add_node(m, "QuantizeLinear", {"y2", "y_scale", "y_zp"}, {"y2_q"});
    out = "y2_q";
  }
  add_output(m, out, t);
  if (o.keep_float_output) add_output(m, "y");
  return m;
}

std::vector<uint8_t> qdq_input() {
  std::vector<uint8_t> x(2 * 5 * 5);
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<uint8_t>(i * 91 + 7);
  return x;
}

// Every output within one step of the other's, and few off at all.
void expect_within_one_step(const std::vector<uint8_t>& a, const std::vector<uint8_t>& b,
                            bool int8) {
  ASSERT_EQ(a.size(), b.size());
  int off = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    const int d = int8 ? static_cast<int8_t>(a[i]) - static_cast<int8_t>(b[i]) : a[i] - b[i];
    EXPECT_LE(std::abs(d), 1) << "output " << i;
    off += d != 0;
  }
  EXPECT_LE(off, static_cast<int>(a.size()) / 10) << "more than a tenth of the outputs differ";
}

TEST(QdqLowering, DequantizeConvQuantizeIsOneConvOfQuantizedValues) {
  const auto graph = import_model(qdq_model({}));
  ASSERT_TRUE(graph.is_ok()) << graph.status().message();
  ASSERT_EQ(graph->nodes.size(), 1u) << "the DequantizeLinears and the QuantizeLinear remain";
  const Node& n = graph->nodes[0];
  EXPECT_EQ(n.op, OpKind::kConv);
  EXPECT_EQ(n.attrs.get_string("requantize", ""), "real");
  ASSERT_EQ(n.inputs.size(), 3u);
  EXPECT_EQ(graph->value(n.inputs[0]).name, "x_q");
  EXPECT_EQ(graph->value(n.inputs[1]).name, "w_q");
  // The float bias quantized at x_scale * w_scale = 5e-4: 0.5 -> 1000, -1 -> -2000, 0.02 -> 40.
  const Value& b = graph->value(n.inputs[2]);
  ASSERT_EQ(b.dtype, DType::kInt32);
  EXPECT_EQ(std::vector<int32_t>(b.constant_as<int32_t>(), b.constant_as<int32_t>() + 3),
            (std::vector<int32_t>{1000, -2000, 40}));
  EXPECT_EQ(graph->value(n.outputs[0]).name, "y_q");
  EXPECT_EQ(graph->value(n.outputs[0]).quant.zero_point, std::vector<int64_t>{100});
}

TEST(QdqLowering, TheLoweredConvIsWithinOneStepOfTheFloatPattern) {
  for (const bool int8 : {false, true}) {
    for (const bool dequantized_bias : {false, true}) {
      SCOPED_TRACE(std::string(int8 ? "int8" : "uint8") + (dequantized_bias ? ", int32 bias" : ""));
      QdqOptions lowered;
      lowered.int8 = int8;
      lowered.dequantized_bias = dequantized_bias;
      EXPECT_EQ(import_model(qdq_model(lowered))->nodes.size(), 1u);
      QdqOptions kept = lowered;
      kept.keep_float_output = true;  // a float output the graph reads keeps the pattern
      const auto kept_graph = import_model(qdq_model(kept));
      ASSERT_TRUE(kept_graph.is_ok()) << kept_graph.status().message();
      EXPECT_GT(kept_graph->nodes.size(), 1u);
      const std::vector<uint8_t> want = run(qdq_model(kept), {qdq_input()});
      for (const char* backend : {"ref", "auto"}) {
        SCOPED_TRACE(backend);
        expect_within_one_step(run(qdq_model(lowered), {qdq_input()}, backend), want, int8);
      }
    }
  }
}

TEST(QdqLowering, ConsecutiveLayersLowerTogether) {
  QdqOptions o;
  o.second_layer = true;
  const auto graph = import_model(qdq_model(o));
  ASSERT_TRUE(graph.is_ok()) << graph.status().message();
  ASSERT_EQ(graph->nodes.size(), 2u);
  EXPECT_EQ(graph->nodes[0].op, OpKind::kConv);
  EXPECT_EQ(graph->nodes[1].op, OpKind::kConv);
  // The first one's output is the second one's input, with one QuantParams.
  EXPECT_EQ(graph->nodes[0].outputs[0], graph->nodes[1].inputs[0]);
  const std::vector<uint8_t> y = run(qdq_model(o), {qdq_input()});
  EXPECT_EQ(y.size(), 3u * 5 * 5);
}

TEST(QdqLowering, ADequantizedXOthersReadKeepsItsDequantizeLinear) {
  auto m = qdq_model({});
  add_node(m, "Relu", {"x"}, {"x_relu"});
  add_output(m, "x_relu");
  const auto graph = import_model(m);
  ASSERT_TRUE(graph.is_ok()) << graph.status().message();
  std::multiset<OpKind> ops;
  for (const Node& n : graph->nodes) {
    ops.insert(n.op);
    if (n.op == OpKind::kConv) {
      EXPECT_EQ(n.attrs.get_string("requantize", ""), "real");
    }
  }
  // DequantizeLinear(x_q) for the Relu, the lowered Conv, the Relu.
  EXPECT_EQ(ops, (std::multiset<OpKind>{OpKind::kDequantize, OpKind::kConv, OpKind::kRelu}));
}

TEST(QdqLowering, XnnpackRunsTheLoweredConv) {
  OUTPOST_SKIP_UNLESS_BACKEND("xnnpack");
  QdqOptions o;
  o.int8 = true;
  ModelStats stats;
  const std::vector<uint8_t> fast = run(qdq_model(o), {qdq_input()}, "xnnpack", &stats);
  EXPECT_EQ(stats.nodes_on_backend["xnnpack"], 1);
  expect_within_one_step(fast, run(qdq_model(o), {qdq_input()}), true);
}

}  // namespace
}  // namespace outpost
