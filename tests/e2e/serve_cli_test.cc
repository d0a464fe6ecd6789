// `outpost serve` as a process: it answers on the port it was given, refuses a token file that
// cannot be read, and on SIGTERM (or SIGINT) stops accepting, finishes the requests in flight
// (each answered in full) and exits 0, while clients keep sending large binary requests.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <mutex>
#include <thread>

#include "support/child_process.h"
#include "support/spawned_process.h"
#include "support/cli_runner.h"
#include "support/test_paths.h"
#include "support/tflite_builder.h"

namespace outpost {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr int kSide = 256, kChannels = 16;  // 4 MiB per input: requests take a while to send

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// `outpost serve args...` with stdout and stderr in files (support/spawned_process.h).
class ServeProcess : public testing::SpawnedProcess {
 public:
  ServeProcess(const std::vector<std::string>& args, const std::string& out, const std::string& err)
      : SpawnedProcess(argv(args), {out, err}), out_(out) {}
  // Whether its stdout said it listens within `seconds`.
  bool wait_listening(double seconds) {
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    while (std::chrono::steady_clock::now() < give_up) {
      if (slurp(out_).find("listening on") != std::string::npos) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }

 private:
  static std::vector<std::string> argv(const std::vector<std::string>& args) {
    std::vector<std::string> a{OUTPOST_CLI_PATH, "serve"};
    a.insert(a.end(), args.begin(), args.end());
    return a;
  }
  std::string out_;
};

class ServeCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::make_temp_dir("outpost-serve-cli-test");
    testing::TfModelSpec spec = testing::add_model_spec();
    for (auto& t : spec.tensors) t.shape = {1, kSide, kSide, kChannels};
    const std::vector<uint8_t> bytes = testing::build_tflite(spec);
    model_ = dir_ + "/big_add.tflite";
    std::ofstream(model_, std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes.data()), static_cast<long>(bytes.size()));
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string dir_, model_;
};

// The binary request a + b with a = b = 1, and the check of its answer (all 2).
std::pair<std::string, size_t> binary_request() {
  const size_t n = size_t{kSide} * kSide * kChannels;
  json header = {{"inputs", json::array()}, {"parameters", {{"binary_data_output", true}}}};
  for (const char* name : {"a", "b"})
    header["inputs"].push_back({{"name", name},
                                {"datatype", "FP32"},
                                {"shape", {1, kSide, kSide, kChannels}},
                                {"parameters", {{"binary_data_size", n * 4}}}});
  std::string body = header.dump();
  const size_t json_size = body.size();
  const std::vector<float> ones(2 * n, 1.0f);
  body.append(reinterpret_cast<const char*>(ones.data()), ones.size() * 4);
  return {body, json_size};
}

bool answer_is_all_twos(const std::string& body, size_t json_size) {
  const size_t n = size_t{kSide} * kSide * kChannels;
  if (body.size() != json_size + n * 4) return false;
  const float* y = reinterpret_cast<const float*>(body.data() + json_size);
  for (size_t i = 0; i < n; ++i)
    if (y[i] != 2.0f) return false;
  return true;
}

TEST_F(ServeCli, SigtermFinishesRequestsInFlightAndExitsZero) {
  const int port = testing::free_tcp_port();
  ServeProcess serve({model_, "--name", "add", "--port", std::to_string(port), "--threads", "1"},
                     dir_ + "/out.txt", dir_ + "/err.txt");
  ASSERT_TRUE(serve.wait_listening(30)) << slurp(dir_ + "/err.txt");
  const auto [body, json_size] = binary_request();
  std::atomic<bool> stop{false};
  std::atomic<int> answered{0}, refused{0}, broken{0};
  std::atomic<bool> signaled{false};
  std::mutex error_mutex;
  std::string last_error;  // of a broken request
  std::vector<std::thread> clients;
  for (int t = 0; t < 3; ++t) {
    clients.emplace_back([&, t] {
      httplib::Client c("127.0.0.1", port);
      c.set_keep_alive(t == 0);
      c.set_read_timeout(30, 0);
      while (!stop) {
        auto r = c.Post("/v2/models/add/infer",
                        {{"Inference-Header-Content-Length", std::to_string(json_size)}}, body,
                        "application/octet-stream");
        if (!r) {
          // After the listening socket closes, new connections are refused: that is expected.
          // So is a request written, after the SIGTERM, onto a kept-alive connection the server
          // is closing as idle (HTTP's keep-alive race: the client cannot know). A reply cut
          // short, or a write that failed mid-request, is not.
          const bool expected =
              r.error() == httplib::Error::Connection || (t == 0 && signaled.load());
          (expected ? refused : broken)++;
          if (!expected) {
            std::lock_guard<std::mutex> lock(error_mutex);
            last_error = httplib::to_string(r.error());
          }
          if (expected) return;
          continue;
        }
        const size_t reply_json =
            std::stoul(r->get_header_value("Inference-Header-Content-Length", 0));
        (r->status == 200 && answer_is_all_twos(r->body, reply_json) ? answered : broken)++;
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(600));
  signaled = true;
  serve.signal(SIGTERM);
  int status = 0;
  const bool ended = serve.wait(20, &status);
  stop = true;
  for (std::thread& t : clients) t.join();
  ASSERT_TRUE(ended) << "outpost serve did not exit within 20 s of SIGTERM";
  EXPECT_TRUE(WIFEXITED(status)) << "killed by signal " << WTERMSIG(status);
  EXPECT_EQ(WEXITSTATUS(status), 0) << slurp(dir_ + "/err.txt");
  EXPECT_GT(answered, 0);
  EXPECT_EQ(broken, 0) << answered << " answered, " << refused << " refused; " << last_error;
  EXPECT_NE(slurp(dir_ + "/out.txt").find("stopped"), std::string::npos);
}

TEST_F(ServeCli, SigintStopsAnIdleServer) {
  const int port = testing::free_tcp_port();
  ServeProcess serve({model_, "--port", std::to_string(port)}, dir_ + "/out.txt",
                     dir_ + "/err.txt");
  ASSERT_TRUE(serve.wait_listening(30)) << slurp(dir_ + "/err.txt");
  httplib::Client c("127.0.0.1", port);
  auto r = c.Get("/v2/models/big_add");  // named after the file
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  serve.signal(SIGINT);
  int status = 0;
  ASSERT_TRUE(serve.wait(20, &status));
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

TEST_F(ServeCli, UsageAndStartupErrors) {
  // An unreadable token file, a missing model, two models under one name, a port in use.
  auto r = testing::run_outpost({"serve", model_, "--token-file", dir_ + "/no-token"});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find("no-token"), std::string::npos) << r.err;
  r = testing::run_outpost({"serve", dir_ + "/missing.tflite", "--port", "0"});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  r = testing::run_outpost({"serve", model_, model_, "--port", "0"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("--name"), std::string::npos) << r.err;
  const int port = testing::free_tcp_port();
  ServeProcess first({model_, "--port", std::to_string(port)}, dir_ + "/out.txt",
                     dir_ + "/err.txt");
  ASSERT_TRUE(first.wait_listening(30));
  r = testing::run_outpost({"serve", model_, "--port", std::to_string(port)});
  EXPECT_EQ(r.exit_code, 12) << r.err;
  EXPECT_NE(r.err.find(std::to_string(port)), std::string::npos) << r.err;
}

}  // namespace
}  // namespace outpost
