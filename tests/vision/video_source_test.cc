// The FFmpeg video source on real video files made at test time with Debian's ffmpeg CLI from
// a picture our PNG encoder writes: all 300 frames come out, in order, looking like the
// picture; a stream damaged in the middle still plays to its end; bad files are clear errors.
#include "vision/video_source.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>

#include "support/test_video.h"
#include "support/cli_runner.h"
#include "vision/image_io.h"

namespace outpost {
namespace {

using testing::have_ffmpeg;
using testing::test_pattern;

double mean_abs_diff(const Image& a, const Image& b) {
  double sum = 0;
  for (size_t i = 0; i < a.pixels.size(); ++i)
    sum += std::abs(double(a.pixels[i]) - double(b.pixels[i]));
  return sum / static_cast<double>(a.pixels.size());
}

class VideoSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!have_ffmpeg()) GTEST_SKIP() << "needs the ffmpeg command (Debian package ffmpeg; scripts/setup installs it)";
    dir_ = testing::make_temp_dir("outpost-video-test");
    picture_ = test_pattern(128, 96);
    ASSERT_TRUE(save_png(dir_ + "/pattern.png", picture_).is_ok());
  }
  void TearDown() override {
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }
  // 300 frames at 30 fps of the pattern, with the given codec and container.
  std::string make_video(const std::string& name, const std::string& codec_args) {
    const std::string path = dir_ + "/" + name;
    const std::string cmd = "ffmpeg -loglevel error -y -loop 1 -framerate 30 -i " + dir_ +
                            "/pattern.png -frames:v 300 -pix_fmt yuv420p " + codec_args + " " +
                            path;
    EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
    return path;
  }
  std::string dir_;
  Image picture_;
};

TEST_F(VideoSourceTest, AllThreeHundredFramesInOrder) {
  for (const auto& [name, args] : {std::pair<std::string, std::string>{"v.mp4", "-c:v libx264 -preset ultrafast"},
                                   {"v.avi", "-c:v mpeg4 -q:v 2"}}) {
    SCOPED_TRACE(name);
    auto source = VideoSource::open(make_video(name, args));
    ASSERT_TRUE(source.is_ok()) << source.status().message();
    VideoSource& video = **source;
    EXPECT_EQ(video.width(), 128);
    EXPECT_EQ(video.height(), 96);
    EXPECT_NEAR(video.frames_per_second(), 30.0, 0.01);
    int64_t count = 0;
    double last_seconds = -1;
    for (;;) {
      auto frame = video.next();
      ASSERT_TRUE(frame.is_ok()) << frame.status().message();
      if (!frame->has_value()) break;
      const VideoFrame& f = **frame;
      EXPECT_EQ(f.index, count);
      ASSERT_EQ(f.image.width, 128);
      ASSERT_EQ(f.image.height, 96);
      EXPECT_GT(f.seconds, last_seconds);
      last_seconds = f.seconds;
      if (count == 0 || count == 299) {
        EXPECT_LT(mean_abs_diff(f.image, picture_), 6.0);
      }
      ++count;
    }
    EXPECT_EQ(count, 300);
    EXPECT_EQ(video.stats().frames, 300);
    EXPECT_EQ(video.stats().corrupt_packets, 0);
    EXPECT_NEAR(last_seconds, 299.0 / 30.0, 0.05);
    auto after = video.next();  // the end stays the end
    ASSERT_TRUE(after.is_ok());
    EXPECT_FALSE(after->has_value());
  }
}

TEST_F(VideoSourceTest, DamageInTheMiddleDoesNotStopTheStream) {
  // MPEG-TS, as streamed by cameras; intra-only frames so each frame stands alone.
  const std::string path = make_video("v.ts", "-c:v mpeg2video -g 1 -q:v 4 -f mpegts");
  std::vector<char> bytes(std::filesystem::file_size(path));
  std::ifstream(path, std::ios::binary).read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  std::mt19937 rng(3);
  for (size_t i = bytes.size() / 2; i < bytes.size() / 2 + 3000; ++i) bytes[i] = static_cast<char>(rng());
  std::ofstream(path, std::ios::binary | std::ios::trunc)
      .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));

  auto source = VideoSource::open(path);
  ASSERT_TRUE(source.is_ok()) << source.status().message();
  int64_t count = 0, close_to_picture = 0;
  for (;;) {
    auto frame = (*source)->next();
    ASSERT_TRUE(frame.is_ok()) << frame.status().message();
    if (!frame->has_value()) break;
    ++count;
    if (mean_abs_diff((*frame)->image, picture_) < 6.0) ++close_to_picture;
  }
  // A few frames around the damage are lost or garbled; the rest, after it too, play.
  EXPECT_GE(count, 280);
  EXPECT_LE(count, 300);
  EXPECT_GE(close_to_picture, 280);
}

TEST_F(VideoSourceTest, BadFilesAreClearErrors) {
  auto missing = VideoSource::open(dir_ + "/none.mp4");
  ASSERT_FALSE(missing.is_ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kIoError);
  EXPECT_NE(missing.status().message().find("none.mp4"), std::string::npos);
  std::ofstream(dir_ + "/text.mp4") << "this is not a video\n";
  auto text = VideoSource::open(dir_ + "/text.mp4");
  ASSERT_FALSE(text.is_ok());
  EXPECT_EQ(text.status().code(), StatusCode::kIoError);
  EXPECT_NE(text.status().message().find("text.mp4"), std::string::npos);
}

}  // namespace
}  // namespace outpost
