// The fetcher against real servers on loopback (cpp-httplib's, HTTP and HTTPS) and real files:
// a resume after a cut connection, a server that ignores Range, wrong hashes and sizes, status
// codes, refused connections, cancellation, the store's quota and a real write failure.
#include "agentd/fetcher.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "support/test_paths.h"

namespace outpost::agentd {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

std::string make_body(size_t size, unsigned seed) {
  std::string body(size, '\0');
  for (size_t i = 0; i < size; ++i) body[i] = static_cast<char>((i * 131 + seed) ^ (i >> 9));
  return body;
}

// Sends `body` in chunks of unannounced length (Transfer-Encoding: chunked).
httplib::ContentProviderWithoutLength provide_body(const std::string& body) {
  return [&body](size_t offset, httplib::DataSink& sink) {
    if (offset >= body.size()) {
      sink.done();
      return true;
    }
    sink.write(body.data() + offset, std::min<size_t>(16384, body.size() - offset));
    return true;
  };
}

agent::ArtifactRef ref_for(const std::string& url, const std::string& body) {
  return {url, sha256_hex(body), static_cast<int64_t>(body.size())};
}

// A server on a free loopback port, serving in a thread of its own.
class TestServer {
 public:
  explicit TestServer(std::unique_ptr<httplib::Server> server = nullptr)
      : server_(server ? std::move(server) : std::make_unique<httplib::Server>()) {}
  ~TestServer() { stop(); }
  httplib::Server& routes() { return *server_; }
  void start() {
    port_ = server_->bind_to_any_port("127.0.0.1");
    ASSERT_GT(port_, 0);
    thread_ = std::thread([this] { server_->listen_after_bind(); });
    while (!server_->is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  void stop() {
    server_->stop();
    if (thread_.joinable()) thread_.join();
  }
  std::string url(const std::string& path, const std::string& scheme = "http") const {
    return scheme + "://127.0.0.1:" + std::to_string(port_) + path;
  }

 private:
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
};

// A loopback port nothing listens on (bound, never listened to, then closed).
int unused_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

class Fetcher : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(store_.init().is_ok());
    options_.max_attempts = 3;
    options_.backoff_min_s = 0.01;
    options_.backoff_max_s = 0.02;
    options_.connect_timeout_s = 5;
    options_.read_timeout_s = 10;
  }
  void TearDown() override { fs::remove_all(root_); }

  // Serves body_ at /data, counting requests and remembering the last Range header.
  void serve_data() {
    server_.routes().Get("/data", [this](const httplib::Request& req, httplib::Response& res) {
      note(req);
      res.set_content(body_, "application/octet-stream");
    });
  }
  void note(const httplib::Request& req) {
    std::lock_guard<std::mutex> lock(mutex_);
    ++requests_;
    ranges_.push_back(req.get_header_value("Range"));
  }
  std::vector<std::string> ranges() {
    std::lock_guard<std::mutex> lock(mutex_);
    return ranges_;
  }
  Result<FetchReport> fetch(const agent::ArtifactRef& ref) {
    return fetch_artifact(ref, store_, options_);
  }
  void expect_stored(const agent::ArtifactRef& ref) {
    ASSERT_TRUE(store_.has(ref.sha256));
    EXPECT_TRUE(store_.verify(ref.sha256).is_ok());
    EXPECT_EQ(read_file(store_.path(ref.sha256)), body_);
    EXPECT_FALSE(fs::exists(store_.partial_path(ref.sha256)));
  }

