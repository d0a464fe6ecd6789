// The outline of a model file (what `inspect` shows of a model that cannot run): inputs and
// outputs as declared, symbolic dimensions by name, every op counted and marked.
#include "formats/model_outline.h"

#include <gtest/gtest.h>

#include "formats/onnx/onnx_model_builder.h"
#include "support/tflite_builder.h"

namespace outpost {
namespace {

using testing::TfModelSpec;

constexpr int32_t kTfliteAdd = 0;
constexpr int32_t kTfliteRfft2d = 131;  // a builtin Outpost lacks
constexpr int32_t kTfliteCustom = 32;

Result<ModelOutline> outline_of(const std::vector<uint8_t>& bytes, const std::string& name) {
  return outline_model(bytes.data(), bytes.size(), name);
}

// x [?, 4] + y, RFFT2D twice, a custom op Outpost lacks and one it has.
TfModelSpec tflite_spec() {
  TfModelSpec spec;
  spec.tensors = {{{1, 4}, 0, 0, "x"},        {{1, 4}, 0, 0, "y"},        {{1, 4}, 0, 0, "sum"},
                  {{1}, 4, 0, "index"},       {{1}, 4, 0, "index2"},      {{1, 4}, 0, 0, "mine"},
                  {{1, 4}, 0, 0, "boxes"}};
  spec.tensors[0].shape_signature = {-1, 4};
  spec.operators = {{kTfliteAdd, "", {0, 1}, {2}},
                    {kTfliteRfft2d, "", {2}, {3}},
                    {kTfliteRfft2d, "", {2}, {4}},
                    {kTfliteCustom, "MyOp", {2}, {5}},
                    {kTfliteCustom, "TFLite_Detection_PostProcess", {2}, {6}}};
  spec.inputs = {0, 1};
  spec.outputs = {3, 4, 5, 6};
  return spec;
}

TEST(ModelOutline, TfliteOpsAreCountedAndMarked) {
  auto o = outline_of(testing::build_tflite(tflite_spec()), "m.tflite");
  ASSERT_TRUE(o.is_ok()) << o.status().message();
  EXPECT_EQ(o->format, "tflite");
  EXPECT_EQ(o->nodes, 5);
  ASSERT_EQ(o->ops.size(), 4u);
  EXPECT_EQ(o->ops[0].op, "ADD");
  EXPECT_TRUE(o->ops[0].translated);
  EXPECT_EQ(o->ops[1].op, "RFFT2D");
  EXPECT_EQ(o->ops[1].count, 2);
  EXPECT_EQ(o->ops[1].first_node, 1);
  EXPECT_FALSE(o->ops[1].translated);
  EXPECT_EQ(o->ops[2].op, "custom 'MyOp'");
  EXPECT_FALSE(o->ops[2].translated);
  EXPECT_EQ(o->ops[3].op, "custom 'TFLite_Detection_PostProcess'");
  EXPECT_TRUE(o->ops[3].translated);
}

TEST(ModelOutline, TfliteShapeSignatureShowsRunTimeDimensions) {
  auto o = outline_of(testing::build_tflite(tflite_spec()), "m.tflite");
  ASSERT_TRUE(o.is_ok()) << o.status().message();
  ASSERT_EQ(o->inputs.size(), 2u);
  EXPECT_EQ(o->inputs[0].name, "x");
  EXPECT_EQ(o->inputs[0].dtype, "float32");
  EXPECT_EQ(dims_text(o->inputs[0].dims), "[?, 4]");
  EXPECT_TRUE(o->inputs[0].symbolic());
  EXPECT_EQ(dims_text(o->inputs[1].dims), "[1, 4]");  // no signature: the shape
  EXPECT_FALSE(o->inputs[1].symbolic());
  ASSERT_EQ(o->outputs.size(), 4u);
  EXPECT_EQ(o->outputs[0].dtype, "int64");
}

TEST(ModelOutline, OnnxSymbolicDimensionsKeepTheirNames) {
  auto m = testing::onnx_model(13);
  testing::add_input(m, "x", {1, 3, 8, 8});
  auto* dims = m.mutable_graph()->mutable_input(0)->mutable_type()->mutable_tensor_type()->mutable_shape();
  dims->mutable_dim(0)->set_dim_param("batch");
  dims->mutable_dim(2)->clear_dim_value();  // neither value nor name: unknown
  testing::add_input(m, "w", {3});
  testing::add_float_initializer(m, "w", {3}, {1, 2, 3});  // listed as input: a weight
  testing::add_node(m, "LpPool", {"x"}, {"p"});
  testing::add_node(m, "Relu", {"p"}, {"y"});
  testing::add_node(m, "FusedThing", {"y"}, {"z"})->set_domain("com.example");
  testing::add_output(m, "z");
  auto o = outline_of(testing::serialize(m), "m.onnx");
  ASSERT_TRUE(o.is_ok()) << o.status().message();
  EXPECT_EQ(o->format, "onnx");
  EXPECT_EQ(o->version, "opset 13, ir_version " + std::to_string(m.ir_version()));
  ASSERT_EQ(o->inputs.size(), 1u);
  EXPECT_EQ(dims_text(o->inputs[0].dims), "[batch, 3, ?, 8]");
  ASSERT_EQ(o->ops.size(), 3u);
  EXPECT_EQ(o->ops[0].op, "LpPool");
  EXPECT_FALSE(o->ops[0].translated);
  EXPECT_EQ(o->ops[1].op, "Relu");
  EXPECT_TRUE(o->ops[1].translated);
  EXPECT_EQ(o->ops[2].op, "com.example.FusedThing");
  EXPECT_FALSE(o->ops[2].translated);
}

TEST(ModelOutline, OnnxOpsetOutsideTheReadRangeIsSaid) {
  auto m = testing::onnx_model(22);
  testing::add_input(m, "x", {2});
  testing::add_node(m, "Relu", {"x"}, {"y"});
  testing::add_output(m, "y");
  auto o = outline_of(testing::serialize(m), "m.onnx");
  ASSERT_TRUE(o.is_ok()) << o.status().message();
  EXPECT_NE(o->version.find("opset 22 (Outpost reads 6 to 21)"), std::string::npos) << o->version;
}

TEST(ModelOutlineCorrupt, ATruncatedFileIsAnInvalidModel) {
  auto bytes = testing::build_tflite(tflite_spec());
  bytes.resize(bytes.size() / 2);
  auto o = outline_of(bytes, "half.tflite");
  ASSERT_FALSE(o.is_ok());
  EXPECT_EQ(o.status().code(), StatusCode::kInvalidModel);
  EXPECT_NE(o.status().message().find("half.tflite"), std::string::npos);
}

}  // namespace
}  // namespace outpost
