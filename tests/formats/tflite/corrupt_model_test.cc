// Corrupted models end in errors, never crashes or out-of-bounds reads: truncation at many
// offsets and random byte flips of real and built models. The test command also runs these
// under AddressSanitizer and UndefinedBehaviorSanitizer (suite names match 'Corrupt').
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <random>

#include "outpost/session.h"
#include "support/detection_model.h"
#include "support/model_paths.h"
#include "support/test_paths.h"
#include "support/tflite_builder.h"

namespace outpost {
namespace {

std::vector<uint8_t> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

// Opens the bytes; when the model loads, runs it too (weights may be garbage, but nothing may
// read outside its buffers). Returns the status of opening.
Status open_and_run(const std::vector<uint8_t>& bytes) {
  auto owned = std::make_shared<std::vector<uint8_t>>(bytes);
  auto session = Session::open_buffer(owned->data(), owned->size(), owned, "corrupt.tflite");
  if (!session.is_ok()) return session.status();
  return (*session)->run();
}

void expect_truncations_fail(const std::vector<uint8_t>& model, int cuts) {
  ASSERT_FALSE(model.empty());
  for (int k = 0; k < cuts; ++k) {
    const size_t length = model.size() * static_cast<size_t>(k) / static_cast<size_t>(cuts);
    std::vector<uint8_t> truncated(model.begin(), model.begin() + static_cast<long>(length));
    Status s = open_and_run(truncated);
    EXPECT_FALSE(s.is_ok()) << "a model truncated to " << length << " of " << model.size() << " bytes loaded";
    if (!s.is_ok()) {
      EXPECT_EQ(s.code(), StatusCode::kInvalidModel) << s.message();
      EXPECT_FALSE(s.message().empty());
    }
  }
}

void flip_bytes_and_run(const std::vector<uint8_t>& model, int rounds, uint32_t seed) {
  std::mt19937 rng(seed);
  int rejected = 0;
  for (int round = 0; round < rounds; ++round) {
    std::vector<uint8_t> mutated = model;
    const int flips = 1 + static_cast<int>(rng() % 8);
    for (int f = 0; f < flips; ++f) mutated[rng() % mutated.size()] ^= static_cast<uint8_t>(1 + rng() % 255);
    Status s = open_and_run(mutated);
    if (!s.is_ok()) {
      ++rejected;
      EXPECT_NE(s.code(), StatusCode::kInternal) << s.message();
    }
  }
  std::printf("[corrupt] %d of %d mutated models rejected with a clear error, the rest loaded and ran\n", rejected,
              rounds);
}

TEST(CorruptModel, TruncatedBuiltModelsFail) {
  expect_truncations_fail(testing::build_tflite(testing::add_model_spec()), 64);
}

// A TFLite_Detection_PostProcess model: flips also land in its FlexBuffer options, which are
// verified before they are read.
std::vector<uint8_t> detection_model() {
  const std::vector<float> anchors = {0.5f, 0.5f, 0.4f, 0.4f, 0.52f, 0.5f, 0.4f, 0.4f, 0.1f, 0.1f, 0.1f, 0.1f};
  return testing::build_tflite(testing::detection_model_spec(anchors, 2, testing::TfDetectionOptions{}));
}

TEST(CorruptModel, TruncatedDetectionModelsFail) { expect_truncations_fail(detection_model(), 64); }

TEST(CorruptModel, ByteFlipsInDetectionModelNeverCrash) { flip_bytes_and_run(detection_model(), 2000, 5); }

TEST(CorruptModel, TruncatedRealModelsFail) {
  const std::string path = testing::model_path("face_detection_short_range.tflite");
  OUTPOST_SKIP_UNLESS_EXISTS(path);
  expect_truncations_fail(read_file(path), 97);
}

TEST(CorruptModel, ByteFlipsInBuiltModelsNeverCrash) {
  flip_bytes_and_run(testing::build_tflite(testing::add_model_spec()), 2000, 1);
}

TEST(CorruptModel, ByteFlipsInRealModelsNeverCrash) {
  const std::string path = testing::model_path("face_detection_short_range.tflite");
  OUTPOST_SKIP_UNLESS_EXISTS(path);
  const auto model = read_file(path);
  // Flips land anywhere: most hit weights (the model still runs); the rest hit the structure.
  flip_bytes_and_run(model, 60, 2);
  // Flips confined to the flatbuffer's structure (the first and last few KiB) exercise the
  // checks rather than the weights.
  std::mt19937 rng(3);
  int rejected = 0;
  for (int round = 0; round < 200; ++round) {
    std::vector<uint8_t> mutated = model;
    const size_t region = 4096;
    size_t pos = rng() % (2 * region);
    pos = pos < region ? pos : mutated.size() - (pos - region) - 1;
    mutated[pos] ^= static_cast<uint8_t>(1 + rng() % 255);
    rejected += !open_and_run(mutated).is_ok();
  }
  std::printf("[corrupt] %d of 200 structure mutations rejected\n", rejected);
}

TEST(CorruptModel, QuantizedModelFlipsNeverCrash) {
  const std::string path = testing::shared_data_path("coral/mobilenet_v1_0.25_128_quant.tflite");
  OUTPOST_SKIP_UNLESS_EXISTS(path);
  flip_bytes_and_run(read_file(path), 40, 4);
}

}  // namespace
}  // namespace outpost
