// TFLite's SVDF imported as Gemm, Slice, Concat, Mul and ReduceSum
// (src/formats/tflite/tflite_svdf_builtin.cc): the memory of feature activations carried from
// run to run and reset, the rank reduction, and the forms refused by name. The TFLite
// conformance suite checks the supported forms against TFLite itself
// (tests/conformance/tflite_cases_recurrent.cc).
#include <gtest/gtest.h>

#include <cstring>
#include <deque>
#include <string>
#include <vector>

#include "outpost/session.h"
#include "support/tflite_builder.h"

namespace outpost {
namespace {

using testing::build_tflite;
using testing::bytes_of;
using testing::TfModelSpec;
using testing::TfOperatorSpec;
using testing::TfTensorSpec;

constexpr int8_t kF32 = 0, kI8 = 9;
constexpr int32_t kSvdf = 27;
constexpr uint8_t kSvdfOptions = 6;
constexpr int kActNone = 0, kActSignBit = 5;

// Two filters over one input feature, a memory of three steps.
constexpr int kMemory = 3;
const std::vector<float> kFeature = {0.5f, -1.5f};                        // [filters 2, input 1]
const std::vector<float> kTime = {0.25f, -0.5f, 1.0f, 2.0f, 0.75f, -1.0f};  // [2, memory 3]

struct SvdfForm {
  int32_t rank = 1;
  int activation = kActNone;
  bool hybrid = false;
  std::vector<int32_t> state_shape = {1, 2 * kMemory};
};

int add_tensor(TfModelSpec& spec, std::vector<int32_t> shape, std::vector<float> data = {},
               bool variable = false) {
  TfTensorSpec t{std::move(shape), kF32, 0, "t" + std::to_string(spec.tensors.size())};
  if (!data.empty()) {
    spec.buffers.push_back(bytes_of(data));
    t.buffer = static_cast<uint32_t>(spec.buffers.size());
  }
  t.is_variable = variable;
  spec.tensors.push_back(t);
  return static_cast<int>(spec.tensors.size()) - 1;
}

// SVDF: x [1, 1] -> y [1, 2 / rank], bias 0.125 per unit.
TfModelSpec svdf_model(const SvdfForm& form) {
  TfModelSpec spec;
  TfOperatorSpec op;
  op.builtin_code = kSvdf;
  const int32_t units = 2 / form.rank;
  int feature = add_tensor(spec, {2, 1}, kFeature);
  if (form.hybrid) {
    spec.tensors[static_cast<size_t>(feature)].type = kI8;
    spec.buffers.back() = std::vector<uint8_t>{10, 246};
    spec.tensors[static_cast<size_t>(feature)].scale = {0.05f};
    spec.tensors[static_cast<size_t>(feature)].zero_point = {0};
  }
  op.inputs = {add_tensor(spec, {1, 1}), feature, add_tensor(spec, {2, kMemory}, kTime),
               add_tensor(spec, {units}, std::vector<float>(static_cast<size_t>(units), 0.125f)),
               add_tensor(spec, form.state_shape, {}, true)};
  op.outputs = {add_tensor(spec, {1, units})};
  op.options_type = kSvdfOptions;
  op.options = {{0, 4, form.rank}, {1, 1, form.activation}};
  spec.operators = {op};
  spec.inputs = {op.inputs[0]};
  spec.outputs = op.outputs;
  return spec;
}

Result<std::unique_ptr<Session>> open(const TfModelSpec& spec) {
  auto owned = std::make_shared<std::vector<uint8_t>>(build_tflite(spec));
  return Session::open_buffer(owned->data(), owned->size(), owned, "svdf.tflite");
}

// What filter k gives after the inputs `xs` (oldest first): its time weights over the last
// three feature activations, zeros before the first run.
float filter_sum(int k, const std::deque<float>& xs) {
  float sum = 0;
  for (int m = 0; m < kMemory; ++m) {
    const int age = kMemory - 1 - m;  // column m holds the activation `age` runs back
    const int i = static_cast<int>(xs.size()) - 1 - age;
    if (i >= 0) sum += kTime[static_cast<size_t>(k * kMemory + m)] * kFeature[k] * xs[i];
  }
  return sum;
}

void run_with(Session& s, float x) {
  std::memcpy(s.input(0).data(), &x, sizeof(float));
  ASSERT_TRUE(s.run().is_ok());
}

TEST(TfliteSvdf, EachRunSeesTheLastThreeInputsThroughItsTimeWeights) {
  auto s = open(svdf_model({}));
  ASSERT_TRUE(s.is_ok()) << s.status().message();
  std::deque<float> xs;
  for (float x : {1.0f, -2.0f, 0.5f, 3.0f, -1.0f}) {  // more runs than the memory holds
    run_with(**s, x);
    xs.push_back(x);
    for (int k = 0; k < 2; ++k)
      EXPECT_NEAR((*s)->output(0).data_as<float>()[k], 0.125f + filter_sum(k, xs), 1e-6)
          << "filter " << k << " after " << xs.size() << " runs";
  }
  (*s)->reset_state();
  run_with(**s, 2.0f);
  EXPECT_NEAR((*s)->output(0).data_as<float>()[0], 0.125f + filter_sum(0, {2.0f}), 1e-6);
}

TEST(TfliteSvdf, RankTwoSumsBothFiltersIntoOneUnit) {
  auto s = open(svdf_model({.rank = 2}));
  ASSERT_TRUE(s.is_ok()) << s.status().message();
  std::deque<float> xs;
  for (float x : {1.0f, 4.0f}) {
    run_with(**s, x);
    xs.push_back(x);
  }
  EXPECT_NEAR((*s)->output(0).data_as<float>()[0],
              0.125f + filter_sum(0, xs) + filter_sum(1, xs), 1e-6);
}

void expect_refused(const TfModelSpec& spec, StatusCode code, const std::string& says) {
  auto s = open(spec);
  ASSERT_FALSE(s.is_ok());
  EXPECT_EQ(s.status().code(), code) << s.status().message();
  EXPECT_NE(s.status().message().find(says), std::string::npos) << s.status().message();
}

TEST(TfliteSvdf, UnsupportedAndInvalidFormsAreRefusedByName) {
  expect_refused(svdf_model({.activation = kActSignBit}), StatusCode::kUnsupported,
                 "fused activation 5");
  expect_refused(svdf_model({.hybrid = true}), StatusCode::kUnsupported, "SVDF");
  expect_refused(svdf_model({.rank = 3}), StatusCode::kInvalidModel,
                 "rank 3 does not divide its 2 filters");
  expect_refused(svdf_model({.state_shape = {1, 5}}), StatusCode::kInvalidModel, "(a state)");
}

}  // namespace
}  // namespace outpost
