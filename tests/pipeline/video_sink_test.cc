// The annotated video sink: a short video made at test time with Debian's ffmpeg CLI runs
// through a pipeline whose task draws a green box; the video written (.mp4, .mkv, .avi) is read
// back with our own VideoSource: as many frames, the same size, rate and times, the box where
// it was drawn and the picture around it. Plus the writer's size rules and its errors.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>

#include "pipeline/pipeline.h"
#include "support/cli_runner.h"
#include "support/test_video.h"
#include "vision/draw.h"
#include "vision/image_io.h"
#include "vision/video_source.h"
#include "vision/video_writer.h"

namespace outpost {
namespace {

using testing::have_ffmpeg;
using testing::test_pattern;

// Mean of each channel over left <= x < right, top <= y < bottom.
std::array<double, 3> mean_colour(const Image& image, int left, int top, int right, int bottom) {
  std::array<double, 3> sum{0, 0, 0};
  for (int y = top; y < bottom; ++y)
    for (int x = left; x < right; ++x)
      for (int c = 0; c < 3; ++c) sum[c] += image.at(x, y)[c];
  const double n = static_cast<double>((right - left) * (bottom - top));
  return {sum[0] / n, sum[1] / n, sum[2] / n};
}

double region_diff(const Image& a, const Image& b, int left, int top, int right, int bottom) {
  double sum = 0;
  for (int y = top; y < bottom; ++y)
    for (int x = left; x < right; ++x)
      for (int c = 0; c < 3; ++c) sum += std::abs(double(a.at(x, y)[c]) - double(b.at(x, y)[c]));
  return sum / (3.0 * (right - left) * (bottom - top));
}

// Draws a filled green box at (40, 30)-(80, 60) on every annotated frame.
class BoxTask final : public VisionTask {
 public:
  Result<nlohmann::json> process(const Frame& frame, Image* annotated, TaskTimes*) override {
    if (annotated) fill_rect(*annotated, 40, 30, 80, 60, Color{0, 255, 0, 255});
    return nlohmann::json{{"frame", frame.index}};
  }
};

class VideoSinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!have_ffmpeg())
      GTEST_SKIP() << "needs the ffmpeg command (Debian package ffmpeg; scripts/setup installs it)";
    dir_ = testing::make_temp_dir("outpost-video-sink-test");
    picture_ = test_pattern(160, 120);
    ASSERT_TRUE(save_png(dir_ + "/pattern.png", picture_).is_ok());
    input_ = dir_ + "/input.mp4";
    const std::string cmd = "ffmpeg -loglevel error -y -loop 1 -framerate 30 -i " + dir_ +
                            "/pattern.png -frames:v 48 -pix_fmt yuv420p -c:v libx264 -preset "
                            "ultrafast -qp 0 " +
                            input_;
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  }
  void TearDown() override {
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }
  std::string dir_, input_;
  Image picture_;
};

