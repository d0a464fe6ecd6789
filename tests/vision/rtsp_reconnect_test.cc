// Live RTSP streams against a real server (GStreamer's gst-rtsp-server, started by the test):
// the stream is read over TCP; when the server dies and comes back on the same port, frames keep
// coming with their indices and times continuing; when it never comes back, the source gives up
// after its reconnect timeout with an error naming the url. Without any server, or with one that
// accepts and never answers, opening fails in bounded time instead of hanging.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "support/rtsp_test_server.h"
#include "vision/reconnecting_video_source.h"

namespace outpost {
namespace {

using testing::RtspTestServer;

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

class RtspReconnect : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why_not;
    python_ = testing::rtsp_server_python(&why_not);
    if (python_.empty()) GTEST_SKIP() << why_not;
    port_ = testing::free_tcp_port();
    ASSERT_GT(port_, 0);
  }
  std::unique_ptr<RtspTestServer> start_server() {
    std::string error;
    auto server = RtspTestServer::start(python_, port_, &error);
    EXPECT_TRUE(server) << error;
    return server;
  }
  ReconnectOptions fast_options(double reconnect_timeout) {
    ReconnectOptions o;
    o.io_timeout = 2;
    o.reconnect_timeout = reconnect_timeout;
    o.initial_backoff = 0.1;
    o.max_backoff = 0.8;
    return o;
  }
  std::string python_;
  int port_ = 0;
};

TEST_F(RtspReconnect, FramesKeepComingAfterTheServerRestarts) {
  auto server = start_server();
  ASSERT_TRUE(server);
  auto opened = ReconnectingVideoSource::open(server->url(), fast_options(10));
  ASSERT_TRUE(opened.is_ok()) << opened.status().message();
  ReconnectingVideoSource& source = **opened;
  EXPECT_EQ(source.width(), 320);
  EXPECT_EQ(source.height(), 240);
  EXPECT_NEAR(source.frames_per_second(), 15, 0.5);

  int64_t expected_index = 0;
  double last_seconds = -1;
  auto read_one = [&]() -> bool {
    auto frame = source.next();
    EXPECT_TRUE(frame.is_ok()) << frame.status().message();
    if (!frame.is_ok() || !frame->has_value()) return false;
    EXPECT_EQ((*frame)->index, expected_index++);
    EXPECT_EQ((*frame)->image.width, 320);
    EXPECT_GT((*frame)->seconds, last_seconds);
    last_seconds = (*frame)->seconds;
    return true;
  };
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(read_one());

  // The server vanishes; a new one comes up on the same port about a second later, while
  // next() is backing off. (The thread is joined before `server` is killed on any exit.)
  server->kill();
  const auto killed_at = std::chrono::steady_clock::now();
  std::atomic<bool> restarted{false};
  std::unique_ptr<RtspTestServer> second;
  {
    std::jthread restarter([&] {
      std::this_thread::sleep_for(std::chrono::seconds(1));
      second = start_server();
      restarted = true;
    });
    double seconds_before_outage = -1;
    int64_t first_after = -1;
    while (seconds_since(killed_at) < 15) {
      const double before = last_seconds;
      ASSERT_TRUE(read_one());
      if (first_after < 0 && source.stats().reconnects > 0) {
        first_after = expected_index - 1;
        seconds_before_outage = before;
        EXPECT_TRUE(restarted.load());
        // The outage (a second or more) shows as a gap in presentation time.
        EXPECT_GT(last_seconds - seconds_before_outage, 0.8);
      }
      if (first_after >= 0 && expected_index - first_after >= 10) break;
    }
    ASSERT_GE(first_after, 0) << "no frame after the restart within 15 s";
  }
  EXPECT_EQ(source.stats().reconnects, 1);
  EXPECT_EQ(source.stats().frames, expected_index);
  EXPECT_LT(seconds_since(killed_at), 12);
}

