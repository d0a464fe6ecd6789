// Det (reference kernel) on hand-computed determinants: a batch of 2 x 2, a 3 x 3 that needs a
// row swap, a singular matrix, empty matrices, and a non-square input refused.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "support/op_runner.h"

namespace outpost {
namespace {

using testing::make_tensor;
using testing::OpOutput;
using testing::run_op;

Result<std::vector<float>> det(const Shape& shape, const std::vector<float>& x) {
  OUTPOST_ASSIGN_OR_RETURN(auto out,
                           run_op(OpKind::kDet, Attributes{}, {{make_tensor(shape, x)}}, {OpOutput{}}));
  return std::vector<float>(out[0].data_as<float>(),
                            out[0].data_as<float>() + out[0].num_elements());
}

TEST(OnnxDet, ABatchOfTwoByTwo) {
  auto y = det(Shape{3, 2, 2}, {1, 2, 3, 4, 1, 2, 2, 1, 1, 3, 3, 1});
  ASSERT_TRUE(y.is_ok()) << y.status().message();
  EXPECT_EQ(*y, (std::vector<float>{-2, -3, -8}));
}

TEST(OnnxDet, AZeroFirstPivotSwapsRows) {
  // 0 (0 8 + 9) - 1 (8 - 12) + 2 (-3 - 0) = -2.
  auto y = det(Shape{3, 3}, {0, 1, 2, 1, 0, 3, 4, -3, 8});
  ASSERT_TRUE(y.is_ok()) << y.status().message();
  ASSERT_EQ(y->size(), 1u);
  EXPECT_NEAR((*y)[0], -2, 1e-6);
  auto singular = det(Shape{2, 2}, {1, 2, 2, 4});
  ASSERT_TRUE(singular.is_ok());
  EXPECT_EQ(*singular, (std::vector<float>{0}));
}

TEST(OnnxDet, AnEmptyMatrixHasDeterminantOne) {
  auto y = det(Shape{2, 0, 0}, {});
  ASSERT_TRUE(y.is_ok()) << y.status().message();
  EXPECT_EQ(*y, (std::vector<float>{1, 1}));
}

TEST(CorruptOnnxDet, NonFiniteEntriesGiveNonFiniteDeterminants) {
  // NaN compares false with every pivot candidate: it carries through to the product.
  auto nan = det(Shape{2, 2}, {std::nanf(""), 1, 1, 1});
  ASSERT_TRUE(nan.is_ok()) << nan.status().message();
  EXPECT_TRUE(std::isnan((*nan)[0]));
  auto inf = det(Shape{2, 2}, {INFINITY, 1, 1, 1});
  ASSERT_TRUE(inf.is_ok()) << inf.status().message();
  EXPECT_TRUE(std::isinf((*inf)[0]));
}

TEST(OnnxDet, ANonSquareInputIsRefused) {
  auto y = det(Shape{2, 3}, {1, 2, 3, 4, 5, 6});
  ASSERT_FALSE(y.is_ok());
  EXPECT_EQ(y.status().code(), StatusCode::kShapeMismatch);
  EXPECT_NE(y.status().message().find("square"), std::string::npos) << y.status().message();
}

}  // namespace
}  // namespace outpost
