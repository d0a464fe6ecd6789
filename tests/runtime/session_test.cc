#include "outpost/session.h"

#include <gtest/gtest.h>

#include <cstring>

#include "support/model_paths.h"
#include "support/test_paths.h"
#include "support/tflite_builder.h"

namespace outpost {
namespace {

Result<std::unique_ptr<Session>> open_spec(const testing::TfModelSpec& spec) {
  auto bytes = std::make_shared<std::vector<uint8_t>>(testing::build_tflite(spec));
  return Session::open_buffer(bytes->data(), bytes->size(), bytes, "spec.tflite");
}

TEST(Session, SetInputChecksDtypeAndShape) {
  auto session = open_spec(testing::add_model_spec());
  ASSERT_TRUE(session.is_ok()) << session.status().message();
  Tensor wrong = Tensor::allocate(DType::kFloat32, Shape{1, 4}).value();
  Status s = (*session)->set_input(0, wrong);
  EXPECT_EQ(s.code(), StatusCode::kShapeMismatch);
  EXPECT_NE(s.message().find("expects float32 [1, 2, 2, 1]"), std::string::npos) << s.message();
  Tensor right = Tensor::allocate(DType::kFloat32, Shape{1, 2, 2, 1}).value();
  EXPECT_TRUE((*session)->set_input(0, right).is_ok());
  EXPECT_EQ((*session)->set_input(5, right).code(), StatusCode::kUsage);
}

TEST(Session, NamesInputsAndOutputs) {
  auto session = open_spec(testing::add_model_spec());
  ASSERT_TRUE(session.is_ok());
  EXPECT_EQ((*session)->input_index("b"), 1);
  EXPECT_EQ((*session)->input_index("zzz"), -1);
  EXPECT_EQ((*session)->output(0).name, "sum");
}

TEST(Session, ChainReusesArenaAndRunsRepeatedly) {
  // sum = a + b; out = sum + b. Inputs stay intact for re-runs; out is written over sum, which
  // nothing reads after it (runtime/in_place.h), so the arena holds three buffers, not four.
  auto spec = testing::add_model_spec();
  spec.tensors.push_back({{1, 2, 2, 1}, 0, 0, "out"});
  auto second = spec.operators[0];
  second.inputs = {2, 1};
  second.outputs = {3};
  spec.operators.push_back(second);
  spec.outputs = {3};
  auto session = open_spec(spec);
  ASSERT_TRUE(session.is_ok()) << session.status().message();
  EXPECT_EQ((*session)->stats().arena_bytes, 3u * 64u);
  for (int round = 0; round < 3; ++round) {
    for (int k = 0; k < 4; ++k) {
      (*session)->input(0).data_as<float>()[k] = static_cast<float>(k + round);
      (*session)->input(1).data_as<float>()[k] = 1.0f;
    }
    ASSERT_TRUE((*session)->run().is_ok());
    EXPECT_FLOAT_EQ((*session)->output(0).data_as<float>()[3], 3.0f + round + 2.0f);
    ASSERT_TRUE((*session)->run().is_ok());  // again, on the same inputs
    EXPECT_FLOAT_EQ((*session)->output(0).data_as<float>()[3], 3.0f + round + 2.0f);
  }
}

TEST(Session, FoldsFloat16WeightsOnceAtLoad) {
  const std::string path = testing::model_path("face_detection_short_range.tflite");
  OUTPOST_SKIP_UNLESS_EXISTS(path);
  // On the reference backend, which runs the graph as imported (no activation fusion).
  SessionOptions options;
  options.backend = "ref";
  auto session = Session::open(path, options);
  ASSERT_TRUE(session.is_ok()) << session.status().message();
  const ModelStats& st = (*session)->stats();
  EXPECT_EQ(st.op_counts.at("Dequantize"), 74);
  EXPECT_EQ(st.nodes_executed, 164 - 74);  // no Dequantize left to run per inference
  EXPECT_GT(st.folded_constant_bytes, 0u);
  // The fast backends also fold each Relu after an Add into the Add (16 of them) and the one
  // after a convolution into the Conv.
  auto fast = Session::open(path);
  ASSERT_TRUE(fast.is_ok()) << fast.status().message();
  EXPECT_EQ((*fast)->stats().nodes_executed, 164 - 74 - 17);
}

TEST(Session, RefusesAModelAboveTheArenaLimit) {
  auto bytes = std::make_shared<std::vector<uint8_t>>(testing::build_tflite(testing::add_model_spec()));
  SessionOptions options;
  options.max_arena_bytes = 3 * 64;  // the model needs a, b and sum: 3 x 64 bytes
  auto fits = Session::open_buffer(bytes->data(), bytes->size(), bytes, "x", options);
  ASSERT_TRUE(fits.is_ok()) << fits.status().message();
  options.max_arena_bytes = 3 * 64 - 1;
  auto refused = Session::open_buffer(bytes->data(), bytes->size(), bytes, "x", options);
  ASSERT_FALSE(refused.is_ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kUnsupported);
  EXPECT_NE(refused.status().message().find("needs 192 bytes of activation memory"),
            std::string::npos)
      << refused.status().message();
}

TEST(Session, UnknownBackendIsAUsageError) {
  SessionOptions options;
  options.backend = "tpu";
  auto bytes = std::make_shared<std::vector<uint8_t>>(testing::build_tflite(testing::add_model_spec()));
  auto session = Session::open_buffer(bytes->data(), bytes->size(), bytes, "x", options);
  ASSERT_FALSE(session.is_ok());
  EXPECT_EQ(session.status().code(), StatusCode::kUsage);
}

}  // namespace
}  // namespace outpost