TEST_F(RtspReconnect, GivesUpAfterTheReconnectTimeout) {
  auto server = start_server();
  ASSERT_TRUE(server);
  auto opened = ReconnectingVideoSource::open(server->url(), fast_options(2));
  ASSERT_TRUE(opened.is_ok()) << opened.status().message();
  ReconnectingVideoSource& source = **opened;
  for (int i = 0; i < 3; ++i) {
    auto frame = source.next();
    ASSERT_TRUE(frame.is_ok() && frame->has_value()) << frame.status().message();
  }
  server->kill();
  const auto killed_at = std::chrono::steady_clock::now();
  Status failure = Status::ok();
  while (failure.is_ok() && seconds_since(killed_at) < 10) {
    auto frame = source.next();  // what the connection had buffered, then the loss
    if (!frame.is_ok()) {
      failure = frame.status();
    } else {
      ASSERT_TRUE(frame->has_value());
    }
  }
  const double took = seconds_since(killed_at);
  ASSERT_FALSE(failure.is_ok()) << "still no error 10 s after the server died";
  EXPECT_EQ(failure.code(), StatusCode::kNetwork);  // exit code 12
  EXPECT_NE(failure.message().find(server->url()), std::string::npos) << failure.message();
  EXPECT_NE(failure.message().find("did not come back within 2 s"), std::string::npos)
      << failure.message();
  EXPECT_GE(took, 1.9);
  EXPECT_LT(took, 5.0);  // the timeout plus one bounded read, not a hang
  EXPECT_EQ(source.stats().reconnects, 0);
  auto again = source.next();  // stays failed, without waiting again
  EXPECT_FALSE(again.is_ok());
}

TEST_F(RtspReconnect, CancelStopsTheWaitAtOnce) {
  auto server = start_server();
  ASSERT_TRUE(server);
  auto opened = ReconnectingVideoSource::open(server->url(), fast_options(30));
  ASSERT_TRUE(opened.is_ok()) << opened.status().message();
  ReconnectingVideoSource& source = **opened;
  auto first = source.next();
  ASSERT_TRUE(first.is_ok() && first->has_value()) << first.status().message();
  server->kill();
  // A pipeline stopping (its sink failed, say) must not wait out the 30 s reconnect timeout.
  const auto start = std::chrono::steady_clock::now();
  std::jthread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    source.cancel();
  });
  Status failure = Status::ok();
  while (failure.is_ok() && seconds_since(start) < 10) {
    auto frame = source.next();
    if (!frame.is_ok()) failure = frame.status();
  }
  EXPECT_EQ(failure.code(), StatusCode::kIoError);
  EXPECT_NE(failure.message().find("cancelled"), std::string::npos) << failure.message();
  EXPECT_LT(seconds_since(start), 2.0);
}

TEST(RtspConnect, NoServerIsAQuickClearError) {
  const int port = testing::free_tcp_port();  // nothing listens there
  ASSERT_GT(port, 0);
  const std::string url = "rtsp://127.0.0.1:" + std::to_string(port) + "/test";
  ReconnectOptions options;
  options.reconnect_timeout = 2;
  const auto start = std::chrono::steady_clock::now();
  auto source = ReconnectingVideoSource::open(url, options);
  ASSERT_FALSE(source.is_ok());
  EXPECT_EQ(source.status().code(), StatusCode::kNetwork);
  EXPECT_NE(source.status().message().find(url), std::string::npos) << source.status().message();
  EXPECT_LT(seconds_since(start), 2.0);
}

TEST(RtspConnect, AServerThatNeverAnswersTimesOut) {
  // A socket that listens but never accepts: the kernel completes the TCP handshake, and the
  // RTSP request waits forever for an answer unless the source's I/O timeout stops it.
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t size = sizeof(address);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  ASSERT_EQ(listen(fd, 4), 0);
  ASSERT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size), 0);
  const std::string url = "rtsp://127.0.0.1:" + std::to_string(ntohs(address.sin_port)) + "/x";
  ReconnectOptions options;
  options.io_timeout = 1;
  const auto start = std::chrono::steady_clock::now();
  auto source = ReconnectingVideoSource::open(url, options);
  const double took = seconds_since(start);
  close(fd);
  ASSERT_FALSE(source.is_ok());
  EXPECT_EQ(source.status().code(), StatusCode::kNetwork);
  EXPECT_NE(source.status().message().find(url), std::string::npos) << source.status().message();
  EXPECT_LT(took, 3.0);
}

}  // namespace
}  // namespace outpost
