// TFLite MEAN and ONNX ReduceMean import to the one IR op ReduceMean (docs/ops.md): the axes
// are the attribute `axes`. The TFLite importer reads them from MEAN's constant axes tensor
// (dropping repeats, which TFLite ignores), sets keepdims from keep_dims, and sets
// noop_with_empty_axes = 1: an empty TFLite axes list reduces nothing, an empty ONNX one
// everything.
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

constexpr int32_t kTfliteMean = 40;
constexpr uint8_t kReducerOptions = 27;

// y = MEAN(x [1, 2, 2, 3], axes, keep_dims), y of shape `out`.
TfModelSpec tflite_mean(const std::vector<int32_t>& axes, bool keep_dims,
                        const std::vector<int32_t>& out) {
  TfModelSpec spec;
  spec.tensors = {{{1, 2, 2, 3}, 0, 0, "x"},
                  {{static_cast<int32_t>(axes.size())}, 2, 1, "axes"},
                  {out, 0, 0, "y"}};
  spec.buffers = {bytes_of(axes)};
  testing::TfOperatorSpec mean;
  mean.builtin_code = kTfliteMean;
  mean.inputs = {0, 1};
  mean.outputs = {2};
  mean.options_type = kReducerOptions;
  mean.options = {{0, 1, keep_dims ? 1 : 0}};
  spec.operators = {mean};
  spec.inputs = {0};
  spec.outputs = {2};
  return spec;
}

// ReduceMean over axes 1 and 2 (opset 13: axes is an attribute), keepdims 1.
onnx::ModelProto onnx_reduce_mean() {
  auto m = testing::onnx_model(13);
  testing::add_input(m, "x", {1, 2, 2, 3});
  testing::set_ints_attr(testing::add_node(m, "ReduceMean", {"x"}, {"y"}), "axes", {1, 2});
  testing::add_output(m, "y");
  return m;
}

Result<Graph> import(const TfModelSpec& spec) {
  const auto bytes = build_tflite(spec);
  return import_tflite(bytes.data(), bytes.size(), nullptr, "mean.tflite");
}

Result<std::unique_ptr<Session>> open(std::vector<uint8_t> bytes, const std::string& name) {
  auto owned = std::make_shared<std::vector<uint8_t>>(std::move(bytes));
  return Session::open_buffer(owned->data(), owned->size(), owned, name);
}

// Runs on x = 1..12 ([1, 2, 2, 3], channels last).
std::vector<float> run_floats(Session& s) {
  float* x = s.input(0).data_as<float>();
  for (int i = 0; i < 12; ++i) x[i] = static_cast<float>(i + 1);
  EXPECT_TRUE(s.run().is_ok());
  const Tensor& y = s.output(0);
  return std::vector<float>(y.data_as<float>(), y.data_as<float>() + y.num_elements());
}

TEST(ReduceMeanImport, TfliteAndOnnxGiveTheSameOp) {
  auto from_tflite = import(tflite_mean({1, 2}, true, {1, 1, 1, 3}));
  ASSERT_TRUE(from_tflite.is_ok()) << from_tflite.status().message();
  const auto onnx = testing::serialize(onnx_reduce_mean());
  auto from_onnx = import_onnx(onnx.data(), onnx.size(), "mean.onnx");
  ASSERT_TRUE(from_onnx.is_ok()) << from_onnx.status().message();
  for (const Graph* g : {&*from_tflite, &*from_onnx}) {
    ASSERT_EQ(g->nodes.size(), 1u);
    const Node& n = g->nodes[0];
    EXPECT_EQ(n.op, OpKind::kReduceMean);
    EXPECT_EQ(n.inputs.size(), 1u) << g->source;
    EXPECT_EQ(n.attrs.get_ints("axes"), (std::vector<int64_t>{1, 2})) << g->source;
    EXPECT_EQ(n.attrs.get_int("keepdims", 1), 1) << g->source;
  }
  // The attribute that carries the formats' difference: what an empty axes list means.
  EXPECT_EQ(from_tflite->nodes[0].attrs.get_int("noop_with_empty_axes", 0), 1);
  EXPECT_EQ(from_onnx->nodes[0].attrs.get_int("noop_with_empty_axes", 0), 0);

  // Means over the 4 pixels of each channel: (1 + 4 + 7 + 10) / 4 = 5.5, 6.5, 7.5.
  for (auto& [bytes, name] :
       {std::pair{build_tflite(tflite_mean({1, 2}, true, {1, 1, 1, 3})), "mean.tflite"},
        std::pair{onnx, "mean.onnx"}}) {
    auto s = open(bytes, name);
    ASSERT_TRUE(s.is_ok()) << s.status().message();
    EXPECT_EQ(run_floats(**s), (std::vector<float>{5.5f, 6.5f, 7.5f})) << name;
  }
}

TEST(ReduceMeanImport, TfliteRepeatedAxesAreDropped) {
  // {2, 1, -2}: -2 is axis 2 again. keep_dims false: [1, 3].
  auto g = import(tflite_mean({2, 1, -2}, false, {1, 3}));
  ASSERT_TRUE(g.is_ok()) << g.status().message();
  EXPECT_EQ(g->nodes[0].attrs.get_ints("axes"), (std::vector<int64_t>{2, 1}));
  EXPECT_EQ(g->nodes[0].attrs.get_int("keepdims", 1), 0);
  auto s = open(build_tflite(tflite_mean({2, 1, -2}, false, {1, 3})), "mean.tflite");
  ASSERT_TRUE(s.is_ok()) << s.status().message();
  EXPECT_EQ(run_floats(**s), (std::vector<float>{5.5f, 6.5f, 7.5f}));
}

TEST(ReduceMeanImport, TfliteEmptyAxesReduceNothing) {
  auto s = open(build_tflite(tflite_mean({}, false, {1, 2, 2, 3})), "mean.tflite");
  ASSERT_TRUE(s.is_ok()) << s.status().message();
  std::vector<float> identity(12);
  for (int i = 0; i < 12; ++i) identity[static_cast<size_t>(i)] = static_cast<float>(i + 1);
  EXPECT_EQ(run_floats(**s), identity);
}

TEST(ReduceMeanImport, TfliteAxesComputedAtRunTimeAreUnsupported) {
  TfModelSpec spec = tflite_mean({1, 2}, true, {1, 1, 1, 3});
  spec.tensors[1].buffer = 0;  // no data: a graph input
  spec.inputs = {0, 1};
  auto s = open(build_tflite(spec), "runtime_mean.tflite");
  ASSERT_FALSE(s.is_ok());
  EXPECT_EQ(s.status().code(), StatusCode::kUnsupported) << s.status().message();
  EXPECT_NE(s.status().message().find("operator 0 (MEAN): axes computed at run time"),
            std::string::npos)
      << s.status().message();
}

TEST(ReduceMeanImport, TfliteAxisOutOfRangeIsAShapeError) {
  auto s = open(build_tflite(tflite_mean({4}, true, {1, 2, 2, 1})), "mean.tflite");
  ASSERT_FALSE(s.is_ok());
  EXPECT_EQ(s.status().code(), StatusCode::kShapeMismatch) << s.status().message();
}

}  // namespace
}  // namespace outpost
