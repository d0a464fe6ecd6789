// ReconnectingVideoSource on a stream that has a duration: a video file served over HTTP
// (Python's http.server) plays to its end once, like a file, and is not reopened and replayed.
// The reconnecting itself is tested against a real RTSP server in rtsp_reconnect_test.cc.
#include "vision/reconnecting_video_source.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "support/child_process.h"
#include "support/cli_runner.h"

namespace outpost {
namespace {

TEST(ReconnectingVideoSource, AStreamWithADurationEndsLikeAFile) {
  if (std::system("ffmpeg -version >/dev/null 2>&1") != 0)
    GTEST_SKIP() << "needs the ffmpeg command (Debian package ffmpeg; scripts/setup installs it)";
  if (std::system("python3 -c 'import http.server' >/dev/null 2>&1") != 0)
    GTEST_SKIP() << "needs python3 (Debian package python3; scripts/setup installs it)";
  const std::string dir = testing::make_temp_dir("outpost-http-video-test");
  struct Cleanup {
    std::string dir;
    ~Cleanup() { std::filesystem::remove_all(dir); }
  } cleanup{dir};
  // The index first (faststart): http.server cannot seek to an index at the end.
  const std::string make =
      "ffmpeg -loglevel error -y -f lavfi -i testsrc=size=64x48:rate=10 "
      "-frames:v 20 -pix_fmt yuv420p -c:v libx264 -movflags +faststart " +
      dir + "/clip.mp4";
  ASSERT_EQ(std::system(make.c_str()), 0) << make;
  const int port = testing::free_tcp_port();
  std::string error;
  auto server =
      testing::ChildProcess::start({"python3", "-u", "-m", "http.server", "--bind", "127.0.0.1",
                                    std::to_string(port), "--directory", dir},
                                   "Serving HTTP", 10, &error);
  ASSERT_TRUE(server) << error;

  ReconnectOptions options;
  options.reconnect_timeout = 5;
  const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/clip.mp4";
  auto source = ReconnectingVideoSource::open(url, options);
  ASSERT_TRUE(source.is_ok()) << source.status().message();
  int64_t count = 0;
  for (;;) {
    auto frame = (*source)->next();
    ASSERT_TRUE(frame.is_ok()) << frame.status().message();
    if (!frame->has_value()) break;
    EXPECT_EQ((*frame)->index, count);
    ++count;
    ASSERT_LE(count, 20) << "the clip is being played again";
  }
  EXPECT_EQ(count, 20);
  EXPECT_EQ((*source)->stats().reconnects, 0);
  auto after = (*source)->next();  // the end stays the end
  ASSERT_TRUE(after.is_ok());
  EXPECT_FALSE(after->has_value());
}

}  // namespace
}  // namespace outpost
