// Reductions whose axes are a graph input (ONNX's ReduceSum from opset 13): with keepdims 0 the
// declared output shape does not say which axes go ([3, 2] from [3, 2, 2] is axis 1 or axis 2),
// so the kernel reads them each run, and axes that do not give the planned shape are an error
// (suite names with 'Corrupt' also run in the sanitizer build).
#include <gtest/gtest.h>

#include <numeric>
#include <vector>

#include "formats/onnx/onnx_model_builder.h"
#include "outpost/session.h"

namespace outpost {
namespace {

using namespace outpost::testing;  // NOLINT: the model builder

// y = ReduceSum(data [3, 2, 2], axes) with keepdims 0, axes a graph input of `count` entries,
// y declared `declared`.
std::unique_ptr<Session> reduce_sum(int64_t count, const std::vector<int64_t>& declared) {
  auto m = onnx_model(13);
  add_input(m, "data", {3, 2, 2});
  add_input(m, "axes", {count}, onnx::TensorProto::INT64);
  set_int_attr(add_node(m, "ReduceSum", {"data", "axes"}, {"y"}), "keepdims", 0);
  add_io(m.mutable_graph()->add_output(), "y", onnx::TensorProto::FLOAT, declared);
  auto bytes = std::make_shared<std::vector<uint8_t>>(serialize(m));
  auto s = Session::open_buffer(bytes->data(), bytes->size(), bytes, "reduce.onnx");
  EXPECT_TRUE(s.is_ok()) << s.status().message();
  return s.is_ok() ? std::move(*s) : nullptr;
}

Result<std::vector<float>> run(Session& s, const std::vector<int64_t>& axes) {
  float* data = s.input(0).data_as<float>();
  std::iota(data, data + 12, 1.0f);
  for (size_t i = 0; i < axes.size(); ++i) s.input(1).data_as<int64_t>()[i] = axes[i];
  OUTPOST_RETURN_IF_ERROR(s.run());
  const Tensor& y = s.output(0);
  return std::vector<float>(y.data_as<float>(), y.data_as<float>() + y.num_elements());
}

TEST(OnnxReduceRuntimeAxes, KeepdimsZeroReducesTheAxesOfEachRun) {
  auto s = reduce_sum(1, {3, 2});
  ASSERT_NE(s, nullptr);
  auto axis1 = run(*s, {1});
  ASSERT_TRUE(axis1.is_ok()) << axis1.status().message();
  EXPECT_EQ(*axis1, (std::vector<float>{4, 6, 12, 14, 20, 22}));
  auto axis2 = run(*s, {2});
  ASSERT_TRUE(axis2.is_ok()) << axis2.status().message();
  EXPECT_EQ(*axis2, (std::vector<float>{3, 7, 11, 15, 19, 23}));
  auto negative = run(*s, {-2});
  ASSERT_TRUE(negative.is_ok()) << negative.status().message();
  EXPECT_EQ(*negative, *axis1);
}

TEST(CorruptOnnxReduceRuntimeAxes, AxesThatDoNotGiveThePlannedShapeAreAnError) {
  auto s = reduce_sum(1, {3, 2});
  ASSERT_NE(s, nullptr);
  auto other = run(*s, {0});  // [2, 2], not the declared [3, 2]
  ASSERT_FALSE(other.is_ok());
  EXPECT_EQ(other.status().code(), StatusCode::kShapeMismatch);
  EXPECT_NE(other.status().message().find("ReduceSum"), std::string::npos)
      << other.status().message();
  auto out_of_range = run(*s, {3});
  ASSERT_FALSE(out_of_range.is_ok());
  EXPECT_NE(out_of_range.status().message().find("out of range"), std::string::npos)
      << out_of_range.status().message();
  auto repeated = reduce_sum(2, {3});
  ASSERT_NE(repeated, nullptr);
  EXPECT_FALSE(run(*repeated, {2, -1}).is_ok());
  EXPECT_TRUE(run(*repeated, {1, 2}).is_ok());
}

TEST(OnnxReduceRuntimeAxes, ADeclaredShapeNoReductionGivesIsRefusedAtLoad) {
  auto m = onnx_model(13);
  add_input(m, "data", {3, 2, 2});
  add_input(m, "axes", {1}, onnx::TensorProto::INT64);
  set_int_attr(add_node(m, "ReduceSum", {"data", "axes"}, {"y"}), "keepdims", 0);
  add_io(m.mutable_graph()->add_output(), "y", onnx::TensorProto::FLOAT, {2, 3});
  const auto bytes = serialize(m);
  auto s = Session::open_buffer(bytes.data(), bytes.size(), nullptr, "reduce.onnx");
  ASSERT_FALSE(s.is_ok());
  EXPECT_EQ(s.status().code(), StatusCode::kShapeMismatch) << s.status().message();
}

}  // namespace
}  // namespace outpost
