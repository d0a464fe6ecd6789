#include "backends/ref/registry.h"
#include "ir/control_flow.h"

#include <gtest/gtest.h>

#include "ir/op_schema.h"

namespace outpost {
namespace {

class EveryOp : public ::testing::TestWithParam<int> {};

// The op list generates the enum, the names and the schemas; the reference backend is the
// oracle, so every op in the list must have a reference kernel, but control flow, which
// constant folding expands into its subgraphs' nodes before any kernel is made.
TEST_P(EveryOp, HasANameASchemaAndAReferenceKernel) {
  const auto op = static_cast<OpKind>(GetParam());
  EXPECT_EQ(op_from_name(op_name(op)), op);
  EXPECT_NE(op_schema(op).infer, nullptr);
  EXPECT_GE(op_schema(op).max_inputs, op_schema(op).min_inputs);
  EXPECT_EQ(reference_kernels().has(op), !is_control_flow(op)) << op_name(op);
}

INSTANTIATE_TEST_SUITE_P(OpList, EveryOp, ::testing::Range(0, static_cast<int>(kOpKindCount)),
                         [](const ::testing::TestParamInfo<int>& info) { return op_name(static_cast<OpKind>(info.param)); });

TEST(KernelRegistry, UnsupportedDtypeNamesOpNodeAndDtypes) {
  Graph g;
  g.source = "m.tflite";
  Value x;
  x.dtype = DType::kInt64;
  x.shape = Shape{1, 4};
  g.add_value(x);
  g.add_value(x);
  Node n;
  n.op = OpKind::kLogistic;
  n.source_index = 7;
  n.inputs = {0};
  n.outputs = {1};
  auto kernel = reference_kernels().make(n, g);
  ASSERT_FALSE(kernel.is_ok());
  EXPECT_EQ(kernel.status().code(), StatusCode::kUnsupported);
  const std::string& m = kernel.status().message();
  EXPECT_NE(m.find("node 7 (Logistic"), std::string::npos) << m;
  EXPECT_NE(m.find("int64"), std::string::npos) << m;
}

// A factory registered without ChannelsLast::kTaken is never offered a channels-last node: the
// general Conv kernel (NCHW) is not; TFLite's channels-last kernels are, and refuse a Conv of
// ONNX's OIHW weights, which only a fast backend runs channels-last.
TEST(KernelRegistry, ChannelsLastConvIsRefused) {
  Graph g;
  g.source = "m.onnx";
  Value x;
  x.shape = Shape{1, 4, 4, 3};
  g.add_value(x);
  Value w;
  w.shape = Shape{2, 3, 1, 1};
  set_owned_constant(w, std::vector<uint8_t>(6 * sizeof(float)));
  g.add_value(w);
  Value y;
  y.shape = Shape{1, 4, 4, 2};
  g.add_value(y);
  Node n;
  n.op = OpKind::kConv;
  n.inputs = {0, 1};
  n.outputs = {2};
  n.attrs.set("channels_last", int64_t{1});
  auto kernel = reference_kernels().make(n, g);
  ASSERT_FALSE(kernel.is_ok());
  EXPECT_EQ(kernel.status().code(), StatusCode::kUnsupported);
  EXPECT_NE(kernel.status().message().find("'s form ("), std::string::npos)
      << kernel.status().message();
}

}  // namespace
}  // namespace outpost
