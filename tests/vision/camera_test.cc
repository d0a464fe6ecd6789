// V4L2 cameras through libavdevice: a device that is not there is a clear error naming it, and
// a real camera (when one is plugged in at /dev/video0) gives frames as a live source.
#include <gtest/gtest.h>

#include <filesystem>

#include "pipeline/frame_source.h"
#include "vision/reconnecting_video_source.h"

namespace outpost {
namespace {

std::string absent_video_device() {
  for (int n = 9;; ++n) {
    const std::string device = "/dev/video" + std::to_string(n);
    if (!std::filesystem::exists(device)) return device;
  }
}

TEST(Camera, AMissingDeviceIsAClearError) {
  const std::string device = absent_video_device();
  ReconnectOptions options;
  options.input_format = "v4l2";
  auto camera = ReconnectingVideoSource::open(device, options);
  ASSERT_FALSE(camera.is_ok());
  EXPECT_EQ(camera.status().code(), StatusCode::kIoError);
  EXPECT_NE(camera.status().message().find(device), std::string::npos) << camera.status().message();
  EXPECT_NE(camera.status().message().find("V4L2"), std::string::npos) << camera.status().message();

  EXPECT_EQ(guess_source_kind(device), SourceKind::kCamera);
  auto source = open_frame_source(SourceKind::kCamera, device);
  ASSERT_FALSE(source.is_ok());
  EXPECT_EQ(source.status().code(), StatusCode::kIoError);
  EXPECT_NE(source.status().message().find(device), std::string::npos);
}

TEST(Camera, ARealCameraIsALiveSource) {
  const std::string device = "/dev/video0";
  if (!std::filesystem::exists(device)) GTEST_SKIP() << "needs a V4L2 camera at " << device;
  auto source = open_frame_source(SourceKind::kCamera, device);
  ASSERT_TRUE(source.is_ok()) << source.status().message();
  EXPECT_TRUE((*source)->live());
  for (int i = 0; i < 5; ++i) {
    auto frame = (*source)->next();
    ASSERT_TRUE(frame.is_ok()) << frame.status().message();
    ASSERT_TRUE(frame->has_value());
    EXPECT_EQ((*frame)->index, i);
    EXPECT_GT((*frame)->image.width, 0);
    EXPECT_EQ((*frame)->image.channels, 3);
  }
}

}  // namespace
}  // namespace outpost
