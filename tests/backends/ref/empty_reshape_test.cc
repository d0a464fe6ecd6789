// Reshape of empty tensors. fuzz_tflite crash-81c8ac6d folded a Reshape at session creation
// whose empty input had memory (a zero-sized buffer stored past the flatbuffer, at an offset in
// the file) and whose empty output had none (a null pointer): memmove may not be given a null
// pointer even for zero bytes.
#include <gtest/gtest.h>

#include <cstdint>

#include "backends/ref/registry.h"
#include "ir/graph.h"
#include "ir/op_schema.h"
#include "support/op_runner.h"

namespace outpost {
namespace {

TEST(CorruptEmptyTensor, AReshapeOfAnEmptyConstantFoldsToAnEmptyTensor) {
  testing::OpInput empty{testing::make_tensor(Shape{0}, {}), /*constant=*/true};
  testing::OpInput shape{testing::make_typed<int64_t>(Shape{2}, {0, 1}), /*constant=*/true};
  auto out = testing::run_op(OpKind::kReshape, {}, {empty, shape}, {{DType::kFloat32}});
  ASSERT_TRUE(out.is_ok()) << out.status().message();
  EXPECT_EQ((*out)[0].shape(), (Shape{0, 1}));
  EXPECT_EQ((*out)[0].num_elements(), 0);
}

// The fuzzer's views, given to the kernel directly: an input with memory, an output without.
// Under UBSan this failed ("null pointer passed as argument 1") before the kernel skipped an
// empty copy.
TEST(CorruptEmptyTensor, AReshapeIntoAnEmptyOutputWithoutMemoryCopiesNothing) {
  Graph g;
  g.source = "test";
  Value x;
  x.name = "x";
  x.dtype = DType::kInt64;
  x.shape = Shape{0, 3};
  const int x_id = g.add_value(std::move(x));
  Value target;
  target.name = "shape";
  target.dtype = DType::kInt64;
  target.shape = Shape{1};
  const int64_t zero = 0;
  set_owned_constant(target, std::vector<uint8_t>(reinterpret_cast<const uint8_t*>(&zero),
                                                  reinterpret_cast<const uint8_t*>(&zero + 1)));
  const int target_id = g.add_value(std::move(target));
  Value y;
  y.name = "y";
  y.dtype = DType::kInt64;
  const int y_id = g.add_value(std::move(y));
  Node node;
  node.op = OpKind::kReshape;
  node.inputs = {x_id, target_id};
  node.outputs = {y_id};
  g.nodes.push_back(node);
  g.inputs = {x_id};
  g.outputs = {y_id};
  ASSERT_TRUE(g.validate().is_ok());
  ASSERT_TRUE(infer_shapes(g).is_ok());
  ASSERT_EQ(g.value(y_id).shape, (Shape{0}));
  auto kernel = reference_kernels().make(g.nodes[0], g);
  ASSERT_TRUE(kernel.is_ok()) << kernel.status().message();

  int64_t some_memory[3] = {1, 2, 3};
  const Value& xv = g.value(x_id);
  const Value& tv = g.value(target_id);
  const Value& yv = g.value(y_id);
  std::vector<TensorView> in = {{xv.dtype, &xv.shape, some_memory, &xv.quant},
                                {tv.dtype, &tv.shape, const_cast<uint8_t*>(tv.constant.bytes), &tv.quant}};
  std::vector<TensorView> out = {{yv.dtype, &yv.shape, nullptr, &yv.quant}};
  EXPECT_TRUE((*kernel)->run(in, out).is_ok());
  EXPECT_EQ(some_memory[0], 1);  // an input is never written
}

// fuzz_tflite crash-d2f67257: a Transpose of an empty tensor whose other dimensions multiply past
// int64. Its strides overflowed (signed integer overflow, under UBSan) before an empty tensor got
// zero strides.
TEST(CorruptEmptyTensor, ATransposeOfAnEmptyTensorWithHugeDimensionsIsEmpty) {
  const int64_t huge = int64_t{1} << 40;  // huge x huge is past int64; 0 x anything is not
  Attributes perm;
  perm.set("perm", std::vector<int64_t>{1, 0, 2});
  auto out = testing::run_op(OpKind::kTranspose, perm, {{testing::make_tensor(Shape{0, huge, huge}, {})}},
                             {{DType::kFloat32}});
  ASSERT_TRUE(out.is_ok()) << out.status().message();
  EXPECT_EQ((*out)[0].shape(), (Shape{huge, 0, huge}));
}

}  // namespace
}  // namespace outpost
