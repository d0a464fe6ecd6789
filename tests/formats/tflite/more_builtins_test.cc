// The builtins of src/formats/tflite/tflite_more_builtins.cc: what they refuse by name, and
// results worked by hand (the TFLite conformance suite checks them against TFLite itself where
// it is installed): WHERE's count decided by each run's data, RIGHT_SHIFT's clamped amounts.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <limits>

#include "outpost/session.h"
#include "support/tflite_builder.h"

namespace outpost {
namespace {

using testing::build_tflite;
using testing::bytes_of;
using testing::TfModelSpec;
using testing::TfOperatorSpec;

constexpr int8_t kF32 = 0, kI32 = 2, kI64 = 4, kBool = 6, kI8 = 9;
constexpr int32_t kWhere = 109, kNmsV4 = 120, kNmsV5 = 121, kAtan2 = 156,
                  kRightShift = 161, kDilate = 203, kMatrixDiag = 113,
                  kConv3d = 132, kMean = 40, kFullyConnected = 9, kMirrorPad = 100;

Result<std::unique_ptr<Session>> open(const TfModelSpec& spec) {
  auto owned = std::make_shared<std::vector<uint8_t>>(build_tflite(spec));
  return Session::open_buffer(owned->data(), owned->size(), owned, "more.tflite");
}

void expect_unsupported(const TfModelSpec& spec, const std::string& fragment) {
  auto s = open(spec);
  ASSERT_FALSE(s.is_ok());
  EXPECT_EQ(s.status().code(), StatusCode::kUnsupported) << s.status().message();
  EXPECT_NE(s.status().message().find(fragment), std::string::npos) << s.status().message();
}

// NON_MAX_SUPPRESSION_V4/V5 over 3 boxes: inputs boxes, scores, constant max_output_size
// (2 unless told), iou_threshold (a graph input when `iou_at_run_time`), score_threshold and, in
// V5, sigma.
TfModelSpec nms(int32_t code, float sigma, bool iou_at_run_time, int32_t max_output = 2) {
  TfModelSpec spec;
  spec.tensors = {{{3, 4}, kF32, 0, "boxes"},   {{3}, kF32, 0, "scores"},
                  {{}, kI32, 1, "max_output"},  {{}, kF32, iou_at_run_time ? 0u : 2u, "iou"},
                  {{}, kF32, 3, "score"},       {{max_output}, kI32, 0, "selected"},
                  {{}, kI32, 0, "valid"}};
  spec.buffers = {bytes_of(std::vector<int32_t>{max_output}), bytes_of(std::vector<float>{0.5f}),
                  bytes_of(std::vector<float>{0.0f})};
  TfOperatorSpec op;
  op.builtin_code = code;
  op.inputs = {0, 1, 2, 3, 4};
  op.outputs = {5, 6};
  if (code == kNmsV5) {
    spec.tensors.push_back({{}, kF32, 4, "sigma"});
    spec.tensors.push_back({{2}, kF32, 0, "selected_scores"});
    spec.buffers.push_back(bytes_of(std::vector<float>{sigma}));
    op.inputs.push_back(7);
    op.outputs = {5, 8, 6};
  }
  spec.operators = {op};
  spec.inputs = iou_at_run_time ? std::vector<int32_t>{0, 1, 3} : std::vector<int32_t>{0, 1};
  spec.outputs = op.outputs;
  return spec;
}

TEST(TfliteMoreBuiltins, SoftNmsIsRefusedByName) {
  expect_unsupported(nms(kNmsV5, 0.5f, false), "soft NMS");
  auto hard = open(nms(kNmsV5, 0.0f, false));
  EXPECT_TRUE(hard.is_ok()) << hard.status().message();
}

TEST(TfliteMoreBuiltins, NmsThresholdsComputedAtRunTimeAreRefused) {
  expect_unsupported(nms(kNmsV4, 0.0f, true), "iou_threshold computed at run time");
}

// Box 0 and box 1 overlap with IoU 0.5 exactly: TFLite drops a box whose IoU reaches the
// threshold, so only boxes 1 (the best) and 2 remain.
TEST(TfliteMoreBuiltins, NmsDropsABoxWhoseIouEqualsTheThreshold) {
  auto s = open(nms(kNmsV4, 0.0f, false));
  ASSERT_TRUE(s.is_ok()) << s.status().message();
  const float boxes[12] = {0, 0, 1, 1, 0, 0, 1, 0.5f, 5, 5, 6, 6};
  const float scores[3] = {0.9f, 0.95f, 0.3f};
  std::memcpy((*s)->input(0).data(), boxes, sizeof boxes);
  std::memcpy((*s)->input(1).data(), scores, sizeof scores);
  ASSERT_TRUE((*s)->run().is_ok());
  const int32_t* selected = (*s)->output(0).data_as<int32_t>();
  EXPECT_EQ(selected[0], 1);
  EXPECT_EQ(selected[1], 2);
  EXPECT_EQ(*(*s)->output(1).data_as<int32_t>(), 2);
}

// More outputs than boxes: the selection, then zeros (made by an Expand once they outgrow a small
// constant, Lowering::zeros).
TEST(TfliteMoreBuiltins, NmsPadsAMaxOutputSizeBeyondTheBoxesWithZeros) {
  constexpr int32_t kMaxOutput = 20000;
  auto s = open(nms(kNmsV4, 0.0f, false, kMaxOutput));
  ASSERT_TRUE(s.is_ok()) << s.status().message();
  const float boxes[12] = {0, 0, 1, 1, 0, 0, 1, 0.5f, 5, 5, 6, 6};
  const float scores[3] = {0.9f, 0.95f, 0.3f};
  std::memcpy((*s)->input(0).data(), boxes, sizeof boxes);
  std::memcpy((*s)->input(1).data(), scores, sizeof scores);
  ASSERT_TRUE((*s)->run().is_ok());
  ASSERT_EQ((*s)->output(0).shape(), (Shape{kMaxOutput}));
  const int32_t* selected = (*s)->output(0).data_as<int32_t>();
  EXPECT_EQ(std::vector<int32_t>(selected, selected + 3), (std::vector<int32_t>{1, 2, 0}));
  EXPECT_EQ(selected[kMaxOutput - 1], 0);
  EXPECT_EQ(*(*s)->output(1).data_as<int32_t>(), 2);
}

// fuzz_tflite oom-79f54041: a max_output_size of 1.4e9 made the importer allocate its 5.5 GB of
// zero padding as a constant. Now the padding is computed after the selection, each run, within
// the session's max_arena_bytes: the run is refused by name, nothing allocated.
TEST(TfliteMoreBuiltinsCorrupt, AHugeMaxOutputSizeMeetsTheArenaLimitUnallocated) {
  const std::vector<uint8_t> model = build_tflite(nms(kNmsV4, 0.0f, false, 1375731712));
  SessionOptions options;
  options.max_arena_bytes = size_t{256} << 20;
  auto s = Session::open_buffer(model.data(), model.size(), nullptr, "nms.tflite", options);
  ASSERT_TRUE(s.is_ok()) << s.status().message();
  std::memset((*s)->input(0).data(), 0, 12 * sizeof(float));
  std::memset((*s)->input(1).data(), 0, 3 * sizeof(float));
  const Status run = (*s)->run();
  EXPECT_EQ(run.code(), StatusCode::kUnsupported) << run.message();
  EXPECT_NE(run.message().find("max_arena_bytes"), std::string::npos) << run.message();
}

// DILATE(x [dims], dilations [rank], padding_value) of the given shape and dilations.
TfModelSpec dilate(const std::vector<int32_t>& dims, const std::vector<int32_t>& dilations) {
  TfModelSpec spec;
  std::vector<int32_t> out;
  for (size_t k = 0; k < dims.size(); ++k)
    out.push_back(static_cast<int32_t>(
        std::min<int64_t>(int64_t{dims[k] - 1} * dilations[k] + 1, 1 << 30)));
  spec.tensors = {{dims, kF32, 0, "x"},
                  {{static_cast<int32_t>(dims.size())}, kI32, 1, "dilations"},
                  {{}, kF32, 2, "padding"},
                  {out, kF32, 0, "y"}};
  spec.buffers = {bytes_of(dilations), bytes_of(std::vector<float>{0.0f})};
  spec.operators = {{kDilate, "", {0, 1, 2}, {3}}};
  spec.inputs = {0};
  spec.outputs = {3};
  return spec;
}

// fuzz_tflite oom-c5e7a039: the lowering's coordinate table grows with x; a large x is refused
// by name instead of allocating gigabytes, and a dilation that overflows a dimension is invalid.
TEST(TfliteMoreBuiltinsCorrupt, DilateOfAHugeTensorIsRefusedBeforeAllocating) {
  expect_unsupported(dilate({4096, 4096}, {2, 2}), "coordinate table");
  auto overflow = open(dilate({3, 1024}, {1, 2147483647}));
  ASSERT_FALSE(overflow.is_ok());
  EXPECT_EQ(overflow.status().code(), StatusCode::kInvalidModel) << overflow.status().message();
  EXPECT_NE(overflow.status().message().find("2^40"), std::string::npos)
      << overflow.status().message();
  auto small = open(dilate({2, 3}, {2, 1}));
  EXPECT_TRUE(small.is_ok()) << small.status().message();
}

// fuzz_tflite crash-d96efd6f: MATRIX_DIAG of a long vector made the importer allocate its
// rows x cols diagonal mask (here 2^40 bytes); the mask is computed by the graph now, whose
// shape checks refuse it by name before anything is allocated.
TEST(TfliteMoreBuiltinsCorrupt, MatrixDiagOfAHugeVectorMeetsTheArenaLimitUnallocated) {
  TfModelSpec spec;
  const int32_t n = 1 << 20;
  spec.tensors = {{{n}, kF32, 0, "x"}, {{1, 1}, kF32, 0, "diagonal"}};  // declared small
  spec.operators = {{kMatrixDiag, "", {0}, {1}}};
  spec.inputs = {0};
  spec.outputs = {1};
  auto owned = std::make_shared<std::vector<uint8_t>>(build_tflite(spec));
  SessionOptions options;
  options.max_arena_bytes = size_t{256} << 20;
  auto s = Session::open_buffer(owned->data(), owned->size(), owned, "diag.tflite", options);
  const Status status = s.is_ok() ? (*s)->run() : s.status();
  EXPECT_EQ(status.code(), StatusCode::kShapeMismatch) << status.message();
  EXPECT_NE(status.message().find("[1048576, 1048576] is too large"), std::string::npos)
      << status.message();
}

// A small one still gives the diagonal matrix.
TEST(TfliteMoreBuiltins, MatrixDiagPutsTheVectorOnTheDiagonal) {
  TfModelSpec spec;
  spec.tensors = {{{3}, kF32, 0, "x"}, {{3, 3}, kF32, 0, "diagonal"}};
  spec.operators = {{kMatrixDiag, "", {0}, {1}}};
  spec.inputs = {0};
  spec.outputs = {1};
  auto s = open(spec);
  ASSERT_TRUE(s.is_ok()) << s.status().message();
  const float x[3] = {1, 2, 3};
  std::memcpy((*s)->input(0).data(), x, sizeof x);
  ASSERT_TRUE((*s)->run().is_ok());
  const float* d = (*s)->output(0).data_as<float>();
  EXPECT_EQ(std::vector<float>(d, d + 9), (std::vector<float>{1, 0, 0, 0, 2, 0, 0, 0, 3}));
}

// fuzz_tflite crash-9ffeb248: a CONV_3D whose output is declared with no dimensions had the
// lowering read its fifth dimension; it is an invalid model, named.
TEST(TfliteMoreBuiltinsCorrupt, Conv3dWithAnOutputOfAnotherRankIsInvalid) {
  TfModelSpec spec;
  spec.tensors = {{{1, 3, 3, 3, 1}, kF32, 0, "x"}, {{1, 1, 1, 1, 1}, kF32, 1, "filter"},
                  {{}, kF32, 0, "y"}};
  spec.buffers = {bytes_of(std::vector<float>{1.0f})};
  TfOperatorSpec conv{kConv3d, "", {0, 1}, {2}};
  conv.options_type = 106;  // Conv3DOptions: VALID, strides and dilations 1
  conv.options = {{0, 1, 1}, {1, 4, 1}, {2, 4, 1}, {3, 4, 1}, {5, 4, 1}, {6, 4, 1}, {7, 4, 1}};
  spec.operators = {conv};
  spec.inputs = {0};
  spec.outputs = {2};
  auto s = open(spec);
  ASSERT_FALSE(s.is_ok());
  EXPECT_EQ(s.status().code(), StatusCode::kInvalidModel) << s.status().message();
  EXPECT_NE(s.status().message().find("5 dimensions"), std::string::npos) << s.status().message();
}

// A keep_dims MEAN of `x` over `axes` into `y` (tensor 1 holds the axes).
TfModelSpec uint8_mean(testing::TfTensorSpec x, const std::vector<int32_t>& axes, testing::TfTensorSpec y) {
  TfModelSpec spec;
  spec.tensors = {std::move(x), {{static_cast<int32_t>(axes.size())}, kI32, 1, "axes"}, std::move(y)};
  spec.buffers = {bytes_of(axes)};
  TfOperatorSpec mean{kMean, "", {0, 1}, {2}};
  mean.options_type = 27;  // ReducerOptions
  mean.options = {{0, 1, 1}};  // keep_dims
  spec.operators = {mean};
  spec.inputs = {0};
  spec.outputs = {2};
  return spec;
}

// fuzz_tflite crash-fb175232: MEAN of uint8 over more elements than an int32 sum holds (TFLite's
// accumulator) is undefined in TFLite; here the sum saturates and the mean is the largest value.
TEST(TfliteMoreBuiltinsCorrupt, QuantizedMeanOfMillionsOfElementsDoesNotOverflow) {
  const int32_t n = 1 << 24;  // 16 Mi elements of 255: 4.3e9, past int32
  auto s = open(uint8_mean({{1, n}, 3, 0, "x", {1.0f}, {0}}, {1}, {{1, 1}, 3, 0, "mean", {1.0f}, {0}}));
  ASSERT_TRUE(s.is_ok()) << s.status().message();
  std::memset((*s)->input(0).data(), 255, static_cast<size_t>(n));
  ASSERT_TRUE((*s)->run().is_ok());
  EXPECT_EQ((*s)->output(0).data_as<uint8_t>()[0], 255);
}

// fuzz_tflite crash-516996cf (seed 12): a global-pool MEAN whose zero point times input scale /
// output scale is 2.55e10: converting that term to int32 was undefined; the model is invalid now.
TEST(TfliteMoreBuiltinsCorrupt, QuantizedMeanWhoseZeroPointTermPassesInt32IsInvalid) {
  auto s = open(uint8_mean({{1, 2, 2, 1}, 3, 0, "x", {1.0f}, {255}}, {1, 2},
                          {{1, 1, 1, 1}, 3, 0, "mean", {1e-8f}, {0}}));
  ASSERT_FALSE(s.is_ok());
  EXPECT_EQ(s.status().code(), StatusCode::kInvalidModel) << s.status().message();
  EXPECT_NE(s.status().message().find("zero point"), std::string::npos) << s.status().message();
}

// fuzz_tflite crash-10790180: an int16x8 FULLY_CONNECTED whose int64 bias is near the type's
// limit overflowed the accumulator (undefined); the sum saturates, so the output is the
// lowest int16 rather than a wrapped-around high one.
TEST(TfliteMoreBuiltinsCorrupt, Int16FullyConnectedWithAnExtremeBiasSaturates) {
  constexpr int8_t kI16 = 7, kI8 = 9;
  TfModelSpec spec;
  spec.tensors = {{{1, 2}, kI16, 0, "x", {0.01f}, {0}},
                  {{1, 2}, kI8, 1, "w", {0.01f}, {0}},
                  {{1}, kI64, 2, "bias", {0.0001f}, {0}},
                  {{1, 1}, kI16, 0, "y", {0.01f}, {0}}};
  spec.buffers = {bytes_of(std::vector<int8_t>{-100, -100}),
                  bytes_of(std::vector<int64_t>{std::numeric_limits<int64_t>::min() + 10})};
  TfOperatorSpec fc{kFullyConnected, "", {0, 1, 2}, {3}};
  fc.options_type = 8;  // FullyConnectedOptions
  spec.operators = {fc};
  spec.inputs = {0};
  spec.outputs = {3};
  auto s = open(spec);
  ASSERT_TRUE(s.is_ok()) << s.status().message();
  const int16_t x[2] = {32767, 32767};  // x * w: about -6.5 million, pushing the sum lower still
  std::memcpy((*s)->input(0).data(), x, sizeof x);
  ASSERT_TRUE((*s)->run().is_ok());
  EXPECT_EQ((*s)->output(0).data_as<int16_t>()[0], -32768);
}

// fuzz_tflite crash-beed819c: an ADD of int32s whose output the file declares another type.
// The reference kernel writes the int32 sums; into a bool tensor that was past its end. It is
// refused when the session is made, naming both types.
TEST(TfliteMoreBuiltinsCorrupt, AnAddWhoseOutputIsDeclaredAnotherTypeIsRefused) {
  constexpr int32_t kAdd = 0;
  TfModelSpec spec;
  spec.tensors = {{{4}, kI32, 0, "a"}, {{4}, kI32, 0, "b"}, {{4}, kBool, 0, "sum"}};
  spec.operators = {TfOperatorSpec{kAdd, "", {0, 1}, {2}}};
  spec.inputs = {0, 1};
  spec.outputs = {2};
  expect_unsupported(spec, "its output is bool, but the op gives int32");
}

// fuzz_tflite oom-ddd0d7fa: SYMMETRIC MIRROR_PAD's lowering builds one index per output
// position of a padded dimension; a dimension of tens of millions is refused by name rather
// than given a table of that size, and a small one still pads.
TEST(TfliteMoreBuiltinsCorrupt, SymmetricMirrorPadOfAHugeDimensionIsRefusedBeforeAllocating) {
  auto mirror = [](int32_t length) {
    TfModelSpec spec;
    spec.tensors = {{{length}, kI8, 0, "x", {1.0f}, {0}},
                    {{1, 2}, kI32, 1, "pads"},
                    {{length + 2}, kI8, 0, "y", {1.0f}, {0}}};
    spec.buffers = {bytes_of(std::vector<int32_t>{1, 1})};
    TfOperatorSpec pad{kMirrorPad, "", {0, 1}, {2}};
    pad.options_type = 77;  // MirrorPadOptions
    pad.options = {{0, 1, 1}};  // SYMMETRIC
    spec.operators = {pad};
    spec.inputs = {0};
    spec.outputs = {2};
    return spec;
  };
  expect_unsupported(mirror(1 << 23), "index table");
  auto small = open(mirror(3));
  ASSERT_TRUE(small.is_ok()) << small.status().message();
  const int8_t x[3] = {1, 2, 3};
  std::memcpy((*small)->input(0).data(), x, sizeof x);
  ASSERT_TRUE((*small)->run().is_ok());
  const int8_t* y = (*small)->output(0).data_as<int8_t>();
  EXPECT_EQ(std::vector<int8_t>(y, y + 5), (std::vector<int8_t>{1, 1, 2, 3, 3}));
}

// fuzz_tflite crash-bfc5c5a3 (seed 12): SPACE_TO_BATCH_ND of an empty [16, 0, 0, 1] tensor with
// blocks of 2^30 x 2^30 and paddings of 2^30: the lowering's batch, 2^60 x 16, overflowed int64
// (UBSan). It is an invalid model now, by name (BATCH_TO_SPACE_ND's products are checked alike,
// though a file's int32 values cannot take them past int64).
TEST(TfliteMoreBuiltinsCorrupt, SpaceToBatchWhoseBatchPassesInt64IsInvalid) {
  const int32_t huge = 1 << 30;
  for (int32_t code : {38 /* SPACE_TO_BATCH_ND */}) {
    TfModelSpec spec;
    spec.tensors = {{{16, 0, 0, 1}, kF32, 0, "x"},
                    {{2}, kI32, 1, "block"},
                    {{2, 2}, kI32, 2, "edges"},
                    {{16, 1, 1, 1}, kF32, 0, "y"}};
    spec.buffers = {bytes_of(std::vector<int32_t>{huge, huge}),
                    bytes_of(std::vector<int32_t>{code == 38 ? huge : 0, 0, code == 38 ? huge : 0, 0})};
    spec.operators = {{code, "", {0, 1, 2}, {3}}};
    spec.inputs = {0};
    spec.outputs = {3};
    auto s = open(spec);
    ASSERT_FALSE(s.is_ok()) << code;
    EXPECT_EQ(s.status().code(), StatusCode::kInvalidModel) << s.status().message();
    EXPECT_NE(s.status().message().find("past 2^63"), std::string::npos) << s.status().message();
  }
}

TEST(TfliteMoreBuiltins, Atan2OfIntegersIsRefused) {
  TfModelSpec atan2;
  atan2.tensors = {{{3}, kI32, 0, "y"}, {{3}, kI32, 0, "x"}, {{3}, kI32, 0, "angle"}};
  atan2.operators = {{kAtan2, "", {0, 1}, {2}}};
  atan2.inputs = {0, 1};
  atan2.outputs = {2};
  expect_unsupported(atan2, "ATAN2 of int32");
}

// WHERE(condition [2, 3]): the coordinates of the true elements, as many as each run's data
// holds, whatever placeholder shape the file declares.
TEST(TfliteMoreBuiltins, WhereGivesAsManyCoordinatesAsTheDataHolds) {
  TfModelSpec spec;
  spec.tensors = {{{2, 3}, kBool, 0, "condition"}, {{1, 2}, kI64, 0, "coordinates"}};
  spec.operators = {{kWhere, "", {0}, {1}}};
  spec.inputs = {0};
  spec.outputs = {1};
  auto s = open(spec);
  ASSERT_TRUE(s.is_ok()) << s.status().message();
  const bool three[6] = {true, false, false, false, true, true};
  std::memcpy((*s)->input(0).data(), three, sizeof three);
  ASSERT_TRUE((*s)->run().is_ok());
  ASSERT_EQ((*s)->output(0).shape(), (Shape{3, 2}));
  const int64_t* c = (*s)->output(0).data_as<int64_t>();
  EXPECT_EQ(std::vector<int64_t>(c, c + 6), (std::vector<int64_t>{0, 0, 1, 1, 1, 2}));
  const bool none[6] = {};
  std::memcpy((*s)->input(0).data(), none, sizeof none);
  ASSERT_TRUE((*s)->run().is_ok());
  EXPECT_EQ((*s)->output(0).shape(), (Shape{0, 2}));
}

// RIGHT_SHIFT of int8: arithmetic, the amount clamped to [0, 7] as TFLite's kernel clamps it.
TEST(TfliteMoreBuiltins, RightShiftClampsTheAmount) {
  TfModelSpec spec;
  spec.tensors = {{{4}, kI8, 0, "x"}, {{4}, kI8, 0, "amount"}, {{4}, kI8, 0, "y"}};
  spec.operators = {{kRightShift, "", {0, 1}, {2}}};
  spec.inputs = {0, 1};
  spec.outputs = {2};
  auto s = open(spec);
  ASSERT_TRUE(s.is_ok()) << s.status().message();
  const int8_t x[4] = {-100, 100, -1, 64}, amount[4] = {-2, 9, 3, 6};
  std::memcpy((*s)->input(0).data(), x, sizeof x);
  std::memcpy((*s)->input(1).data(), amount, sizeof amount);
  ASSERT_TRUE((*s)->run().is_ok());
  const int8_t* y = (*s)->output(0).data_as<int8_t>();
  EXPECT_EQ(std::vector<int>(y, y + 4), (std::vector<int>{-100, 0, -1, 1}));
}

}  // namespace
}  // namespace outpost
