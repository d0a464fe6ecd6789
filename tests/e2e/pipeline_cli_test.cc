// `outpost pipeline run` end to end: a 300-frame video made at test time with Debian's ffmpeg
// CLI from astronaut.png, through the MediaPipe face detector, to JSON lines, annotated frames
// and an annotated video; a directory of images; and the exit codes of bad pipelines.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "support/cli_runner.h"
#include "support/model_paths.h"
#include "support/test_paths.h"
#include "vision/video_source.h"

namespace outpost {
namespace {

using testing::run_outpost;

// The most green (g minus the mean of r and b) of the columns left <= x < right, each averaged
// over the rows top <= y < bottom: high where a vertical green line was drawn.
double greenest_column(const Image& image, int left, int right, int top, int bottom) {
  double best = -255;
  for (int x = left; x < right; ++x) {
    double sum = 0;
    for (int y = top; y < bottom; ++y) {
      const uint8_t* p = image.at(x, y);
      sum += p[1] - (p[0] + p[2]) / 2.0;
    }
    best = std::max(best, sum / (bottom - top));
  }
  return best;
}

Image first_frame(const std::string& path) {
  auto video = VideoSource::open(path);
  if (!video.is_ok()) return Image();
  auto frame = (*video)->next();
  return frame.is_ok() && frame->has_value() ? (*frame)->image : Image();
}

class PipelineCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::make_temp_dir("outpost-pipeline-test");
    model_ = testing::model_path("face_detection_short_range.tflite");
    image_ = testing::skimage_path("astronaut.png");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ + "/" + name) << text;
    return dir_ + "/" + name;
  }
  std::vector<nlohmann::json> read_lines(const std::string& path) {
    std::vector<nlohmann::json> lines;
    std::ifstream in(path);
    for (std::string line; std::getline(in, line);) lines.push_back(nlohmann::json::parse(line));
    return lines;
  }
  std::string dir_, model_, image_;
};

TEST_F(PipelineCli, ThreeHundredFrameVideoEndToEnd) {
  OUTPOST_SKIP_UNLESS_EXISTS(model_);
  OUTPOST_SKIP_UNLESS_EXISTS(image_);
  if (std::system("ffmpeg -version >/dev/null 2>&1") != 0)
    GTEST_SKIP() << "needs the ffmpeg command (Debian package ffmpeg; scripts/setup installs it)";
  const std::string video = dir_ + "/astronaut.mp4";
  const std::string make = "ffmpeg -loglevel error -y -loop 1 -framerate 30 -i " + image_ +
                           " -frames:v 300 -pix_fmt yuv420p -c:v libx264 -preset ultrafast " + video;
  ASSERT_EQ(std::system(make.c_str()), 0) << make;
  const std::string pipeline = write(
      "faces.json", R"({"source": "astronaut.mp4", "model": ")" + model_ + R"(", "task": "faces",
      "sinks": [{"type": "jsonl", "path": "events.jsonl"},
                {"type": "images", "dir": "frames", "format": "jpg"},
                {"type": "video", "path": "annotated.mp4"}]})");
  auto r = run_outpost({"pipeline", "run", pipeline, "--stats"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("300 frames"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("0 dropped"), std::string::npos) << r.err;  // a file never drops
  const auto events = read_lines(dir_ + "/events.jsonl");
  ASSERT_EQ(events.size(), 300u);
  for (size_t i = 0; i < events.size(); ++i) {
    const auto& e = events[i];
    ASSERT_EQ(e["frame"], static_cast<int64_t>(i));
    ASSERT_EQ(e["faces"].size(), 1u) << e.dump();
    // The face of the still image (tests/e2e/cli_test.cc), through H.264 and back.
    EXPECT_NEAR(e["faces"][0]["box"]["x"].get<double>(), 177, 10);
    EXPECT_NEAR(e["faces"][0]["box"]["y"].get<double>(), 81, 10);
    EXPECT_NEAR(e["seconds"].get<double>(), static_cast<double>(i) / 30.0, 0.01);
  }
  size_t frames = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir_ + "/frames")) {
    (void)entry;
    ++frames;
  }
  EXPECT_EQ(frames, 300u);
  // The annotated video: every frame, at the source's size and rate, with the face's box.
  auto annotated = VideoSource::open(dir_ + "/annotated.mp4");
  ASSERT_TRUE(annotated.is_ok()) << annotated.status().message();
  EXPECT_EQ((*annotated)->width(), 512);
  EXPECT_EQ((*annotated)->height(), 512);
  EXPECT_NEAR((*annotated)->frames_per_second(), 30, 0.01);
  int64_t video_frames = 0;
  for (;;) {
    auto f = (*annotated)->next();
    ASSERT_TRUE(f.is_ok()) << f.status().message();
    if (!f->has_value()) break;
    ++video_frames;
  }
  EXPECT_EQ(video_frames, 300);
  const Image drawn = first_frame(dir_ + "/annotated.mp4"), plain = first_frame(video);
  ASSERT_EQ(drawn.width, 512);
  ASSERT_EQ(plain.width, 512);
  const auto& box = events[0]["faces"][0]["box"];
  const int left = static_cast<int>(box["x"].get<double>());
  const int mid = static_cast<int>(box["y"].get<double>() + box["height"].get<double>() / 2);
  const double green_drawn = greenest_column(drawn, left - 2, left + 4, mid - 8, mid + 8);
  const double green_plain = greenest_column(plain, left - 2, left + 4, mid - 8, mid + 8);
  EXPECT_GT(green_drawn, green_plain + 60) << green_drawn << " vs " << green_plain;
  // --stats adds one JSON object as the last stderr line.
  const std::string last = r.err.substr(r.err.rfind('{'));
  auto stats = nlohmann::json::parse(last);
  EXPECT_EQ(stats["frames"], 300);
  EXPECT_GT(stats["fps"].get<double>(), 0);
  EXPECT_GT(stats["inference_ms"].get<double>(), 0);
}

