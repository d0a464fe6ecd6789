// One concept, one IR op: the TFLite builtin and the ONNX op of a concept import to the same
// OpKind, and what differs between the formats arrives as attributes (docs/ops.md), so that
// kernels and passes never ask which file a node came from.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <tuple>

#include "formats/onnx/onnx_importer.h"
#include "formats/onnx/onnx_model_builder.h"
#include "formats/tflite/tflite_importer.h"
#include "outpost/session.h"
#include "support/tflite_builder.h"

namespace outpost {
namespace {

using testing::add_input;
using testing::add_node;
using testing::add_output;
using testing::build_tflite;
using testing::onnx_model;
using testing::serialize;
using testing::TfModelSpec;

// TFLite builtin codes and options tables (the schema's BuiltinOperator / BuiltinOptions).
constexpr int32_t kTfliteAveragePool2D = 1;
constexpr int32_t kTfliteDequantize = 6;
constexpr int32_t kTfliteMaxPool2D = 17;
constexpr int32_t kTfliteRelu6 = 21;
constexpr int32_t kTfliteReshape = 22;
constexpr int32_t kTfliteResizeBilinear = 23;
constexpr int32_t kTfliteQuantize = 114;
constexpr int32_t kTfliteSoftmax = 25;
constexpr uint8_t kPool2DOptions = 5;
constexpr uint8_t kSoftmaxOptions = 9;
constexpr uint8_t kResizeBilinearOptions = 15;

// The one node of a single-operator model (it lives as long as `graph`), or a failure naming
// why there is none.
const Node* only_node(const Result<Graph>& graph) {
  EXPECT_TRUE(graph.is_ok()) << graph.status().message();
  if (!graph.is_ok()) return nullptr;
  EXPECT_EQ(graph->nodes.size(), 1u);
  return graph->nodes.size() == 1 ? &graph->nodes[0] : nullptr;
}

Result<Graph> import_tflite_spec(const TfModelSpec& spec) {
  auto bytes = std::make_shared<std::vector<uint8_t>>(build_tflite(spec));
  return import_tflite(bytes->data(), bytes->size(), bytes, "canonical.tflite");
}

// A float32 model [1, 4] -> op -> [1, 4] with one options table.
TfModelSpec unary_tflite(int32_t code, uint8_t options_type,
                         std::vector<testing::TfOptionField> options) {
  TfModelSpec spec;
  spec.tensors = {{{1, 4}, 0, 0, "x"}, {{1, 4}, 0, 0, "y"}};
  spec.operators = {{code, "", {0}, {1}, options_type, std::move(options), {}}};
  spec.inputs = {0};
  spec.outputs = {1};
  return spec;
}

Result<Graph> import_onnx_model(const onnx::ModelProto& m) {
  const std::vector<uint8_t> bytes = serialize(m);
  return import_onnx(bytes.data(), bytes.size(), "canonical.onnx");
}

TEST(CanonicalOps, SoftmaxIsOneOp) {
  // TFLite: the last axis, scaled by beta (options field 0).
  const float beta = 0.5f;
  int32_t beta_bits;
  std::memcpy(&beta_bits, &beta, sizeof beta);
  const auto tf_graph =
      import_tflite_spec(unary_tflite(kTfliteSoftmax, kSoftmaxOptions, {{0, 4, beta_bits}}));
  const Node* tf = only_node(tf_graph);
  ASSERT_NE(tf, nullptr);
  EXPECT_EQ(tf->op, OpKind::kSoftmax);
  EXPECT_EQ(tf->attrs.get_int("axis", -1), -1);
  EXPECT_FLOAT_EQ(tf->attrs.get_float("beta", 1.0f), 0.5f);
  EXPECT_EQ(tf->attrs.get_int("coerce_2d", 0), 0);

  // ONNX before opset 13: the 2-D form, axis 1 by default; from 13: the one axis, -1 by default.
  for (int64_t opset : {11, 13}) {
    auto m = onnx_model(opset);
    add_input(m, "x", {1, 4});
    add_node(m, "Softmax", {"x"}, {"y"});
    add_output(m, "y");
    auto graph = import_onnx_model(m);
    const Node* on = only_node(graph);
    ASSERT_NE(on, nullptr);
    EXPECT_EQ(on->op, OpKind::kSoftmax) << "opset " << opset;
    EXPECT_EQ(on->attrs.get_int("axis", 0), opset < 13 ? 1 : -1) << "opset " << opset;
    EXPECT_EQ(on->attrs.get_int("coerce_2d", 0), opset < 13 ? 1 : 0) << "opset " << opset;
    EXPECT_FLOAT_EQ(on->attrs.get_float("beta", 1.0f), 1.0f) << "opset " << opset;
  }
}

// TFLite's RELU6 is ONNX's Clip with the bounds 0 and 6, in Clip's attribute form.
TEST(CanonicalOps, Relu6IsClip) {
  const auto graph = import_tflite_spec(unary_tflite(kTfliteRelu6, 0, {}));
  const Node* n = only_node(graph);
  ASSERT_NE(n, nullptr);
  EXPECT_EQ(n->op, OpKind::kClip);
  EXPECT_EQ(n->inputs.size(), 1u);
  EXPECT_FLOAT_EQ(n->attrs.get_float("min", -1.0f), 0.0f);
  EXPECT_FLOAT_EQ(n->attrs.get_float("max", -1.0f), 6.0f);
}

TEST(CanonicalOps, ReshapeIsOneOp) {
  // TFLite: x [1, 4] and a constant int32 shape [2, 2]; a 0 there would be a zero-sized
  // dimension (allowzero). ONNX: an int64 shape; a 0 copies (allowzero 0, its default).
  TfModelSpec spec;
  spec.tensors = {{{1, 4}, 0, 0, "x"}, {{2}, 2, 1, "shape"}, {{2, 2}, 0, 0, "y"}};
  spec.buffers = {testing::bytes_of(std::vector<int32_t>{2, 2})};
  spec.operators = {{kTfliteReshape, "", {0, 1}, {2}}};
  spec.inputs = {0};
  spec.outputs = {2};
  const auto tf_graph = import_tflite_spec(spec);
  const Node* tf = only_node(tf_graph);
  ASSERT_NE(tf, nullptr);
  EXPECT_EQ(tf->op, OpKind::kReshape);
  EXPECT_EQ(tf->attrs.get_int("allowzero", 0), 1);

  auto m = onnx_model(13);
  add_input(m, "x", {1, 4});
  testing::add_int64_initializer(m, "shape", {2}, {2, 2});
  add_node(m, "Reshape", {"x", "shape"}, {"y"});
  add_output(m, "y");
  const auto onnx_graph = import_onnx_model(m);
  const Node* on = only_node(onnx_graph);
  ASSERT_NE(on, nullptr);
  EXPECT_EQ(on->op, OpKind::kReshape);
  EXPECT_EQ(on->attrs.get_int("allowzero", 0), 0);
  EXPECT_FALSE(on->attrs.has("new_shape"));
}

TEST(CanonicalOps, PoolsAreOneOpEach) {
  // TFLite: NHWC [1, 5, 4, 2], options padding SAME (0), stride w 1, h 2, filter w 3, h 2, RELU;
  // the pool is ONNX's over NHWC, SAME being SAME_UPPER (the odd pad at the end).
  for (int32_t code : {kTfliteMaxPool2D, kTfliteAveragePool2D}) {
    TfModelSpec spec;
    spec.tensors = {{{1, 5, 4, 2}, 0, 0, "x"}, {{1, 3, 4, 2}, 0, 0, "y"}};
    spec.operators = {{code, "", {0}, {1}, kPool2DOptions,
                       {{0, 1, 0}, {1, 4, 1}, {2, 4, 2}, {3, 4, 3}, {4, 4, 2}, {5, 1, 1}}, {}}};
    spec.inputs = {0};
    spec.outputs = {1};
    const auto tf_graph = import_tflite_spec(spec);
    const Node* tf = only_node(tf_graph);
    ASSERT_NE(tf, nullptr);
    EXPECT_EQ(tf->op, code == kTfliteMaxPool2D ? OpKind::kMaxPool : OpKind::kAveragePool);
    EXPECT_EQ(tf->attrs.get_int("channels_last", 0), 1);
    EXPECT_EQ(tf->attrs.get_ints("kernel_shape"), (std::vector<int64_t>{2, 3}));
    EXPECT_EQ(tf->attrs.get_ints("strides"), (std::vector<int64_t>{2, 1}));
    EXPECT_EQ(tf->attrs.get_string("auto_pad", ""), "SAME_UPPER");
    EXPECT_EQ(tf->attrs.get_string("activation", ""), "relu");
    EXPECT_EQ(tf->attrs.get_int("count_include_pad", 0), 0);
    EXPECT_EQ(tf_graph->value(tf->outputs[0]).shape, (Shape{1, 3, 4, 2}));
  }
  for (const char* op : {"MaxPool", "AveragePool"}) {
    auto m = onnx_model(13);
    add_input(m, "x", {1, 2, 5, 4});
    auto* n = add_node(m, op, {"x"}, {"y"});
    testing::set_ints_attr(n, "kernel_shape", {2, 3});
    add_output(m, "y");
    const auto onnx_graph = import_onnx_model(m);
    const Node* on = only_node(onnx_graph);
    ASSERT_NE(on, nullptr);
    EXPECT_EQ(on->op, std::string(op) == "MaxPool" ? OpKind::kMaxPool : OpKind::kAveragePool);
    EXPECT_EQ(on->attrs.get_int("channels_last", 0), 0);
  }
}

// TFLite: NHWC x [1, 2, 3, 4], size [5, 6] (int32), options align_corners (field 2) and
// half_pixel_centers (field 3): ONNX's linear Resize to sizes [1, 5, 6, 4].
TfModelSpec resize_bilinear_tflite(int32_t align_corners, int32_t half_pixel) {
  TfModelSpec spec;
  spec.tensors = {{{1, 2, 3, 4}, 0, 0, "x"}, {{2}, 2, 1, "size"}, {{1, 5, 6, 4}, 0, 0, "y"}};
  spec.buffers = {testing::bytes_of(std::vector<int32_t>{5, 6})};
  spec.operators = {{kTfliteResizeBilinear, "", {0, 1}, {2}, kResizeBilinearOptions,
                     {{2, 1, align_corners}, {3, 1, half_pixel}}, {}}};
  spec.inputs = {0};
  spec.outputs = {2};
  return spec;
}

TEST(CanonicalOps, ResizeIsOneOp) {
  for (auto [align, half, mode] : std::vector<std::tuple<int, int, std::string>>{
           {0, 0, "asymmetric"}, {1, 0, "align_corners"}, {0, 1, "half_pixel"}}) {
    const auto tf_graph = import_tflite_spec(resize_bilinear_tflite(align, half));
    const Node* tf = only_node(tf_graph);
    ASSERT_NE(tf, nullptr);
    EXPECT_EQ(tf->op, OpKind::kResize);
    EXPECT_EQ(tf->attrs.get_string("mode", ""), "linear");
    EXPECT_EQ(tf->attrs.get_string("coordinate_transformation_mode", ""), mode);
    ASSERT_EQ(tf->inputs.size(), 4u);
    EXPECT_EQ(tf->inputs[1], kNoValue);
    EXPECT_EQ(tf->inputs[2], kNoValue);
    const Value& sizes = tf_graph->value(tf->inputs[3]);
    ASSERT_TRUE(sizes.is_constant());
    EXPECT_EQ(sizes.dtype, DType::kInt64);
    const int64_t* v = sizes.constant_as<int64_t>();
    EXPECT_EQ(std::vector<int64_t>(v, v + 4), (std::vector<int64_t>{1, 5, 6, 4}));
  }
  const auto both = import_tflite_spec(resize_bilinear_tflite(1, 1));
  ASSERT_FALSE(both.is_ok());
  EXPECT_EQ(both.status().code(), StatusCode::kInvalidModel);
  EXPECT_NE(both.status().message().find("cannot both be set"), std::string::npos);

  auto m = onnx_model(13);
  add_input(m, "x", {1, 4, 2, 3});
  testing::add_int64_initializer(m, "sizes", {4}, {1, 4, 5, 6});
  auto* n = add_node(m, "Resize", {"x", "", "", "sizes"}, {"y"});
  auto* a = n->add_attribute();
  a->set_name("mode");
  a->set_type(onnx::AttributeProto::STRING);
  a->set_s("linear");
  add_output(m, "y");
  const auto onnx_graph = import_onnx_model(m);
  const Node* on = only_node(onnx_graph);
  ASSERT_NE(on, nullptr);
  EXPECT_EQ(on->op, OpKind::kResize);
  EXPECT_EQ(on->attrs.get_string("mode", ""), "linear");
}

// Runs a one-input float ONNX model on the reference backend; its output's values.
std::vector<float> run_onnx(const onnx::ModelProto& m, const std::vector<float>& x_values) {
  auto owned = std::make_shared<std::vector<uint8_t>>(serialize(m));
  SessionOptions options;
  options.backend = "ref";
  auto session = Session::open_buffer(owned->data(), owned->size(), owned, "model.onnx", options);
  EXPECT_TRUE(session.is_ok()) << session.status().message();
  if (!session.is_ok()) return {};
  Tensor& x = (*session)->input(0);
  EXPECT_EQ(x.num_elements(), static_cast<int64_t>(x_values.size()));
  std::copy(x_values.begin(), x_values.end(), x.data_as<float>());
  const Status ran = (*session)->run();
  EXPECT_TRUE(ran.is_ok()) << ran.message();
  const Tensor& y = (*session)->output(0);
  return std::vector<float>(y.data_as<float>(), y.data_as<float>() + y.num_elements());
}

// ONNX's Upsample and Resize before opset 11 take (x, scales), or the scales attribute before
// opset 9; they import as the IR's Resize with the scales at input 2, no roi, asymmetric
// coordinates and ONNX Runtime's nearest rounding for them ("simple").
onnx::ModelProto legacy_resize(const std::string& op, int64_t opset, const std::string& mode) {
  auto m = onnx_model(opset);
  add_input(m, "x", {1, 1, 2, 2});
  std::vector<std::string> inputs = {"x"};
  if (opset >= 9) {
    testing::add_float_initializer(m, "scales", {4}, {1, 1, 2, 2});
    inputs.push_back("scales");
  }
  auto* n = add_node(m, op, inputs, {"y"});
  auto* a = n->add_attribute();
  a->set_name("mode");
  a->set_type(onnx::AttributeProto::STRING);
  a->set_s(mode);
  if (opset < 9) {
    auto* scales = n->add_attribute();
    scales->set_name("scales");
    scales->set_type(onnx::AttributeProto::FLOATS);
    for (float f : {1.0f, 1.0f, 2.0f, 2.0f}) scales->add_floats(f);
  }
  add_output(m, "y");
  return m;
}

TEST(CanonicalOps, UpsampleAndTheOlderResizeAreResize) {
  for (const auto& [op, opset] : {std::pair<std::string, int64_t>{"Upsample", 7},
                                  {"Upsample", 9},
                                  {"Resize", 10}}) {
    const std::string what = op + " opset " + std::to_string(opset);
    const auto graph = import_onnx_model(legacy_resize(op, opset, "bilinear"));
    const Node* n = only_node(graph);
    ASSERT_NE(n, nullptr) << what;
    EXPECT_EQ(n->op, OpKind::kResize) << what;
    EXPECT_EQ(n->attrs.get_string("mode", ""), "linear") << what;
    EXPECT_EQ(n->attrs.get_string("coordinate_transformation_mode", ""), "asymmetric") << what;
    EXPECT_EQ(n->attrs.get_string("nearest_mode", ""), "simple") << what;
    if (opset < 9) {
      EXPECT_EQ(n->inputs.size(), 1u) << what;
      EXPECT_TRUE(n->attrs.has("scales")) << what;
    } else {
      ASSERT_EQ(n->inputs.size(), 3u) << what;
      EXPECT_EQ(n->inputs[1], kNoValue) << what << ": no roi";
      EXPECT_EQ(graph->value(n->inputs[2]).name, "scales") << what;
    }
    // Bilinear, asymmetric: output pixel i reads input i / 2, the last row and column clamped.
    const std::vector<float> y = run_onnx(legacy_resize(op, opset, "bilinear"), {1, 2, 3, 4});
    EXPECT_EQ(y, (std::vector<float>{1, 1.5, 2, 2, 2, 2.5, 3, 3, 3, 3.5, 4, 4, 3, 3.5, 4, 4}))
        << what;
  }
  // Resize from opset 11 keeps its own attributes.
  auto m = onnx_model(11);
  add_input(m, "x", {1, 1, 2, 2});
  testing::add_float_initializer(m, "scales", {4}, {1, 1, 2, 2});
  add_node(m, "Resize", {"x", "", "scales"}, {"y"});
  add_output(m, "y");
  const auto graph = import_onnx_model(m);
  const Node* n = only_node(graph);
  ASSERT_NE(n, nullptr);
  EXPECT_FALSE(n->attrs.has("coordinate_transformation_mode"));
  EXPECT_FALSE(n->attrs.has("nearest_mode"));
}

TEST(CanonicalOps, AnUpsampleModeOtherThanNearestOrLinearIsUnsupported) {
  const auto graph = import_onnx_model(legacy_resize("Upsample", 9, "cubic"));
  ASSERT_FALSE(graph.is_ok());
  EXPECT_EQ(graph.status().code(), StatusCode::kUnsupported);
  EXPECT_NE(graph.status().message().find("mode 'cubic'"), std::string::npos)
      << graph.status().message();
}

// ONNX's Scatter (deprecated in opset 11) is ScatterElements without `reduction`.
TEST(CanonicalOps, ScatterIsScatterElements) {
  auto m = onnx_model(10);
  add_input(m, "x", {1, 5});
  testing::add_int64_initializer(m, "indices", {1, 2}, {1, 3});
  testing::add_float_initializer(m, "updates", {1, 2}, {1.5f, 2.5f});
  testing::set_int_attr(add_node(m, "Scatter", {"x", "indices", "updates"}, {"y"}), "axis", 1);
  add_output(m, "y");
  const auto graph = import_onnx_model(m);
  const Node* n = only_node(graph);
  ASSERT_NE(n, nullptr);
  EXPECT_EQ(n->op, OpKind::kScatterElements);
  EXPECT_EQ(n->attrs.get_int("axis", 0), 1);
  EXPECT_EQ(run_onnx(m, {1, 2, 3, 4, 5}), (std::vector<float>{1, 1.5f, 3, 2.5f, 5}));
}

// RoiAlign before opset 16 has no coordinate_transformation_mode and does not shift the region
// by half a pixel: output_half_pixel, not the later default half_pixel.
TEST(CanonicalOps, RoiAlignBeforeOpset16IsOutputHalfPixel) {
  for (int64_t opset : {10, 16}) {
    auto m = onnx_model(opset);
    add_input(m, "x", {1, 1, 2, 2});
    testing::add_float_initializer(m, "rois", {1, 4}, {0, 0, 1, 1});
    testing::add_int64_initializer(m, "batch", {1}, {0});
    add_node(m, "RoiAlign", {"x", "rois", "batch"}, {"y"});
    add_output(m, "y");
    const auto graph = import_onnx_model(m);
    const Node* n = only_node(graph);
    ASSERT_NE(n, nullptr) << "opset " << opset;
    EXPECT_EQ(n->op, OpKind::kRoiAlign);
    EXPECT_EQ(n->attrs.get_string("coordinate_transformation_mode", "half_pixel"),
              opset < 16 ? "output_half_pixel" : "half_pixel")
        << "opset " << opset;
  }
}

// The window functions' output_datatype (an ONNX data type) is the IR's to_dtype; float32 when
// absent, and a type the IR has no dtype for is refused at import.
TEST(CanonicalOps, AWindowsOutputDatatypeIsItsToDtype) {
  for (int64_t datatype : {int64_t{-1}, int64_t{onnx::TensorProto::DOUBLE},
                           int64_t{onnx::TensorProto::COMPLEX64}}) {
    auto m = onnx_model(17);
    testing::add_int64_initializer(m, "size", {}, {4});
    auto* n = add_node(m, "HannWindow", {"size"}, {"w"});
    if (datatype >= 0) testing::set_int_attr(n, "output_datatype", datatype);
    add_output(m, "w", datatype == onnx::TensorProto::DOUBLE ? onnx::TensorProto::DOUBLE
                                                             : onnx::TensorProto::FLOAT);
    const auto graph = import_onnx_model(m);
    if (datatype == onnx::TensorProto::COMPLEX64) {
      ASSERT_FALSE(graph.is_ok());
      EXPECT_EQ(graph.status().code(), StatusCode::kUnsupported);
      continue;
    }
    const Node* node = only_node(graph);
    ASSERT_NE(node, nullptr);
    EXPECT_EQ(node->attrs.get_int("to_dtype", -1),
              static_cast<int64_t>(datatype < 0 ? DType::kFloat32 : DType::kFloat64));
  }
}

TEST(CanonicalOps, QuantizeIsOneOp) {
  // TFLite: float32 [1, 4] -> uint8 with the output's scale and zero point; rounds half away
  // from zero. ONNX: QuantizeLinear with the scale as an operand; rounds half to even.
  TfModelSpec spec;
  spec.tensors = {{{1, 4}, 0, 0, "x"}, {{1, 4}, 3, 0, "q", {0.5f}, {10}}};
  spec.operators = {{kTfliteQuantize, "", {0}, {1}}};
  spec.inputs = {0};
  spec.outputs = {1};
  const auto tf_graph = import_tflite_spec(spec);
  const Node* tf = only_node(tf_graph);
  ASSERT_NE(tf, nullptr);
  EXPECT_EQ(tf->op, OpKind::kQuantize);
  EXPECT_EQ(tf->inputs.size(), 1u);
  EXPECT_EQ(tf->attrs.get_string("rounding", ""), "half_away_from_zero");

  auto m = onnx_model(13);
  add_input(m, "x", {1, 4});
  testing::add_float_initializer(m, "scale", {}, {0.5f});
  add_node(m, "QuantizeLinear", {"x", "scale"}, {"q"});
  add_output(m, "q", onnx::TensorProto::UINT8);
  const auto onnx_graph = import_onnx_model(m);
  const Node* on = only_node(onnx_graph);
  ASSERT_NE(on, nullptr);
  EXPECT_EQ(on->op, OpKind::kQuantize);
  EXPECT_EQ(on->inputs.size(), 2u);
  EXPECT_EQ(on->attrs.get_string("rounding", ""), "half_to_even");
}

TEST(CanonicalOps, DequantizeIsOneOp) {
  TfModelSpec spec;
  spec.tensors = {{{1, 4}, 3, 0, "q", {0.5f}, {10}}, {{1, 4}, 0, 0, "y"}};
  spec.operators = {{kTfliteDequantize, "", {0}, {1}}};
  spec.inputs = {0};
  spec.outputs = {1};
  const auto tf_graph = import_tflite_spec(spec);
  const Node* tf = only_node(tf_graph);
  ASSERT_NE(tf, nullptr);
  EXPECT_EQ(tf->op, OpKind::kDequantize);

  auto m = onnx_model(13);
  add_input(m, "q", {1, 4}, onnx::TensorProto::UINT8);
  testing::add_float_initializer(m, "scale", {}, {0.5f});
  add_node(m, "DequantizeLinear", {"q", "scale"}, {"y"});
  add_output(m, "y");
  const auto onnx_graph = import_onnx_model(m);
  const Node* on = only_node(onnx_graph);
  ASSERT_NE(on, nullptr);
  EXPECT_EQ(on->op, OpKind::kDequantize);
  EXPECT_EQ(on->inputs.size(), 2u);
}

TEST(CanonicalOps, AnOnnxSoftmaxCannotSmuggleInABeta) {
  // ONNX's Softmax has no beta: an attribute of that name on an ONNX node means nothing.
  auto m = onnx_model(13);
  add_input(m, "x", {1, 4});
  auto* node = add_node(m, "Softmax", {"x"}, {"y"});
  auto* a = node->add_attribute();
  a->set_name("beta");
  a->set_type(onnx::AttributeProto::FLOAT);
  a->set_f(3.0f);
  add_output(m, "y");
  auto graph = import_onnx_model(m);
  const Node* on = only_node(graph);
  ASSERT_NE(on, nullptr);
  EXPECT_FALSE(on->attrs.has("beta"));
}

}  // namespace
}  // namespace outpost
