// An empty constant's Reshape folds at session creation to an empty tensor. (fuzz_tflite
// crash-81c8ac6d reached the reshape kernel with a null data pointer, which memmove may not be
// given even for zero bytes; this graph does not reproduce the null pointer, only the fold.)
#include <gtest/gtest.h>

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

}  // namespace
}  // namespace outpost
