// DFT and STFT (reference kernels) on transforms worked by hand, and run-time frame operands that
// disagree with the declared output shape (suite names with 'Corrupt' also run in the sanitizer
// build).
#include <gtest/gtest.h>

#include <vector>

#include "formats/onnx/onnx_model_builder.h"
#include "outpost/session.h"
#include "support/op_runner.h"

namespace outpost {
namespace {

using testing::make_tensor;
using testing::make_typed;
using testing::OpInput;
using testing::OpOutput;
using testing::run_op;

std::vector<float> values(const Result<std::vector<Tensor>>& out) {
  EXPECT_TRUE(out.is_ok()) << out.status().message();
  if (!out.is_ok()) return {};
  const Tensor& t = out.value()[0];
  return std::vector<float>(t.data_as<float>(), t.data_as<float>() + t.num_elements());
}

void expect_near(const std::vector<float>& got, const std::vector<float>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[i], 1e-5) << "element " << i;
}

// The spectrum of 1, 2, 3, 4: 10, -2 + 2i, -2, -2 - 2i (real, imaginary pairs).
const std::vector<float> kSpectrum = {10, 0, -2, 2, -2, 0, -2, -2};

TEST(OnnxDft, RealSignalAlongAxisOne) {
  auto y = run_op(OpKind::kDFT, Attributes{}, {{make_tensor(Shape{1, 4, 1}, {1, 2, 3, 4})}},
                  {OpOutput{}});
  ASSERT_TRUE(y.is_ok()) << y.status().message();
  EXPECT_EQ((*y)[0].shape(), (Shape{1, 4, 2}));
  expect_near(values(y), kSpectrum);
}

TEST(OnnxDft, OnesidedKeepsTheFirstHalf) {
  Attributes a;
  a.set("onesided", int64_t{1});
  expect_near(values(run_op(OpKind::kDFT, a, {{make_tensor(Shape{1, 4, 1}, {1, 2, 3, 4})}},
                            {OpOutput{}})),
              {10, 0, -2, 2, -2, 0});
}

TEST(OnnxDft, InverseUndoesTheTransform) {
  Attributes a;
  a.set("inverse", int64_t{1});
  expect_near(values(run_op(OpKind::kDFT, a, {{make_tensor(Shape{1, 4, 2}, kSpectrum)}},
                            {OpOutput{}})),
              {1, 0, 2, 0, 3, 0, 4, 0});
}

TEST(OnnxDft, DftLengthTruncatesOrPads) {
  // Two points of 1, 2: 3, -1. Six points of 1, 2, 3, 4, 0, 0: bin 3 is 1 - 2 + 3 - 4 = -2.
  auto two = run_op(OpKind::kDFT, Attributes{},
                    {{make_tensor(Shape{1, 4, 1}, {1, 2, 3, 4})},
                     {make_typed<int64_t>(Shape{}, {2}), true}},
                    {OpOutput{}});
  expect_near(values(two), {3, 0, -1, 0});
  auto six = run_op(OpKind::kDFT, Attributes{},
                    {{make_tensor(Shape{1, 4, 1}, {1, 2, 3, 4})},
                     {make_typed<int64_t>(Shape{}, {6}), true}},
                    {OpOutput{}});
  const std::vector<float> y = values(six);
  ASSERT_EQ(y.size(), 12u);
  EXPECT_NEAR(y[6], -2, 1e-5);
  EXPECT_NEAR(y[7], 0, 1e-5);
}

TEST(OnnxDft, AnAxisOutsideTheSignalIsRefused) {
  Attributes a;
  a.set("axis", int64_t{2});  // the real/imaginary axis
  auto y = run_op(OpKind::kDFT, a, {{make_tensor(Shape{1, 4, 1}, {1, 2, 3, 4})}}, {OpOutput{}});
  ASSERT_FALSE(y.is_ok());
  EXPECT_EQ(y.status().code(), StatusCode::kShapeMismatch);
}

TEST(OnnxStft, FramesOfTwoWithAndWithoutAWindow) {
  // Frames 1, 2 and 3, 4 (step 2): spectra 3, -1 and 7, -1; windowed by 1, 0.5: 2, 0 and 5, 1.
  const Tensor signal = make_tensor(Shape{1, 4, 1}, {1, 2, 3, 4});
  auto plain = run_op(OpKind::kSTFT, Attributes{},
                      {{signal},
                       {make_typed<int64_t>(Shape{}, {2}), true},
                       testing::absent_input(),
                       {make_typed<int64_t>(Shape{}, {2}), true}},
                      {OpOutput{}});
  ASSERT_TRUE(plain.is_ok()) << plain.status().message();
  EXPECT_EQ((*plain)[0].shape(), (Shape{1, 2, 2, 2}));
  expect_near(values(plain), {3, 0, -1, 0, 7, 0, -1, 0});
  auto windowed = run_op(OpKind::kSTFT, Attributes{},
                         {{signal},
                          {make_typed<int64_t>(Shape{}, {2}), true},
                          {make_tensor(Shape{2}, {1, 0.5f}), true}},
                         {OpOutput{}});
  expect_near(values(windowed), {2, 0, 0, 0, 5, 0, 1, 0});
}

// y = STFT(signal [1, 4, 1], step, frame_length 2) with step a graph input, y declared for step 2.
TEST(CorruptOnnxStft, ARunTimeStepMustGiveTheDeclaredFrames) {
  using namespace outpost::testing;  // NOLINT: the model builder
  auto m = onnx_model(17);
  add_input(m, "signal", {1, 4, 1});
  add_input(m, "step", {}, onnx::TensorProto::INT64);
  add_int64_initializer(m, "length", {}, {2});
  add_node(m, "STFT", {"signal", "step", "", "length"}, {"y"});
  add_io(m.mutable_graph()->add_output(), "y", onnx::TensorProto::FLOAT, {1, 2, 2, 2});
  auto bytes = std::make_shared<std::vector<uint8_t>>(serialize(m));
  auto s = Session::open_buffer(bytes->data(), bytes->size(), bytes, "stft.onnx");
  ASSERT_TRUE(s.is_ok()) << s.status().message();
  for (int i = 0; i < 4; ++i) (*s)->input(0).data_as<float>()[i] = static_cast<float>(i + 1);
  (*s)->input(1).data_as<int64_t>()[0] = 2;
  ASSERT_TRUE((*s)->run().is_ok());
  EXPECT_NEAR((*s)->output(0).data_as<float>()[4], 7, 1e-5);
  for (int64_t step : {1, 0, -3}) {
    (*s)->input(1).data_as<int64_t>()[0] = step;
    const Status st = (*s)->run();
    EXPECT_EQ(st.code(), StatusCode::kShapeMismatch) << "step " << step << ": " << st.message();
  }
}

}  // namespace
}  // namespace outpost