  std::string root_ = testing::make_temp_dir("fetcher");
  ContentStore store_{root_ + "/store"};
  FetchOptions options_;
  std::string body_ = make_body(300 * 1024 + 11, 7);
  std::mutex mutex_;
  int requests_ = 0;
  std::vector<std::string> ranges_;
  TestServer server_;  // last: stopped before what its handlers use is gone
};

TEST_F(Fetcher, HttpGood) {
  serve_data();
  server_.start();
  const auto ref = ref_for(server_.url("/data"), body_);
  auto r = fetch(ref);
  ASSERT_TRUE(r.is_ok()) << r.status().message();
  EXPECT_FALSE(r->already_present);
  EXPECT_EQ(r->attempts, 1);
  EXPECT_EQ(r->bytes_fetched, body_.size());
  EXPECT_EQ(r->resumed_from, 0u);
  expect_stored(ref);
}

TEST_F(Fetcher, BytesAlreadyPresentFetchNothing) {
  serve_data();
  server_.start();
  ASSERT_TRUE(store_.put_bytes(body_).is_ok());
  auto r = fetch(ref_for(server_.url("/data"), body_));
  ASSERT_TRUE(r.is_ok()) << r.status().message();
  EXPECT_TRUE(r->already_present);
  EXPECT_EQ(r->bytes_fetched, 0u);
  EXPECT_EQ(requests_, 0);
}

TEST_F(Fetcher, ResumesWithRangeAfterACutConnection) {
  const size_t half = body_.size() / 2;
  std::atomic<bool> cut{false};
  server_.routes().Get("/cut", [&](const httplib::Request& req, httplib::Response& res) {
    note(req);
    if (req.has_header("Range") || cut.exchange(true)) {
      res.set_content(body_, "application/octet-stream");  // httplib answers the range: 206
      return;
    }
    // The first answer promises the whole body, sends half of it and drops the connection.
    res.set_content_provider(body_.size(), "application/octet-stream",
                             [this, half](size_t offset, size_t, httplib::DataSink& sink) {
                               if (offset >= half) return false;
                               sink.write(body_.data() + offset, half - offset);
                               return true;
                             });
  });
  server_.start();
  const auto ref = ref_for(server_.url("/cut"), body_);
  auto r = fetch(ref);
  ASSERT_TRUE(r.is_ok()) << r.status().message();
  EXPECT_EQ(r->attempts, 2);
  EXPECT_GT(r->resumed_from, 0u);
  EXPECT_LE(r->resumed_from, half);
  EXPECT_EQ(r->bytes_fetched, body_.size());  // nothing fetched twice
  const auto seen = ranges();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0], "");
  EXPECT_EQ(seen[1], "bytes=" + std::to_string(r->resumed_from) + "-");
  expect_stored(ref);
}

TEST_F(Fetcher, ResumesAPartialFileLeftByAnEarlierRun) {
  serve_data();
  server_.start();
  const auto ref = ref_for(server_.url("/data"), body_);
  write_file(store_.partial_path(ref.sha256), body_.substr(0, 1000));
  auto r = fetch(ref);
  ASSERT_TRUE(r.is_ok()) << r.status().message();
  EXPECT_EQ(r->resumed_from, 1000u);
  EXPECT_EQ(r->bytes_fetched, body_.size() - 1000);
  EXPECT_EQ(ranges(), std::vector<std::string>{"bytes=1000-"});
  expect_stored(ref);
}

TEST_F(Fetcher, AServerIgnoringRangeRestartsTheDownload) {
  server_.routes().Get("/data", [&](const httplib::Request& req, httplib::Response& res) {
    note(req);
    // The whole body whatever the Range says (httplib would cut a body of known length).
    res.status = 200;
    res.set_chunked_content_provider("application/octet-stream", provide_body(body_));
  });
  server_.start();
  const auto ref = ref_for(server_.url("/data"), body_);
  write_file(store_.partial_path(ref.sha256), body_.substr(0, 1000));
  auto r = fetch(ref);
  ASSERT_TRUE(r.is_ok()) << r.status().message();
  EXPECT_EQ(ranges(), std::vector<std::string>{"bytes=1000-"});
  EXPECT_EQ(r->resumed_from, 0u);
  EXPECT_EQ(r->bytes_fetched, body_.size());
  expect_stored(ref);
}

TEST_F(Fetcher, AWrongPartialFileFromAnEarlierRunIsFetchedAgain) {
  serve_data();
  server_.start();
  const auto ref = ref_for(server_.url("/data"), body_);
  write_file(store_.partial_path(ref.sha256), std::string(1000, 'x'));  // resumed, then wrong
  auto r = fetch(ref);
  ASSERT_TRUE(r.is_ok()) << r.status().message();
  EXPECT_EQ(ranges(), (std::vector<std::string>{"bytes=1000-", ""}));
  expect_stored(ref);
}

TEST_F(Fetcher, ACompletePartialFileIsCommittedWithoutARequest) {
  serve_data();
  server_.start();
  const auto ref = ref_for(server_.url("/data"), body_);
  write_file(store_.partial_path(ref.sha256), body_);  // a run stopped before its commit
  auto r = fetch(ref);
  ASSERT_TRUE(r.is_ok()) << r.status().message();
  EXPECT_EQ(r->attempts, 0);
  EXPECT_EQ(r->bytes_fetched, 0u);
  EXPECT_EQ(requests_, 0);
  expect_stored(ref);
}