TEST_F(PipelineCli, ADirectoryOfImagesAndEventsOnStdout) {
  OUTPOST_SKIP_UNLESS_EXISTS(model_);
  OUTPOST_SKIP_UNLESS_EXISTS(image_);
  const std::string images = std::filesystem::path(image_).parent_path().string();
  const std::string pipeline = write("dir.json", R"({"source": {"type": "images", "path": ")" +
                                                     images + R"("}, "model": ")" + model_ +
                                                     R"(", "task": "faces"})");
  auto r = run_outpost({"pipeline", "run", pipeline});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::istringstream out(r.out);
  std::vector<nlohmann::json> events;
  for (std::string line; std::getline(out, line);) events.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(events.size(), 3u);  // astronaut, chelsea, coffee, in name order
  EXPECT_NE(events[0]["source"].get<std::string>().find("astronaut.png"), std::string::npos);
  EXPECT_EQ(events[0]["faces"].size(), 1u);
  EXPECT_EQ(events[2]["faces"].size(), 0u);  // a cup of coffee has no face
}

TEST_F(PipelineCli, BadPipelinesExitWithTheirCodes) {
  auto r = run_outpost({"pipeline", "run", dir_ + "/none.json"});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  r = run_outpost({"pipeline", "run", write("bad.json", R"({"source": "x.mp4", "task": "faces"})")});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("'model' is required"), std::string::npos) << r.err;
  OUTPOST_SKIP_UNLESS_EXISTS(model_);
  r = run_outpost({"pipeline", "run", write("nosrc.json", R"({"source": "missing.mp4", "model": ")" +
                                                              model_ + R"(", "task": "faces"})")});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find("missing.mp4"), std::string::npos) << r.err;
  r = run_outpost({"pipeline", "run",
                   write("nocam.json", R"({"source": {"type": "camera", "device": "/dev/video97"},
                                           "model": ")" +
                                           model_ + R"(", "task": "faces"})")});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find("/dev/video97: no such V4L2 camera"), std::string::npos) << r.err;
  r = run_outpost({"pipeline"});
  EXPECT_EQ(r.exit_code, 2);
}

}  // namespace
}  // namespace outpost
