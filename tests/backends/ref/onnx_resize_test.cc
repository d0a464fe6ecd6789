// ONNX Resize (reference kernel): values hand-computed from the ONNX definitions of the
// coordinate transformations, and the load-time refusal of modes it does not claim.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/op_runner.h"

namespace outpost {
namespace {

using testing::absent_input;
using testing::make_tensor;
using testing::make_typed;
using testing::OpInput;
using testing::OpOutput;
using testing::run_op;

Result<std::vector<Tensor>> resize(const Attributes& a, const std::vector<float>& scales) {
  Tensor x = make_tensor(Shape{1, 1, 2, 2}, {1, 2, 3, 4});
  OpInput s{make_tensor(Shape{4}, scales), true};
  return run_op(OpKind::kResize, a, {{x}, absent_input(), s}, {OpOutput{}});
}

std::vector<float> values_of(const Tensor& t) {
  return std::vector<float>(t.data_as<float>(), t.data_as<float>() + t.num_elements());
}

TEST(OnnxResize, LinearHalfPixelUpsample) {
  Attributes a;
  a.set("mode", std::string("linear"));
  auto r = resize(a, {1, 1, 2, 2});
  ASSERT_TRUE(r.is_ok()) << r.status().message();
  ASSERT_EQ((*r)[0].shape(), (Shape{1, 1, 4, 4}));
  // Output column j samples input x = (j + 0.5) / 2 - 0.5, clamped to the edge.
  const std::vector<float> want = {1,   1.25, 1.75, 2,   1.5, 1.75, 2.25, 2.5,
                                   2.5, 2.75, 3.25, 3.5, 3,   3.25, 3.75, 4};
  const auto got = values_of((*r)[0]);
  for (size_t k = 0; k < want.size(); ++k) EXPECT_NEAR(got[k], want[k], 1e-6f) << k;
}

TEST(OnnxResize, NearestAsymmetricFloorAndAlignCornersLinear) {
  Attributes a;
  a.set("mode", std::string("nearest"));
  a.set("coordinate_transformation_mode", std::string("asymmetric"));
  a.set("nearest_mode", std::string("floor"));
  auto r = resize(a, {1, 1, 1, 3});
  ASSERT_TRUE(r.is_ok()) << r.status().message();
  EXPECT_EQ(values_of((*r)[0]), (std::vector<float>{1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4}));

  Attributes b;
  b.set("mode", std::string("linear"));
  b.set("coordinate_transformation_mode", std::string("align_corners"));
  auto s = resize(b, {1, 1, 1, 2.5f});  // 2 -> 5 columns: x = j * (2 - 1) / (5 - 1)
  ASSERT_TRUE(s.is_ok()) << s.status().message();
  EXPECT_EQ(values_of((*s)[0]),
            (std::vector<float>{1, 1.25f, 1.5f, 1.75f, 2, 3, 3.25f, 3.5f, 3.75f, 4}));
}

TEST(OnnxResize, SizesGiveTheOutputShape) {
  Tensor x = make_tensor(Shape{1, 1, 2, 2}, {1, 2, 3, 4});
  OpInput sizes{make_typed<int64_t>(Shape{4}, {1, 1, 1, 1}), true};
  Attributes a;  // nearest, half_pixel: x = (0 + 0.5) * 2 - 0.5 = 0.5, prefer floor -> 0
  auto r = run_op(OpKind::kResize, a, {{x}, absent_input(), absent_input(), sizes}, {OpOutput{}});
  ASSERT_TRUE(r.is_ok()) << r.status().message();
  EXPECT_EQ(values_of((*r)[0]), (std::vector<float>{1}));
}

TEST(OnnxResize, UnclaimedModesAreUnsupportedNamingResize) {
  Attributes a;
  a.set("coordinate_transformation_mode", std::string("half_pixel_symmetric"));
  auto r = resize(a, {1, 1, 2, 2});
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnsupported);
  EXPECT_NE(r.status().message().find("op 'Resize'"), std::string::npos) << r.status().message();
  Attributes b;
  b.set("antialias", int64_t{1});
  auto s = resize(b, {1, 1, 2, 2});
  ASSERT_FALSE(s.is_ok());
  EXPECT_EQ(s.status().code(), StatusCode::kUnsupported);
}

}  // namespace
}  // namespace outpost

namespace outpost {
namespace {

// fuzz_tflite oom-dfe6952c: a resize to billions of elements had the kernel reserve its two
// double scratch buffers (gigabytes) before anything checked them. Past 1 GiB of scratch the
// reference kernel refuses, naming the size.
TEST(OnnxResizeCorrupt, ScratchBeyondOneGibIsRefusedBeforeAllocating) {
  testing::OpInput sizes{testing::make_typed<int64_t>(Shape{4}, {1, 1, 8200, 8200}), true};
  Attributes a;
  a.set("mode", std::string("nearest"));
  auto r = testing::run_op(
      OpKind::kResize, a,
      {{testing::make_typed<uint8_t>(Shape{1, 1, 2, 2}, {1, 2, 3, 4})}, testing::absent_input(),
       testing::absent_input(), sizes},
      {testing::OpOutput{DType::kUInt8}});
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnsupported) << r.status().message();
  EXPECT_NE(r.status().message().find("1 GiB of scratch"), std::string::npos)
      << r.status().message();
}

}  // namespace
}  // namespace outpost
