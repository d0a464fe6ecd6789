#include <gtest/gtest.h>

#include "backends/ref/float_factory_status.h"
#include "backends/ref/float_kernel_factories.h"
#include "support/op_runner.h"

namespace outpost {
namespace {

using testing::make_tensor;
using testing::make_typed;
using testing::OpInput;
using testing::run_op;

Attributes axis_attr(int64_t axis, const std::string& activation = "none") {
  Attributes a;
  a.set("axis", axis);
  a.set("activation", activation);
  return a;
}

template <typename T>
std::vector<T> values(const Tensor& t) {
  return {t.data_as<T>(), t.data_as<T>() + t.num_elements()};
}

TEST(ConcatFloat, LastAxisNegative) {
  // [[1,2],[3,4]] ++ [[5],[6]] on axis -1 = [[1,2,5],[3,4,6]]
  auto r = run_op(OpKind::kConcat, axis_attr(-1),
                  {{make_tensor({2, 2}, {1, 2, 3, 4})}, {make_tensor({2, 1}, {5, 6})}}, {{}});
  ASSERT_TRUE(r.is_ok()) << r.status().message();
  EXPECT_EQ(r.value()[0].shape(), Shape({2, 3}));
  EXPECT_EQ(values<float>(r.value()[0]), (std::vector<float>{1, 2, 5, 3, 4, 6}));
}

TEST(ConcatFloat, ThreeInputsOnAxis0) {
  auto r = run_op(OpKind::kConcat, axis_attr(0),
                  {{make_tensor({1, 2}, {1, 2})},
                   {make_tensor({2, 2}, {3, 4, 5, 6})},
                   {make_tensor({1, 2}, {7, 8})}},
                  {{}});
  ASSERT_TRUE(r.is_ok()) << r.status().message();
  EXPECT_EQ(r.value()[0].shape(), Shape({4, 2}));
  EXPECT_EQ(values<float>(r.value()[0]), (std::vector<float>{1, 2, 3, 4, 5, 6, 7, 8}));
}

TEST(ConcatFloat, MiddleAxisOfRank3) {
  // a [2,1,2] = [[[1,2]],[[3,4]]], b [2,2,2] = [[[5,6],[7,8]],[[9,10],[11,12]]]
  // axis 1 -> [[[1,2],[5,6],[7,8]], [[3,4],[9,10],[11,12]]]
  auto r = run_op(OpKind::kConcat, axis_attr(1),
                  {{make_tensor({2, 1, 2}, {1, 2, 3, 4})},
                   {make_tensor({2, 2, 2}, {5, 6, 7, 8, 9, 10, 11, 12})}},
                  {{}});
  ASSERT_TRUE(r.is_ok()) << r.status().message();
  EXPECT_EQ(r.value()[0].shape(), Shape({2, 3, 2}));
  EXPECT_EQ(values<float>(r.value()[0]),
            (std::vector<float>{1, 2, 5, 6, 7, 8, 3, 4, 9, 10, 11, 12}));
}

// An ONNX Concat with "" among its inputs (absent, kNoValue): an error naming the input, not a
// read of value -1 (found under ASan by the differential test's canonical nodes).
TEST(ConcatRobust, AbsentInputIsAnError) {
  auto r = run_op(
      OpKind::kConcat, axis_attr(0),
      {{make_tensor({1, 2}, {1, 2})}, testing::absent_input(), {make_tensor({1, 2}, {3, 4})}},
      {{}});
  ASSERT_FALSE(r.is_ok());
  EXPECT_NE(r.status().message().find("missing required input 1"), std::string::npos)
      << r.status().message();
}

TEST(ConcatFloat, FusedRelu) {
  auto r = run_op(OpKind::kConcat, axis_attr(0, "relu"),
                  {{make_tensor({2}, {-1, 2})}, {make_tensor({1}, {-3})}}, {{}});
  ASSERT_TRUE(r.is_ok()) << r.status().message();
  EXPECT_EQ(values<float>(r.value()[0]), (std::vector<float>{0, 2, 0}));
}

TEST(ConcatFloat, Int32IsCopied) {
  auto r = run_op(OpKind::kConcat, axis_attr(1),
                  {{make_typed<int32_t>({2, 1}, {1, 2})}, {make_typed<int32_t>({2, 1}, {3, 4})}},
                  {{DType::kInt32}});
  ASSERT_TRUE(r.is_ok()) << r.status().message();
  EXPECT_EQ(values<int32_t>(r.value()[0]), (std::vector<int32_t>{1, 3, 2, 4}));
}

TEST(ConcatFloat, Uint8WithSharedParametersIsCopied) {
  QuantParams q{{0.5f}, {128}, 0};
  auto r = run_op(OpKind::kConcat, axis_attr(0),
                  {{make_typed<uint8_t>({2}, {0, 255}, q)}, {make_typed<uint8_t>({1}, {7}, q)}},
                  {{DType::kUInt8, q}});
  ASSERT_TRUE(r.is_ok()) << r.status().message();
  EXPECT_EQ(values<uint8_t>(r.value()[0]), (std::vector<uint8_t>{0, 255, 7}));
}

// Built by hand (not through run_op) so the check is about this factory alone, whatever the
// quantized kernels register.
Graph concat_graph(DType dtype, QuantParams qa, QuantParams qb, QuantParams qout) {
  Graph g;
  g.source = "test";
  Value a, b, out;
  a.dtype = b.dtype = out.dtype = dtype;
  a.shape = Shape{2};
  b.shape = Shape{1};
  out.shape = Shape{3};
  a.quant = std::move(qa);
  b.quant = std::move(qb);
  out.quant = std::move(qout);
  Node n;
  n.op = OpKind::kConcat;
  n.inputs = {g.add_value(a), g.add_value(b)};
  n.outputs = {g.add_value(out)};
  g.nodes.push_back(n);
  return g;
}

TEST(ConcatFloat, QuantizedWithDifferentParametersIsLeftToTheQuantizedKernel) {
  QuantParams q1{{0.5f}, {128}, 0}, q2{{0.25f}, {128}, 0};
  Graph g = concat_graph(DType::kUInt8, q1, q2, q1);
  auto k = make_concat(g.nodes[0], g);
  ASSERT_FALSE(k.is_ok());
  EXPECT_EQ(k.status().code(), StatusCode::kUnsupported);

  Graph same = concat_graph(DType::kInt8, q1, q1, q1);
  EXPECT_TRUE(make_concat(same.nodes[0], same).is_ok());
}

TEST(ConcatFloat, MixedDtypesAreUnsupported) {
  auto r =
      testing::factory_status(make_concat, OpKind::kConcat, axis_attr(0),
                              {{make_tensor({1}, {1})}, {make_typed<int32_t>({1}, {2})}}, {{}});
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.code(), StatusCode::kUnsupported);
}

}  // namespace
}  // namespace outpost