TEST_F(Fetcher, AWrongContentRangeStartsOver) {
  server_.routes().Get("/data", [&](const httplib::Request& req, httplib::Response& res) {
    note(req);
    if (req.has_header("Range")) {  // claims to resume, but sends from the first byte
      res.status = 206;
      res.set_header("Content-Range", "bytes 0-" + std::to_string(body_.size() - 1) + "/" +
                                          std::to_string(body_.size()));
    }
    res.set_chunked_content_provider("application/octet-stream", provide_body(body_));
  });
  server_.start();
  const auto ref = ref_for(server_.url("/data"), body_);
  write_file(store_.partial_path(ref.sha256), body_.substr(0, 1000));
  auto r = fetch(ref);
  ASSERT_TRUE(r.is_ok()) << r.status().message();
  EXPECT_EQ(r->attempts, 2);
  EXPECT_EQ(ranges(), (std::vector<std::string>{"bytes=1000-", ""}));
  expect_stored(ref);
}

TEST_F(Fetcher, ARangeBeyondTheServersFileStartsOverThenRefusesItsSize) {
  serve_data();
  server_.start();
  // The manifest names a longer file than the server has; an earlier run kept more bytes than
  // the server's file holds, so the range is unsatisfiable (416).
  const std::string longer = body_ + std::string(5000, 'z');
  const auto ref = ref_for(server_.url("/data"), longer);
  write_file(store_.partial_path(ref.sha256), longer.substr(0, body_.size() + 100));
  auto r = fetch(ref);
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidModel) << r.status().message();
  EXPECT_EQ(ranges(),
            (std::vector<std::string>{"bytes=" + std::to_string(body_.size() + 100) + "-", ""}));
  EXPECT_FALSE(fs::exists(store_.partial_path(ref.sha256)));
}

TEST_F(Fetcher, AStalledDownloadTimesOutAndResumes) {
  const size_t half = body_.size() / 2;
  server_.routes().Get("/stall", [&](const httplib::Request& req, httplib::Response& res) {
    note(req);
    if (req.has_header("Range")) {
      res.set_content(body_, "application/octet-stream");
      return;
    }
    res.set_content_provider(body_.size(), "application/octet-stream",
                             [this, half](size_t offset, size_t, httplib::DataSink& sink) {
                               if (offset < half) {
                                 sink.write(body_.data() + offset, half - offset);
                               } else {
                                 std::this_thread::sleep_for(std::chrono::milliseconds(1500));
                               }
                               return offset < half;
                             });
  });
  server_.start();
  options_.read_timeout_s = 0.5;
  const auto ref = ref_for(server_.url("/stall"), body_);
  auto r = fetch(ref);
  ASSERT_TRUE(r.is_ok()) << r.status().message();
  EXPECT_GE(r->attempts, 2);  // a loaded machine may stall once more
  EXPECT_GT(r->resumed_from, 0u);
  expect_stored(ref);
}

TEST_F(Fetcher, WrongSha256LeavesNothingInTheStore) {
  serve_data();
  server_.start();
  auto ref = ref_for(server_.url("/data"), body_);
  ref.sha256 = sha256_hex("something else");
  auto r = fetch(ref);
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidModel);
  EXPECT_NE(r.status().message().find(sha256_hex(body_)), std::string::npos)
      << r.status().message();
  EXPECT_EQ(requests_, 1);  // not retried: the same bytes would come again
  EXPECT_FALSE(store_.has(ref.sha256));
  EXPECT_FALSE(store_.has(sha256_hex(body_)));
  EXPECT_EQ(store_.used_bytes(), 0u);
}

TEST_F(Fetcher, ALongerBodyIsRefused) {
  serve_data();
  // No Content-Length (chunked): the cut-off happens while the body streams.
  server_.routes().Get("/chunked", [&](const httplib::Request&, httplib::Response& res) {
    res.set_chunked_content_provider("application/octet-stream", provide_body(body_));
  });
  server_.start();
  const std::string shorter = body_.substr(0, body_.size() - 100);
  for (const char* path : {"/data", "/chunked"}) {
    const auto ref = ref_for(server_.url(path), shorter);
    auto r = fetch(ref);
    ASSERT_FALSE(r.is_ok()) << path;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidModel) << path;
    EXPECT_NE(r.status().message().find(std::to_string(shorter.size())), std::string::npos)
        << r.status().message();
    EXPECT_FALSE(store_.has(ref.sha256)) << path;
    EXPECT_FALSE(fs::exists(store_.partial_path(ref.sha256))) << path;
  }
}

