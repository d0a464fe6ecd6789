// Max, Min and Mod on float16 (reference kernels): computed through float and rounded back, which
// for these ops loses nothing, on hand-computed cases.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "core/float16.h"
#include "support/op_runner.h"

namespace outpost {
namespace {

using testing::make_tensor;
using testing::OpInput;
using testing::OpOutput;
using testing::run_op;

Tensor half_tensor(const std::vector<float>& values) {
  Tensor t = Tensor::allocate(DType::kFloat16, Shape{static_cast<int64_t>(values.size())}).value();
  for (size_t i = 0; i < values.size(); ++i) t.data_as<uint16_t>()[i] = float_to_half(values[i]);
  return t;
}

Result<std::vector<float>> run_half(OpKind op, const Attributes& attrs,
                                    const std::vector<std::vector<float>>& operands) {
  std::vector<OpInput> inputs;
  for (const auto& v : operands) inputs.push_back({half_tensor(v)});
  OUTPOST_ASSIGN_OR_RETURN(auto out, run_op(op, attrs, inputs, {OpOutput{DType::kFloat16}}));
  EXPECT_EQ(out[0].dtype(), DType::kFloat16);
  std::vector<float> r;
  for (int64_t i = 0; i < out[0].num_elements(); ++i)
    r.push_back(half_to_float(out[0].data_as<uint16_t>()[i]));
  return r;
}

TEST(OnnxFloat16Binary, MaxAndMinOfTwoAndThreeOperands) {
  auto max = run_half(OpKind::kMax, Attributes{}, {{3, -2, 1}, {1, 4, 4}});
  ASSERT_TRUE(max.is_ok()) << max.status().message();
  EXPECT_EQ(*max, (std::vector<float>{3, 4, 4}));
  auto min = run_half(OpKind::kMin, Attributes{}, {{3, -2, 1}, {1, 4, 4}, {2, -8, 0.5f}});
  ASSERT_TRUE(min.is_ok()) << min.status().message();
  EXPECT_EQ(*min, (std::vector<float>{1, -8, 0.5f}));
}

TEST(OnnxFloat16Binary, ModWithFmodTakesTheDividendsSign) {
  Attributes a;
  a.set("fmod", int64_t{1});
  // 5.5 = 2 * 2 + 1.5; a remainder of a zero divisor is NaN, as C's fmod gives.
  auto r = run_half(OpKind::kMod, a, {{5.5f, -5.5f, 8, 1}, {2, 2, -3, 0}});
  ASSERT_TRUE(r.is_ok()) << r.status().message();
  EXPECT_EQ((*r)[0], 1.5f);
  EXPECT_EQ((*r)[1], -1.5f);
  EXPECT_EQ((*r)[2], 2);
  EXPECT_TRUE(std::isnan((*r)[3]));
}

TEST(OnnxFloat16Binary, Float16NextToFloat32IsRefused) {
  std::vector<OpInput> inputs = {{half_tensor({1, 2})}, {make_tensor(Shape{2}, {1, 2})}};
  auto r = run_op(OpKind::kMax, Attributes{}, inputs, {OpOutput{DType::kFloat16}});
  ASSERT_FALSE(r.is_ok());
  EXPECT_NE(r.status().message().find("Max"), std::string::npos) << r.status().message();
}

}  // namespace
}  // namespace outpost
