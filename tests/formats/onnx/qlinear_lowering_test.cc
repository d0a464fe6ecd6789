// ONNX's QLinearConv with constant scales and zero points imports as the one Conv with quantized
// values (src/formats/onnx/onnx_qlinear_lowering.h) and computes what QLinearConv computes; where
// the pattern does not allow it, the node stays a QLinearConv.
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
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

}  // namespace
}  // namespace outpost
