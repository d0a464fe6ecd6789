// The C API's pipelines (include/outpost/outpost_pipeline.h) on real images and MediaPipe's face
// detector: every frame's event reaches the callback, the same as the file's own JSON-lines
// sink writes; the callback can end the run early; bad files are errors with their codes.
#include "outpost/outpost_pipeline.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/c_status.h"
#include "support/model_paths.h"
#include "support/test_paths.h"

namespace outpost {
namespace {

using testing::CStatus;

struct Received {
  std::vector<nlohmann::json> events;
  size_t stop_after = 0;  // 0: never ask to stop
};

int on_event(const char* event_json, void* user_data) {
  auto* r = static_cast<Received*>(user_data);
  r->events.push_back(nlohmann::json::parse(event_json));
  return r->stop_after != 0 && r->events.size() >= r->stop_after ? 1 : 0;
}

class CPipelineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    model_ = testing::model_path("face_detection_short_range.tflite");
    image_ = testing::skimage_path("astronaut.png");
    if (!std::filesystem::exists(image_)) GTEST_SKIP() << image_ << " is missing (scripts/setup)";
    dir_ = testing::make_temp_dir("outpost-c-pipeline");
  }
  void TearDown() override {
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }
  std::string write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ + "/" + name) << text;
    return dir_ + "/" + name;
  }
  std::string pipeline(const std::string& images, const std::string& extra = "") {
    return write("faces.json", R"({"source": {"type": "images", "path": ")" + images +
                                   R"("}, "model": ")" + model_ + R"(", "task": "faces",
        "sinks": [{"type": "jsonl", "path": ")" + dir_ + R"(/events.jsonl"}])" + extra + "}");
  }
  std::string dir_, model_, image_;
};

TEST_F(CPipelineTest, EveryEventReachesTheCallbackAsTheFilesSinkWritesIt) {
  const std::string images = std::filesystem::path(image_).parent_path().string();
  Received got;
  outpost_pipeline_stats stats;
  CStatus ran(outpost_pipeline_run(pipeline(images).c_str(), nullptr, nullptr, on_event, &got, &stats));
  ASSERT_EQ(ran.s, nullptr) << ran.message();
  EXPECT_EQ(stats.frames, 3);  // astronaut, chelsea, coffee, in name order
  EXPECT_EQ(stats.failed, 0);
  EXPECT_EQ(stats.stopped, 0);
  EXPECT_GT(stats.seconds, 0);
  ASSERT_EQ(got.events.size(), 3u);
  EXPECT_EQ(got.events[0]["faces"].size(), 1u) << got.events[0].dump();
  EXPECT_EQ(got.events[2]["faces"].size(), 0u);
  std::ifstream jsonl(dir_ + "/events.jsonl");
  std::vector<nlohmann::json> written;
  for (std::string line; std::getline(jsonl, line);) written.push_back(nlohmann::json::parse(line));
  EXPECT_EQ(written, got.events) << "the callback's events are the JSON-lines sink's";
}

TEST_F(CPipelineTest, TheCallbackEndsTheRunEarly) {
  std::filesystem::create_directories(dir_ + "/many");
  for (int i = 0; i < 40; ++i)
    std::filesystem::copy_file(image_, dir_ + "/many/" + std::to_string(100 + i) + ".png");
  Received got;
  got.stop_after = 1;
  outpost_pipeline_stats stats;
  CStatus ran(outpost_pipeline_run(pipeline(dir_ + "/many").c_str(), nullptr, nullptr, on_event,
                                   &got, &stats));
  ASSERT_EQ(ran.s, nullptr) << ran.message();
  EXPECT_EQ(stats.stopped, 1);
  EXPECT_LT(stats.frames, 40) << "the run went on to the end";
  EXPECT_EQ(got.events.size(), static_cast<size_t>(stats.frames))
      << "the frames already read still came through";
}

TEST_F(CPipelineTest, BadFilesAreErrorsWithTheirCodes) {
  outpost_pipeline_stats stats;
  CStatus missing(outpost_pipeline_run((dir_ + "/none.json").c_str(), nullptr, nullptr, nullptr,
                                       nullptr, &stats));
  EXPECT_EQ(missing.code(), OUTPOST_IO_ERROR) << missing.message();
  EXPECT_EQ(stats.frames, 0);
  CStatus malformed(outpost_pipeline_run(
      write("bad.json", R"({"source": "x.mp4", "task": "faces"})").c_str(), nullptr, nullptr,
      nullptr, nullptr, nullptr));
  EXPECT_EQ(malformed.code(), OUTPOST_USAGE);
  EXPECT_NE(malformed.message().find("'model' is required"), std::string::npos)
      << malformed.message();
  CStatus no_source(outpost_pipeline_run(
      write("nosrc.json", R"({"source": ")" + dir_ + R"(/missing.mp4", "model": ")" + model_ +
                              R"(", "task": "faces"})")
          .c_str(),
      nullptr, nullptr, nullptr, nullptr, nullptr));
  EXPECT_EQ(no_source.code(), OUTPOST_IO_ERROR) << no_source.message();
  EXPECT_NE(no_source.message().find("missing.mp4"), std::string::npos) << no_source.message();
  // Under a trust store, the plain model the file names is refused.
  outpost_trust_policy* policy = outpost_trust_policy_create();
  std::filesystem::create_directories(dir_ + "/trust");
  std::filesystem::permissions(dir_ + "/trust", std::filesystem::perms::owner_all);
  ASSERT_EQ(outpost_trust_policy_set_trust_dir(policy, (dir_ + "/trust").c_str()), nullptr);
  const std::string images = std::filesystem::path(image_).parent_path().string();
  CStatus untrusted(outpost_pipeline_run(pipeline(images).c_str(), policy, nullptr, nullptr,
                                         nullptr, nullptr));
  EXPECT_EQ(untrusted.code(), OUTPOST_UNTRUSTED) << untrusted.message();
  outpost_trust_policy_free(policy);
  CStatus null_path(outpost_pipeline_run(nullptr, nullptr, nullptr, nullptr, nullptr, nullptr));
  EXPECT_EQ(null_path.code(), OUTPOST_USAGE);
}

}  // namespace
}  // namespace outpost