TEST_F(VideoSinkTest, AnnotatedVideoReadsBackFrameForFrame) {
  for (const auto& [name, encoder] : {std::pair<std::string, std::string>{"out.mp4", "libx264"},
                                      {"out.mkv", "libx264"},
                                      {"out.avi", "mjpeg"}}) {
    SCOPED_TRACE(name);
    const std::string output = dir_ + "/" + name;
    auto encoder_for = VideoWriter::encoder_for(output);
    ASSERT_TRUE(encoder_for.is_ok());
    EXPECT_EQ(*encoder_for, encoder);  // Debian's FFmpeg has libx264
    auto source = open_frame_source(SourceKind::kVideo, input_);
    ASSERT_TRUE(source.is_ok()) << source.status().message();
    EXPECT_FALSE((*source)->live());
    std::vector<std::unique_ptr<Sink>> sinks;
    auto sink = make_video_sink(output, (*source)->frames_per_second());
    ASSERT_TRUE(sink.is_ok()) << sink.status().message();
    sinks.push_back(std::move(*sink));
    BoxTask task;
    auto stats = run_pipeline(**source, task, sinks, PipelineOptions{});
    ASSERT_TRUE(stats.is_ok()) << stats.status().message();
    EXPECT_EQ(stats->frames, 48);

    auto video = VideoSource::open(output);
    ASSERT_TRUE(video.is_ok()) << video.status().message();
    EXPECT_EQ((*video)->width(), 160);
    EXPECT_EQ((*video)->height(), 120);
    EXPECT_NEAR((*video)->frames_per_second(), 30, 0.01);
    int64_t count = 0;
    for (;;) {
      auto frame = (*video)->next();
      ASSERT_TRUE(frame.is_ok()) << frame.status().message();
      if (!frame->has_value()) break;
      const Image& image = (*frame)->image;
      EXPECT_NEAR((*frame)->seconds, static_cast<double>(count) / 30, 0.002);
      if (count % 12 == 0) {
        // Inside the box (away from its edges, where chroma subsampling blurs): green.
        const auto inside = mean_colour(image, 44, 34, 76, 56);
        EXPECT_LT(inside[0], 40);
        EXPECT_GT(inside[1], 215);
        EXPECT_LT(inside[2], 40);
        // Outside it, the picture as it was.
        EXPECT_LT(region_diff(image, picture_, 90, 70, 150, 110), 8.0);
        EXPECT_LT(region_diff(image, picture_, 4, 70, 36, 110), 8.0);
      }
      ++count;
    }
    EXPECT_EQ(count, 48);
  }
}

TEST_F(VideoSinkTest, OddSizesAndUnknownTimesAndRates) {
  // 161x121 gray frames without times or rate: encoded at 160x120, 25 frames per second.
  const std::string output = dir_ + "/odd.mp4";
  auto writer = VideoWriter::create(output, 161, 121, 0);
  ASSERT_TRUE(writer.is_ok()) << writer.status().message();
  EXPECT_EQ((*writer)->width(), 160);
  EXPECT_EQ((*writer)->height(), 120);
  Image gray = Image::blank(161, 121, 1);
  for (auto& p : gray.pixels) p = 128;
  for (int i = 0; i < 3; ++i) ASSERT_TRUE((*writer)->write(gray, std::nan("")).is_ok());
  ASSERT_TRUE((*writer)->finish().is_ok());
  auto video = VideoSource::open(output);
  ASSERT_TRUE(video.is_ok()) << video.status().message();
  EXPECT_EQ((*video)->width(), 160);
  EXPECT_EQ((*video)->height(), 120);
  EXPECT_NEAR((*video)->frames_per_second(), 25, 0.01);
  int count = 0;
  while (true) {
    auto frame = (*video)->next();
    ASSERT_TRUE(frame.is_ok());
    if (!frame->has_value()) break;
    EXPECT_NEAR((*frame)->seconds, count * 0.04, 0.002);
    EXPECT_NEAR(mean_colour((*frame)->image, 0, 0, 160, 120)[1], 128, 3);
    ++count;
  }
  EXPECT_EQ(count, 3);
}

TEST_F(VideoSinkTest, ClearErrors) {
  auto gif = make_video_sink(dir_ + "/out.gif", 25);
  ASSERT_FALSE(gif.is_ok());
  EXPECT_EQ(gif.status().code(), StatusCode::kUsage);
  EXPECT_NE(gif.status().message().find("out.gif"), std::string::npos);
  auto nowhere = make_video_sink(dir_ + "/no/such/dir/out.mp4", 25);
  ASSERT_FALSE(nowhere.is_ok());
  EXPECT_EQ(nowhere.status().code(), StatusCode::kIoError);
  EXPECT_NE(nowhere.status().message().find("no/such/dir/out.mp4"), std::string::npos);
}

}  // namespace
}  // namespace outpost
