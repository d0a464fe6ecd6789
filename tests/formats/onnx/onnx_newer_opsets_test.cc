// Opsets 18 to 21 at import: the forms they changed settled into the IR's terms, and the forms
// the IR lacks refused by name (tests/e2e/onnx_newer_opsets.py runs them against ONNX Runtime).
#include <gtest/gtest.h>

#include <cstring>

#include "formats/onnx/onnx_importer.h"
#include "formats/onnx/onnx_model_builder.h"
#include "outpost/session.h"

namespace outpost {
namespace {

using namespace outpost::testing;  // NOLINT: the builder helpers

Result<Graph> import(const onnx::ModelProto& m) {
  const std::vector<uint8_t> bytes = serialize(m);
  return import_onnx(bytes.data(), bytes.size(), "newer.onnx", {});
}

Result<std::unique_ptr<Session>> open_model(const onnx::ModelProto& m) {
  auto bytes = std::make_shared<std::vector<uint8_t>>(serialize(m));
  return Session::open_buffer(bytes->data(), bytes->size(), bytes, "newer.onnx");
}

void set_string_attr(onnx::NodeProto* n, const std::string& name, const std::string& v) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::STRING);
  a->set_s(v);
}

void expect_unsupported(const onnx::ModelProto& m, const std::string& says) {
  auto g = import(m);
  ASSERT_FALSE(g.is_ok());
  EXPECT_EQ(g.status().code(), StatusCode::kUnsupported) << g.status().message();
  EXPECT_NE(g.status().message().find(says), std::string::npos) << g.status().message();
}

TEST(OnnxNewerOpsets, SplitNumOutputsLeavesTheLastChunkSmaller) {
  auto m = onnx_model(18);
  add_input(m, "x", {7});
  set_int_attr(add_node(m, "Split", {"x"}, {"a", "b", "c"}), "num_outputs", 3);
  for (const char* o : {"a", "b", "c"}) add_output(m, o);
  auto s = open_model(m);
  ASSERT_TRUE(s.is_ok()) << s.status().message();
  const std::vector<float> x = {0, 1, 2, 3, 4, 5, 6};
  std::memcpy((*s)->input(0).data(), x.data(), x.size() * 4);
  ASSERT_TRUE((*s)->run().is_ok());
  EXPECT_EQ((*s)->output(0).num_elements(), 3);
  EXPECT_EQ((*s)->output(1).num_elements(), 3);
  ASSERT_EQ((*s)->output(2).num_elements(), 1);
  EXPECT_EQ((*s)->output(1).data_as<float>()[0], 3.0f);
  EXPECT_EQ((*s)->output(2).data_as<float>()[0], 6.0f);
}

TEST(OnnxNewerOpsets, SplitNumOutputsOtherThanTheOutputsIsAnInvalidModel) {
  auto m = onnx_model(18);
  add_input(m, "x", {6});
  set_int_attr(add_node(m, "Split", {"x"}, {"a", "b"}), "num_outputs", 3);
  add_output(m, "a");
  add_output(m, "b");
  auto g = import(m);
  ASSERT_FALSE(g.is_ok());
  EXPECT_EQ(g.status().code(), StatusCode::kInvalidModel);
  EXPECT_NE(g.status().message().find("num_outputs is 3 but the node has 2 outputs"),
            std::string::npos)
      << g.status().message();
}

TEST(OnnxNewerOpsets, DftAxisIsAnInputFromOpset20WithDefaultMinus2) {
  for (bool given : {false, true}) {
    auto m = onnx_model(20);
    add_input(m, "x", {1, 6, 5, 1});
    if (given) add_int64_initializer(m, "axis", {}, {1});
    add_node(m, "DFT", given ? std::vector<std::string>{"x", "", "axis"}
                             : std::vector<std::string>{"x"},
             {"y"});
    add_output(m, "y");
    auto g = import(m);
    ASSERT_TRUE(g.is_ok()) << g.status().message();
    const Node& dft = g->nodes.back();
    EXPECT_EQ(dft.attrs.get_int("axis", 99), given ? 1 : -2);
    EXPECT_EQ(dft.inputs.size(), 1u);  // the axis operand and the absent dft_length dropped
  }
}

TEST(OnnxNewerOpsets, DftAxisComputedAtRunTimeIsRefused) {
  auto m = onnx_model(20);
  add_input(m, "x", {1, 6, 5, 1});
  add_input(m, "axis", {}, onnx::TensorProto::INT64);
  add_node(m, "DFT", {"x", "", "axis"}, {"y"});
  add_output(m, "y");
  expect_unsupported(m, "an axis that is not a constant int scalar is not supported");
}

TEST(OnnxNewerOpsets, GridSampleModeNamesOfOpset20AreTheIrs) {
  auto m = onnx_model(20);
  add_input(m, "x", {1, 1, 3, 3});
  add_input(m, "grid", {1, 2, 2, 2});
  set_string_attr(add_node(m, "GridSample", {"x", "grid"}, {"y"}), "mode", "cubic");
  add_output(m, "y");
  auto g = import(m);
  ASSERT_TRUE(g.is_ok()) << g.status().message();
  EXPECT_EQ(g->nodes.back().attrs.get_string("mode", ""), "bicubic");
}

TEST(OnnxNewerOpsets, PadAxesInputIsRefused) {
  auto m = onnx_model(18);
  add_input(m, "x", {2, 3});
  add_int64_initializer(m, "pads", {2}, {1, 1});
  add_int64_initializer(m, "axes", {1}, {1});
  add_node(m, "Pad", {"x", "pads", "", "axes"}, {"y"});
  add_output(m, "y");
  expect_unsupported(m, "op 'Pad' (domain ai.onnx, opset 18): the axes input (opset 18)");
}

TEST(OnnxNewerOpsets, BlockedQuantizationIsRefused) {
  auto m = onnx_model(21);
  add_input(m, "x", {2, 4});
  add_float_initializer(m, "s", {2, 2}, {0.1f, 0.2f, 0.3f, 0.4f});
  auto* n = add_node(m, "QuantizeLinear", {"x", "s"}, {"y"});
  set_int_attr(n, "axis", 1);
  set_int_attr(n, "block_size", 2);
  add_output(m, "y", onnx::TensorProto::UINT8);
  expect_unsupported(m, "blocked quantization (block_size 2, opset 21)");
}

TEST(OnnxNewerOpsets, QuantizeOutputDtypeWithoutAZeroPointIsRefused) {
  auto m = onnx_model(21);
  add_input(m, "x", {4});
  add_float_initializer(m, "s", {}, {0.1f});
  set_int_attr(add_node(m, "QuantizeLinear", {"x", "s"}, {"y"}), "output_dtype",
               onnx::TensorProto::INT8);
  add_output(m, "y", onnx::TensorProto::INT8);
  expect_unsupported(m, "output_dtype 3 without a zero point");
}

TEST(OnnxNewerOpsets, Float8AndInt4TensorsAreUnsupportedNotInvalid) {
  for (int type : {17, 19, 22}) {  // FLOAT8E4M3FN, FLOAT8E5M2, INT4
    auto m = onnx_model(21);
    add_input(m, "x", {4}, type);
    add_node(m, "Identity", {"x"}, {"y"});
    add_output(m, "y", type);
    expect_unsupported(m, type == 22 ? "4-bit integer tensors" : "float8 tensors");
  }
}

}  // namespace
}  // namespace outpost