TEST_F(Fetcher, NotFoundIsNotRetried) {
  server_.start();
  auto r = fetch(ref_for(server_.url("/missing"), body_));
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), StatusCode::kNetwork);
  EXPECT_NE(r.status().message().find("HTTP 404"), std::string::npos) << r.status().message();
  EXPECT_NE(r.status().message().find("not retried"), std::string::npos) << r.status().message();
  EXPECT_NE(r.status().message().find(server_.url("/missing")), std::string::npos);
}

TEST_F(Fetcher, ServerErrorsAreRetriedThenReported) {
  server_.routes().Get("/busy", [&](const httplib::Request& req, httplib::Response& res) {
    note(req);
    res.status = 503;
  });
  server_.start();
  auto r = fetch(ref_for(server_.url("/busy"), body_));
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), StatusCode::kNetwork);
  EXPECT_NE(r.status().message().find("HTTP 503"), std::string::npos) << r.status().message();
  EXPECT_NE(r.status().message().find("after 3 attempts"), std::string::npos);
  EXPECT_EQ(requests_, 3);
}

TEST_F(Fetcher, ARefusedConnectionIsRetriedMaxAttemptsTimes) {
  const std::string url = "http://127.0.0.1:" + std::to_string(unused_port()) + "/data";
  auto r = fetch(ref_for(url, body_));
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), StatusCode::kNetwork);
  EXPECT_NE(r.status().message().find(url), std::string::npos) << r.status().message();
  EXPECT_NE(r.status().message().find("cannot connect"), std::string::npos);
  EXPECT_NE(r.status().message().find("after 3 attempts"), std::string::npos);
}

TEST_F(Fetcher, RedirectsAreFollowedABoundedNumberOfTimes) {
  serve_data();
  server_.routes().Get(
      "/moved", [](const httplib::Request&, httplib::Response& res) { res.set_redirect("/data"); });
  server_.routes().Get(
      "/loop", [](const httplib::Request&, httplib::Response& res) { res.set_redirect("/loop"); });
  server_.start();
  const auto ref = ref_for(server_.url("/moved"), body_);
  auto r = fetch(ref);
  ASSERT_TRUE(r.is_ok()) << r.status().message();
  expect_stored(ref);
  auto loop = fetch(ref_for(server_.url("/loop"), body_ + "x"));
  ASSERT_FALSE(loop.is_ok());
  EXPECT_EQ(loop.status().code(), StatusCode::kNetwork);
  EXPECT_NE(loop.status().message().find("more than 5 redirects"), std::string::npos)
      << loop.status().message();
}

TEST_F(Fetcher, CancellationStopsABackOffQuickly) {
  options_.max_attempts = 100;
  options_.backoff_min_s = 30;
  options_.backoff_max_s = 30;
  const auto start = Clock::now();
  options_.cancelled = [&] { return Clock::now() - start > std::chrono::milliseconds(100); };
  const std::string url = "http://127.0.0.1:" + std::to_string(unused_port()) + "/data";
  auto r = fetch(ref_for(url, body_));
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUsage);
  EXPECT_NE(r.status().message().find("cancelled"), std::string::npos) << r.status().message();
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(10));
}

TEST_F(Fetcher, CancellationDuringADownloadKeepsThePartialFile) {
  server_.routes().Get("/data", [&](const httplib::Request& req, httplib::Response& res) {
    if (req.has_header("Range")) {  // the resume: at once (httplib answers the range)
      res.set_content(body_, "application/octet-stream");
      return;
    }
    // The first answer comes slowly, 16 KiB every 10 ms, so that the cancel finds it midway.
    res.set_chunked_content_provider("application/octet-stream",
                                     [this](size_t offset, httplib::DataSink& sink) {
                                       std::this_thread::sleep_for(std::chrono::milliseconds(10));
                                       return provide_body(body_)(offset, sink);
                                     });
  });
  server_.start();
  const auto ref = ref_for(server_.url("/data"), body_);
  // Cancelled once the first bytes are on disk (as when a newer manifest comes mid-download).
  options_.cancelled = [&] {
    std::error_code ec;
    return fs::file_size(store_.partial_path(ref.sha256), ec) > 0 && !ec;
  };
  auto r = fetch(ref);
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUsage);
  EXPECT_NE(r.status().message().find("cancelled"), std::string::npos) << r.status().message();
  EXPECT_FALSE(store_.has(ref.sha256));
  ASSERT_TRUE(fs::exists(store_.partial_path(ref.sha256)));  // for a later resume
  EXPECT_GT(fs::file_size(store_.partial_path(ref.sha256)), 0u);
  const uint64_t kept = fs::file_size(store_.partial_path(ref.sha256));
  EXPECT_LT(kept, body_.size());
  options_.cancelled = nullptr;
  auto later = fetch(ref);
  ASSERT_TRUE(later.is_ok()) << later.status().message();
  EXPECT_EQ(later->resumed_from, kept);
  expect_stored(ref);
}

