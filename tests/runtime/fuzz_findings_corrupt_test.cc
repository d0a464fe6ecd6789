// Inputs that crashed the fuzzers on other machines (../shared/data/fuzz-findings/, named
// TARGET-what), replayed through the targets' own path (fuzz/fuzz_session.h) in the normal test
// binary: each must end in a Status or a clean run. Suite names contain 'Corrupt', so the
// sanitizer build replays them too, where the original reports (a signed overflow, a misaligned
// load) would fail the test. The bugs also have tests that build their inputs in code
// (CorruptOnnxSlice.*, CorruptTfliteAlignment.*); findings of this machine's runs are built in
// code below.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "formats/onnx/onnx_model_builder.h"
#include "fuzz/fuzz_session.h"
#include "support/test_paths.h"

namespace outpost {
namespace {

std::vector<uint8_t> read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

// The findings for `target`, sorted; empty when the directory has none.
std::vector<std::string> findings_of(const std::string& target) {
  std::vector<std::string> files;
  std::error_code ec;
  for (const auto& e :
       std::filesystem::directory_iterator(testing::shared_data_path("fuzz-findings"), ec))
    if (e.is_regular_file() && e.path().filename().string().rfind(target + "-", 0) == 0)
      files.push_back(e.path().string());
  std::sort(files.begin(), files.end());
  return files;
}

// Feeds each finding of `target` as the target does, with the file name its fuzzer gives.
void replay(const std::string& target, const std::string& name, const std::string& expected) {
  const std::string dir = testing::shared_data_path("fuzz-findings");
  OUTPOST_SKIP_UNLESS_EXISTS(dir);
  const auto files = findings_of(target);
  EXPECT_NE(std::find_if(files.begin(), files.end(),
                         [&](const std::string& f) { return f.ends_with(expected); }),
            files.end())
      << expected << " is not in " << dir;
  for (const auto& file : files) {
    SCOPED_TRACE(file);
    const auto bytes = read_bytes(file);
    ASSERT_FALSE(bytes.empty());
    // A copy of the libFuzzer harness's: heap bytes, nothing kept alive past the session.
    fuzz::open_and_run(bytes.data(), bytes.size(), name);
  }
}

TEST(CorruptFuzzFindings, OnnxInputsRunCleanly) {
  replay("fuzz_onnx", "fuzz.onnx", "fuzz_onnx-slice-overflow");
}

TEST(CorruptFuzzFindings, TfliteInputsRunCleanly) {
  replay("fuzz_tflite", "fuzz.tflite", "fuzz_tflite-misaligned-int64");
}

// fuzz_onnx timeout cd41021f (found here, seed 2): a valid MaxPool whose 60x80 window, dilated
// 10x, slides over 1000x1000 makes 0.5 G window reads, 45 s under ASan. Pools counted no MACs,
// so the harness ran it; their window reads now count, and the harness skips it as it skips a
// convolution that large.
TEST(CorruptFuzzFindings, AHugePoolWindowCountsAsWork) {
  auto m = testing::onnx_model(12);
  testing::add_input(m, "X", {1, 1, 1000, 1000});
  auto* pool = testing::add_node(m, "MaxPool", {"X"}, {"Y"});
  testing::set_ints_attr(pool, "kernel_shape", {60, 80});
  testing::set_ints_attr(pool, "dilations", {10, 10});
  testing::set_ints_attr(pool, "pads", {10, 20, 10, 20});
  testing::add_output(m, "Y");
  auto bytes = std::make_shared<std::vector<uint8_t>>(testing::serialize(m));
  auto s = Session::open_buffer(bytes->data(), bytes->size(), bytes, "pool.onnx");
  ASSERT_TRUE(s.is_ok()) << s.status().message();
  // Output [1, 1, 430, 250]: (1020 - 591) + 1 rows, (1040 - 791) + 1 columns.
  EXPECT_EQ((*s)->stats().macs, int64_t{430} * 250 * 60 * 80);
  EXPECT_GT((*s)->stats().macs, fuzz::kMaxMacsToRun);
}

// fuzz_onnx crash bddd865a (CI's smoke run, seed 1): a model with a symbolic input dimension
// loads now, unplanned, and its input has no storage until a shape is given; the harness filled
// it through a null pointer. It binds such dimensions to 1 first.
TEST(CorruptFuzzFindings, ASymbolicInputIsBoundBeforeItIsFilled) {
  auto m = testing::onnx_model(13);
  testing::add_input(m, "X", {1, 4});
  m.mutable_graph()->mutable_input(0)->mutable_type()->mutable_tensor_type()->mutable_shape()
      ->mutable_dim(0)->set_dim_param("N");
  testing::add_node(m, "Relu", {"X"}, {"Y"});
  testing::add_output(m, "Y");
  const std::vector<uint8_t> bytes = testing::serialize(m);
  fuzz::open_and_run(bytes.data(), bytes.size(), "symbolic.onnx");
  auto s = Session::open_buffer(bytes.data(), bytes.size(), nullptr, "symbolic.onnx");
  ASSERT_TRUE(s.is_ok()) << s.status().message();
  EXPECT_EQ((*s)->input(0).data(), nullptr);  // what the harness wrote through
}

}  // namespace
}  // namespace outpost
