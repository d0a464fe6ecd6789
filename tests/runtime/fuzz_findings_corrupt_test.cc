// Inputs that crashed the fuzzers on other machines (../shared/data/fuzz-findings/, named
// TARGET-what), replayed through the targets' own path (fuzz/fuzz_session.h) in the normal test
// binary: each must end in a Status or a clean run. Suite names contain 'Corrupt', so the
// sanitizer build replays them too, where the original reports (a signed overflow, a misaligned
// load) would fail the test. The bugs also have tests that build their inputs in code
// (CorruptOnnxSlice.*, CorruptTfliteAlignment.*).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>

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

}  // namespace
}  // namespace outpost