TEST_F(Fetcher, CancellationIsHonouredWhileTheServerIsSilent) {
  std::atomic<bool> release{false};
  server_.routes().Get("/silent", [&](const httplib::Request&, httplib::Response& res) {
    for (int i = 0; i < 500 && !release; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    res.set_content(body_, "application/octet-stream");
  });
  server_.start();
  options_.read_timeout_s = 60;
  const auto start = Clock::now();
  options_.cancelled = [&] { return Clock::now() - start > std::chrono::milliseconds(200); };
  auto r = fetch(ref_for(server_.url("/silent"), body_));
  const auto took = Clock::now() - start;
  release = true;
  server_.stop();  // before `release` goes out of scope
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUsage);
  EXPECT_NE(r.status().message().find("cancelled"), std::string::npos) << r.status().message();
  EXPECT_LT(took, std::chrono::seconds(3));  // not the read time-out, nor the server's 5 s
}

TEST_F(Fetcher, AQuotaTooSmallIsAnIoErrorBeforeAnythingIsFetched) {
  serve_data();
  server_.start();
  const ContentStore small(store_.dir(), body_.size() / 2);
  const auto ref = ref_for(server_.url("/data"), body_);
  auto r = fetch_artifact(ref, small, options_);
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), StatusCode::kIoError);
  EXPECT_NE(r.status().message().find("quota"), std::string::npos) << r.status().message();
  EXPECT_NE(r.status().message().find(store_.dir()), std::string::npos) << r.status().message();
  EXPECT_EQ(requests_, 0);  // not retried either
  EXPECT_LE(small.used_bytes(), small.max_bytes());
  EXPECT_FALSE(small.has(ref.sha256));
}

TEST_F(Fetcher, FileUrls) {
  const std::string dir = root_ + "/a dir";
  fs::create_directories(dir);
  write_file(dir + "/model.bin", body_);
  const auto ref = ref_for("file://" + root_ + "/a%20dir/model.bin", body_);
  auto r = fetch(ref);
  ASSERT_TRUE(r.is_ok()) << r.status().message();
  EXPECT_EQ(r->bytes_fetched, body_.size());
  expect_stored(ref);

  auto missing = fetch(ref_for("file://" + root_ + "/missing.bin", "x"));
  ASSERT_FALSE(missing.is_ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kIoError);
  EXPECT_NE(missing.status().message().find("missing.bin"), std::string::npos);

  const auto shorter = ref_for("file://localhost" + dir + "/model.bin", body_.substr(0, 5000));
  auto too_long = fetch(shorter);
  ASSERT_FALSE(too_long.is_ok());
  EXPECT_EQ(too_long.status().code(), StatusCode::kInvalidModel);
  EXPECT_NE(too_long.status().message().find("longer"), std::string::npos);
  EXPECT_FALSE(store_.has(shorter.sha256));
  EXPECT_FALSE(fs::exists(store_.partial_path(shorter.sha256)));
}

TEST_F(Fetcher, HostileUrlsAreUsageErrors) {
  const std::string sha = sha256_hex("x");
  for (const std::string& url :
       {std::string("file://relative/path"), std::string("file://tmp%2Fx"),
        std::string("file:///tmp/a%00b"), std::string("file:///tmp/a\0b", 15),
        std::string("file:///tmp/%zz"), std::string("ftp://host/x"), std::string("/tmp/x"),
        std::string(""), std::string("http://"), std::string("http:///x"),
        std::string("http://host:0/x"), std::string("http://host:99999/x"),
        std::string("https://user:secret@host/x"), std::string("http://ho st/x"),
        std::string("http://host/a b"), std::string("http://[::1/x")}) {
    auto r = fetch({url, sha, 1});
    ASSERT_FALSE(r.is_ok()) << url;
    EXPECT_EQ(r.status().code(), StatusCode::kUsage) << url << ": " << r.status().message();
  }
  auto bad_hash = fetch({"file:///tmp/x", "../../etc/passwd", 1});
  EXPECT_EQ(bad_hash.status().code(), StatusCode::kUsage);
  EXPECT_EQ(store_.used_bytes(), 0u);
}

