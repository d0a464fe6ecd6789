// FFmpeg is opened on first use, not at process start (vision/ffmpeg_library.h): a process
// maps its libraries only once it writes or reads a video, and libavdevice only for a capture
// device; a library that cannot be loaded is an error naming it and its Debian package.
#include "vision/ffmpeg_library.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "support/test_paths.h"
#include "vision/video_source.h"
#include "vision/video_writer.h"

namespace outpost {
namespace {

// Whether a shared library whose file name starts with `name` is mapped in this process.
bool mapped(const std::string& name) {
  std::ifstream maps("/proc/self/maps");
  std::stringstream text;
  text << maps.rdbuf();
  return text.str().find("/" + name) != std::string::npos;
}

TEST(FfmpegLibrary, IsMappedOnlyOnceAVideoIsUsedAndLibavdeviceOnlyForACamera) {
  // ctest runs every test in a process of its own; the whole binary run at once may have used
  // a video before this test.
  if (mapped("libavformat.so"))
    GTEST_SKIP() << "FFmpeg was loaded by an earlier test in this process; run this test alone";
  EXPECT_FALSE(mapped("libavcodec.so"));
  EXPECT_FALSE(mapped("libavdevice.so"));

  const std::string dir = testing::make_temp_dir("outpost-ffmpeg-library");
  const std::string path = dir + "/three.avi";
  {
    auto writer = VideoWriter::create(path, 32, 24, 10);
    ASSERT_TRUE(writer.is_ok()) << writer.status().message();
    Image frame = Image::blank(32, 24, 3);
    for (int k = 0; k < 3; ++k) {
      std::fill(frame.pixels.begin(), frame.pixels.end(), static_cast<uint8_t>(60 * k));
      ASSERT_TRUE((*writer)->write(frame, k / 10.0).is_ok());
    }
    ASSERT_TRUE((*writer)->finish().is_ok());
  }
  EXPECT_TRUE(mapped("libavformat.so"));
  EXPECT_TRUE(mapped("libavcodec.so"));
  EXPECT_FALSE(mapped("libavdevice.so")) << "a video file needs no capture devices";

  auto source = VideoSource::open(path);
  ASSERT_TRUE(source.is_ok()) << source.status().message();
  int frames = 0;
  for (;;) {
    auto frame = (*source)->next();
    ASSERT_TRUE(frame.is_ok()) << frame.status().message();
    if (!frame->has_value()) break;
    ++frames;
  }
  EXPECT_EQ(frames, 3);
  EXPECT_FALSE(mapped("libavdevice.so"));

  VideoSourceOptions camera;
  camera.input_format = "v4l2";
  auto absent = VideoSource::open(dir + "/no-such-camera", camera);
  ASSERT_FALSE(absent.is_ok());
  EXPECT_NE(absent.status().message().find("no such V4L2 camera"), std::string::npos)
      << absent.status().message();
  EXPECT_TRUE(mapped("libavdevice.so")) << "a camera's v4l2 input comes from libavdevice";
  std::filesystem::remove_all(dir);
}

TEST(FfmpegLibrary, ALibraryThatCannotBeLoadedIsNamedWithItsPackage) {
  const Status absent = ffmpeg::check_loadable("libavformat.so.1", {});
  ASSERT_FALSE(absent.is_ok());
  EXPECT_EQ(absent.code(), StatusCode::kUnsupported);
  EXPECT_NE(absent.message().find("libavformat.so.1"), std::string::npos) << absent.message();
  EXPECT_NE(absent.message().find("package libavformat1"), std::string::npos) << absent.message();

  const std::vector<std::string> sonames = ffmpeg::library_sonames();
  ASSERT_EQ(sonames.size(), 5u);
  const Status no_function = ffmpeg::check_loadable(sonames[0], {"outpost_no_such_function"});
  ASSERT_FALSE(no_function.is_ok());
  EXPECT_NE(no_function.message().find("has no outpost_no_such_function"), std::string::npos)
      << no_function.message();
  EXPECT_NE(no_function.message().find(sonames[0]), std::string::npos) << no_function.message();
}

TEST(FfmpegLibrary, TheLibrariesOfTheHeadersBuiltAgainstLoad) {
  for (const std::string& soname : ffmpeg::library_sonames())
    EXPECT_TRUE(ffmpeg::check_loadable(soname, {}).is_ok()) << soname;
  auto functions = ffmpeg::library();
  ASSERT_TRUE(functions.is_ok()) << functions.status().message();
  EXPECT_NE((*functions)->avformat_open_input, nullptr);
  EXPECT_NE((*functions)->sws_scale, nullptr);
}

}  // namespace
}  // namespace outpost
