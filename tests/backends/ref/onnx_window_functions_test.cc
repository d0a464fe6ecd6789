// HannWindow, HammingWindow, BlackmanWindow and MelWeightMatrix (reference kernels) on
// hand-computed cases, and run-time operands that disagree with the declared output shape (suite
// names with 'Corrupt' also run in the sanitizer build).
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

std::vector<float> window(OpKind op, int64_t size, int64_t periodic) {
  Attributes a;
  a.set("periodic", periodic);
  auto out = run_op(op, a, {{make_typed<int64_t>(Shape{}, {size}), true}}, {OpOutput{}});
  EXPECT_TRUE(out.is_ok()) << out.status().message();
  if (!out.is_ok()) return {};
  return std::vector<float>((*out)[0].data_as<float>(),
                            (*out)[0].data_as<float>() + (*out)[0].num_elements());
}

void expect_near(const std::vector<float>& got, const std::vector<float>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[i], 1e-6) << "element " << i;
}

TEST(OnnxWindowFunctions, PeriodicWindowsOfFour) {
  // N = 4: the angles are 0, pi / 2, pi, 3 pi / 2.
  expect_near(window(OpKind::kHannWindow, 4, 1), {0, 0.5f, 1, 0.5f});
  expect_near(window(OpKind::kBlackmanWindow, 4, 1), {0, 0.34f, 1, 0.34f});
  expect_near(window(OpKind::kHammingWindow, 4, 1), {4.0f / 46, 25.0f / 46, 1, 25.0f / 46});
}

TEST(OnnxWindowFunctions, SymmetricWindowsEndWhereTheyStart) {
  // N = size - 1 = 2: the angles are 0, pi, 2 pi.
  expect_near(window(OpKind::kHammingWindow, 3, 0), {4.0f / 46, 1, 4.0f / 46});
  expect_near(window(OpKind::kHannWindow, 3, 0), {0, 1, 0});
  // One sample has no period: its value is the one at angle 0.
  expect_near(window(OpKind::kHannWindow, 1, 0), {0});
  EXPECT_TRUE(window(OpKind::kBlackmanWindow, 0, 1).empty());
}

TEST(OnnxWindowFunctions, Float64WhenAsked) {
  Attributes a;
  a.set("to_dtype", static_cast<int64_t>(DType::kFloat64));
  auto out = run_op(OpKind::kHannWindow, a, {{make_typed<int32_t>(Shape{}, {2}), true}},
                    {OpOutput{DType::kFloat64}});
  ASSERT_TRUE(out.is_ok()) << out.status().message();
  EXPECT_EQ((*out)[0].dtype(), DType::kFloat64);
  EXPECT_EQ((*out)[0].data_as<double>()[1], 1.0);
}

// w = HannWindow(size) with size a graph input and w declared [4].
TEST(CorruptOnnxWindowFunctions, ARunTimeSizeMustBeTheDeclaredLength) {
  using namespace outpost::testing;  // NOLINT: the model builder
  auto m = onnx_model(17);
  add_input(m, "size", {}, onnx::TensorProto::INT64);
  add_node(m, "HannWindow", {"size"}, {"w"});
  add_io(m.mutable_graph()->add_output(), "w", onnx::TensorProto::FLOAT, {4});
  auto bytes = std::make_shared<std::vector<uint8_t>>(serialize(m));
  auto s = Session::open_buffer(bytes->data(), bytes->size(), bytes, "hann.onnx");
  ASSERT_TRUE(s.is_ok()) << s.status().message();
  (*s)->input(0).data_as<int64_t>()[0] = 4;
  ASSERT_TRUE((*s)->run().is_ok());
  EXPECT_NEAR((*s)->output(0).data_as<float>()[2], 1, 1e-6);
  (*s)->input(0).data_as<int64_t>()[0] = 5;
  const Status st = (*s)->run();
  ASSERT_FALSE(st.is_ok());
  EXPECT_EQ(st.code(), StatusCode::kShapeMismatch);
  EXPECT_NE(st.message().find("size is 5"), std::string::npos) << st.message();
}

Result<std::vector<float>> mel(int32_t bins, int32_t dft_length, int32_t sample_rate,
                               float lower, float upper) {
  std::vector<OpInput> in = {{make_typed<int32_t>(Shape{}, {bins}), true},
                             {make_typed<int32_t>(Shape{}, {dft_length}), true},
                             {make_typed<int32_t>(Shape{}, {sample_rate}), true},
                             {make_tensor(Shape{}, {lower}), true},
                             {make_tensor(Shape{}, {upper}), true}};
  OUTPOST_ASSIGN_OR_RETURN(auto out, run_op(OpKind::kMelWeightMatrix, Attributes{}, in, {OpOutput{}}));
  EXPECT_EQ(out[0].shape(), (Shape{dft_length / 2 + 1, bins}));
  return std::vector<float>(out[0].data_as<float>(),
                            out[0].data_as<float>() + out[0].num_elements());
}

TEST(OnnxMelWeightMatrix, TheSpecificationsExample) {
  // 8 bands over 0..4096 Hz of a 16-point spectrum at 8192 Hz: the band edges fall on bins
  // 0, 0, 0, 1, 1, 2, 3, 4, 5, 6, so each band is a single bin (ONNX's documented output).
  auto w = mel(8, 16, 8192, 0, 4096);
  ASSERT_TRUE(w.is_ok()) << w.status().message();
  std::vector<float> want(9 * 8, 0);
  const int ones[][2] = {{0, 0}, {0, 1}, {1, 2}, {1, 3}, {2, 4}, {3, 5}, {4, 6}, {5, 7}};
  for (const auto& rc : ones) want[static_cast<size_t>(rc[0] * 8 + rc[1])] = 1;
  EXPECT_EQ(*w, want);
}

TEST(OnnxMelWeightMatrix, ABandWiderThanABinIsATriangle) {
  // One band of an 8-point spectrum at 9000 Hz, 0..13000 Hz (3351.7 mel): the edges are 3 points
  // 1117.2 mel apart (the mel range over num_mel_bins + 2, as ONNX defines them), 0, 1186.4 and
  // 4383.7 Hz, which floor(9 * hz / 9000) puts on bins 0, 1 and 4. The band rises from bin 0 to
  // bin 1 and falls to bin 4: 0, 1, 2/3, 1/3, 0.
  auto w = mel(1, 8, 9000, 0, 13000);
  ASSERT_TRUE(w.is_ok()) << w.status().message();
  ASSERT_EQ(w->size(), 5u);
  EXPECT_EQ((*w)[0], 0);
  EXPECT_EQ((*w)[1], 1);
  EXPECT_NEAR((*w)[2], 2.0 / 3, 1e-6);
  EXPECT_NEAR((*w)[3], 1.0 / 3, 1e-6);
  EXPECT_EQ((*w)[4], 0);
}

TEST(CorruptOnnxMelWeightMatrix, ASampleRateOfZeroIsAnError) {
  auto w = mel(2, 8, 0, 0, 100);
  ASSERT_FALSE(w.is_ok());
  EXPECT_NE(w.status().message().find("sample_rate"), std::string::npos) << w.status().message();
}

}  // namespace
}  // namespace outpost