// The agent's "full disk": the tests cannot mount a small filesystem, so a forked child sets an
// explicit file size limit (RLIMIT_FSIZE) and the write into the partial file fails for real
// (EFBIG), through the same path as ENOSPC.
TEST_F(Fetcher, ARealWriteFailureIsAnIoErrorNamingTheFile) {
  write_file(root_ + "/big.bin", body_);
  const auto ref = ref_for("file://" + root_ + "/big.bin", body_);
  const auto child = [&] {
    const rlimit limit{64 * 1024, 64 * 1024};
    ::setrlimit(RLIMIT_FSIZE, &limit);
    std::signal(SIGXFSZ, SIG_IGN);
    auto r = fetch(ref);
    std::fprintf(stderr, "%s\n", r.is_ok() ? "fetched" : r.status().message().c_str());
    std::_Exit(r.is_ok() ? 0 : r.status().exit_code());
  };
  EXPECT_EXIT(
      child(), ::testing::ExitedWithCode(3),
      "agent store '.*/store': writing 'partial/" + ref.sha256 + "[.]part' failed: File too large");
}

// A self-signed certificate for `san` (e.g. "IP:127.0.0.1") made by the openssl command into
// DIR/NAME.pem and DIR/NAME.key; false when the command is missing.
bool make_certificate(const std::string& dir, const std::string& name, const std::string& san) {
  const std::string command =
      "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=test "
      "-addext subjectAltName=" +
      san + " -keyout '" + dir + "/" + name + ".key' -out '" + dir + "/" + name +
      ".pem' >/dev/null 2>&1";
  return std::system(command.c_str()) == 0;
}

// HTTPS with certificates made for this test.
TEST_F(Fetcher, HttpsTrustsTheConfiguredCaOnly) {
  if (!make_certificate(root_, "cert", "IP:127.0.0.1"))
    GTEST_SKIP() << "the openssl command is not available";
  const std::string cert = root_ + "/cert.pem";
  const std::string key = root_ + "/cert.key";
  TestServer tls(std::make_unique<httplib::SSLServer>(cert.c_str(), key.c_str()));
  ASSERT_TRUE(tls.routes().is_valid());
  tls.routes().Get("/data", [&](const httplib::Request&, httplib::Response& res) {
    res.set_content(body_, "application/octet-stream");
  });
  tls.start();
  const auto ref = ref_for(tls.url("/data", "https"), body_);

  auto untrusted = fetch(ref);
  ASSERT_FALSE(untrusted.is_ok());
  EXPECT_EQ(untrusted.status().code(), StatusCode::kNetwork);
  EXPECT_NE(untrusted.status().message().find("certificate"), std::string::npos)
      << untrusted.status().message();
  EXPECT_NE(untrusted.status().message().find("not retried"), std::string::npos)
      << untrusted.status().message();

  options_.ca_file = cert;
  auto r = fetch(ref);
  ASSERT_TRUE(r.is_ok()) << r.status().message();
  expect_stored(ref);
}

TEST_F(Fetcher, HttpsRefusesACertificateForAnotherHost) {
  if (!make_certificate(root_, "other", "DNS:other.example"))
    GTEST_SKIP() << "the openssl command is not available";
  const std::string cert = root_ + "/other.pem";
  TestServer tls(
      std::make_unique<httplib::SSLServer>(cert.c_str(), (root_ + "/other.key").c_str()));
  ASSERT_TRUE(tls.routes().is_valid());
  tls.routes().Get("/data", [&](const httplib::Request&, httplib::Response& res) {
    res.set_content(body_, "application/octet-stream");
  });
  tls.start();
  options_.ca_file = cert;  // trusted, but it names another host than 127.0.0.1
  auto r = fetch(ref_for(tls.url("/data", "https"), body_));
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), StatusCode::kNetwork);
  EXPECT_NE(r.status().message().find("certificate"), std::string::npos) << r.status().message();
  EXPECT_NE(r.status().message().find("host"), std::string::npos) << r.status().message();
  EXPECT_FALSE(store_.has(sha256_hex(body_)));
}

}  // namespace
}  // namespace outpost::agentd
