// The server on a real loopback socket, spoken to by a real HTTP client (cpp-httplib's): the
// KServe v2 routes, answers equal to Session::run, the binary extension, every error status, the
// token, the body and connection limits, and a model swap under load that drops nothing.
#include "serve/http_server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <filesystem>
#include <random>
#include <thread>

#include "serve/serve_test_models.h"
#include "support/model_paths.h"
#include "support/test_paths.h"

namespace outpost::serve {
namespace {

using nlohmann::json;

Result<std::unique_ptr<Session>> open_one_thread(const std::string& path) {
  SessionOptions options;
  options.threads = 1;
  return Session::open(path, options);
}

// A server on a free port, serving in a thread of its own.
class Server {
 public:
  explicit Server(ServerOptions options = {}) : models_(open_one_thread, &metrics_) {
    options.port = 0;
    server_ = std::make_unique<InferenceServer>(models_, metrics_, options);
  }
  ~Server() { stop(); }
  ModelRepository& models() { return models_; }
  void start() {
    ASSERT_TRUE(server_->bind().is_ok());
    thread_ = std::thread([this] { (void)server_->serve(); });
  }
  void stop() {
    server_->stop();
    if (thread_.joinable()) thread_.join();
  }
  int port() const { return server_->port(); }
  httplib::Client client() const {
    httplib::Client c("127.0.0.1", port());
    c.set_read_timeout(30, 0);
    return c;
  }

 private:
  Metrics metrics_;
  ModelRepository models_;
  std::unique_ptr<InferenceServer> server_;
  std::thread thread_;
};

std::string infer_body(float a0, float b0) {
  json body = {
      {"inputs",
       {{{"name", "a"}, {"datatype", "FP32"}, {"shape", {1, 2, 2, 1}}, {"data", {a0, 1, 2, 3}}},
        {{"name", "b"}, {"datatype", "FP32"}, {"shape", {1, 2, 2, 1}}, {"data", {b0, 2, 2, 2}}}}}};
  return body.dump();
}

std::string error_message(const httplib::Result& r) {
  const json j = json::parse(r->body, nullptr, false);
  return j.is_object() && j.contains("error") ? j["error"].get<std::string>() : "(no JSON error)";
}

class HttpServer : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::make_temp_dir("outpost-serve-test");
    add_ = testing::write_model(dir_, "add.tflite", false);
    mul_ = testing::write_model(dir_, "mul.tflite", true);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string dir_, add_, mul_;
};

TEST_F(HttpServer, ServerAndModelMetadataAndHealth) {
  Server server;
  ASSERT_TRUE(server.models().load("add", add_).is_ok());
  server.start();
  httplib::Client c = server.client();
  auto r = c.Get("/v2");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(json::parse(r->body)["name"], "outpost");
  EXPECT_EQ(c.Get("/v2/health/live")->status, 200);
  EXPECT_EQ(c.Get("/v2/health/ready")->status, 200);
  EXPECT_EQ(c.Get("/v2/models/add/ready")->status, 200);
  r = c.Get("/v2/models/add");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200);
  const json meta = json::parse(r->body);
  EXPECT_EQ(meta["name"], "add");
  EXPECT_EQ(meta["platform"], "outpost_tflite");
  ASSERT_EQ(meta["inputs"].size(), 2u);
  EXPECT_EQ(meta["inputs"][0],
            json({{"name", "a"}, {"datatype", "FP32"}, {"shape", {1, 2, 2, 1}}}));
  EXPECT_EQ(meta["outputs"][0]["name"], "sum");
  r = c.Post("/v2/repository/index", "", "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(json::parse(r->body),
            json::parse(R"([{"name": "add", "version": "1", "state": "READY"}])"));
}

TEST_F(HttpServer, JsonInferEqualsSessionRun) {
  Server server;
  ASSERT_TRUE(server.models().load("add", add_).is_ok());
  server.start();
  auto r = server.client().Post("/v2/models/add/infer", infer_body(0.5f, 10), "application/json");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  const json out = json::parse(r->body)["outputs"][0];
  EXPECT_EQ(out["name"], "sum");
  EXPECT_EQ(out["datatype"], "FP32");
  EXPECT_EQ(out["shape"], json({1, 2, 2, 1}));
  EXPECT_EQ(out["data"], json({10.5, 3, 4, 5}));
}

// A real model (MediaPipe's face detector): JSON and binary answers both equal Session::run's
// on the same random input, bit for bit.
TEST_F(HttpServer, RealModelJsonAndBinaryEqualSessionRun) {
  const std::string path = testing::model_path("face_detection_short_range.tflite");
  OUTPOST_SKIP_UNLESS_EXISTS(path);
  auto session = open_one_thread(path);
  ASSERT_TRUE(session.is_ok());
  Tensor& in = (*session)->input(0);
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> uniform(-1, 1);
  std::vector<float> values(static_cast<size_t>(in.num_elements()));
  for (float& v : values) v = uniform(rng);
  std::memcpy(in.data(), values.data(), in.byte_size());
  ASSERT_TRUE((*session)->run().is_ok());

  Server server;
  ASSERT_TRUE(server.models().load("faces", path).is_ok());
  server.start();
  httplib::Client c = server.client();
  const json input = {{"name", in.name}, {"datatype", "FP32"}, {"shape", in.shape().dims()}};
  json request = {{"inputs", {input}}};
  request["inputs"][0]["data"] = values;
  auto r = c.Post("/v2/models/faces/infer", request.dump(), "application/json");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  const json outputs = json::parse(r->body)["outputs"];
  ASSERT_EQ(outputs.size(), (*session)->num_outputs());
  for (size_t i = 0; i < outputs.size(); ++i) {
    const Tensor& want = (*session)->output(i);
    EXPECT_EQ(outputs[i]["name"], want.name);
    const std::vector<float> got = outputs[i]["data"].get<std::vector<float>>();
    ASSERT_EQ(got.size(), static_cast<size_t>(want.num_elements()));
    EXPECT_EQ(std::memcmp(got.data(), want.data(), want.byte_size()), 0) << want.name;
  }

  // The same input as raw bytes; the second output asked for in binary, the first in JSON.
  json header = {
      {"inputs", {input}},
      {"outputs",
       {{{"name", (*session)->output(1).name}, {"parameters", {{"binary_data", true}}}}}}};
  header["inputs"][0]["parameters"] = {{"binary_data_size", in.byte_size()}};
  std::string body = header.dump();
  const size_t header_size = body.size();
  body.append(reinterpret_cast<const char*>(values.data()), in.byte_size());
  r = c.Post("/v2/models/faces/infer",
             {{"Inference-Header-Content-Length", std::to_string(header_size)}}, body,
             "application/octet-stream");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  const size_t json_size = std::stoul(r->get_header_value("Inference-Header-Content-Length"));
  const json reply = json::parse(r->body.substr(0, json_size));
  const Tensor& want = (*session)->output(1);
  ASSERT_EQ(reply["outputs"].size(), 1u);
  EXPECT_EQ(reply["outputs"][0]["parameters"]["binary_data_size"], want.byte_size());
  ASSERT_EQ(r->body.size(), json_size + want.byte_size());
  EXPECT_EQ(std::memcmp(r->body.data() + json_size, want.data(), want.byte_size()), 0);
}

TEST_F(HttpServer, BadRequestsGetTheirStatusAndAJsonError) {
  ServerOptions options;
  options.max_body_bytes = 4096;
  Server server(options);
  ASSERT_TRUE(server.models().load("add", add_).is_ok());
  server.start();
  httplib::Client c = server.client();
  // 400: a tensor of the wrong shape, named with what was expected.
  json bad = json::parse(infer_body(1, 1));
  bad["inputs"][1]["shape"] = {1, 4};
  auto r = c.Post("/v2/models/add/infer", bad.dump(), "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_NE(error_message(r).find("input 'b': expected FP32 [1, 2, 2, 1], got FP32 [1, 4]"),
            std::string::npos)
      << r->body;
  // 400: a missing input, an unknown one, a wrong datatype, a body that is not JSON.
  bad = json::parse(infer_body(1, 1));
  bad["inputs"].erase(1);
  r = c.Post("/v2/models/add/infer", bad.dump(), "application/json");
  EXPECT_EQ(r->status, 400);
  EXPECT_NE(error_message(r).find("input 'b' is missing"), std::string::npos) << r->body;
  bad = json::parse(infer_body(1, 1));
  bad["inputs"][1]["name"] = "c";
  r = c.Post("/v2/models/add/infer", bad.dump(), "application/json");
  EXPECT_EQ(r->status, 400);
  EXPECT_NE(error_message(r).find("input 'c'"), std::string::npos) << r->body;
  bad = json::parse(infer_body(1, 1));
  bad["inputs"][0]["datatype"] = "INT32";
  bad["inputs"][0]["data"] = {1, 2, 3, 4};
  r = c.Post("/v2/models/add/infer", bad.dump(), "application/json");
  EXPECT_EQ(r->status, 400);
  EXPECT_NE(error_message(r).find("expected FP32"), std::string::npos) << r->body;
  r = c.Post("/v2/models/add/infer", "{", "application/json");
  EXPECT_EQ(r->status, 400);
  // 404: an unknown model, an unknown route.
  r = c.Post("/v2/models/nope/infer", infer_body(1, 1), "application/json");
  EXPECT_EQ(r->status, 404);
  EXPECT_NE(error_message(r).find("unknown model 'nope'"), std::string::npos);
  EXPECT_EQ(c.Get("/v2/models/nope")->status, 404);
  EXPECT_EQ(c.Get("/v3")->status, 404);
  // 413: a body over --max-body-bytes.
  r = c.Post("/v2/models/add/infer", std::string(5000, ' '), "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  EXPECT_NE(error_message(r).find("limit of 4096"), std::string::npos) << r->body;
  // 503: a model unloaded (known, not ready); the server is not ready either.
  c.set_keep_alive(false);
  EXPECT_EQ(c.Post("/v2/repository/models/add/unload", "", "application/json")->status, 200);
  r = c.Post("/v2/models/add/infer", infer_body(1, 1), "application/json");
  EXPECT_EQ(r->status, 503);
  EXPECT_EQ(c.Get("/v2/models/add/ready")->status, 503);
  EXPECT_EQ(c.Get("/v2/health/ready")->status, 503);
  // Loaded again from the path it had: serving.
  EXPECT_EQ(c.Post("/v2/repository/models/add/load", "", "application/json")->status, 200);
  EXPECT_EQ(c.Post("/v2/models/add/infer", infer_body(1, 1), "application/json")->status, 200);
  // A load of a file that is no model: 400, and the model served stays.
  r = c.Post("/v2/repository/models/add/load",
             json({{"parameters", {{"path", dir_ + "/missing.tflite"}}}}).dump(),
             "application/json");
  EXPECT_EQ(r->status, 400);
  EXPECT_NE(error_message(r).find("missing.tflite"), std::string::npos) << r->body;
  EXPECT_EQ(c.Post("/v2/models/add/infer", infer_body(1, 1), "application/json")->status, 200);
  // The metrics count what happened.
  r = c.Get("/metrics");
  ASSERT_TRUE(r);
  EXPECT_NE(r->body.find("outpost_inference_requests_total{model=\"add\"} 7"), std::string::npos)
      << r->body;
  EXPECT_NE(r->body.find("outpost_inference_failures_total{model=\"add\"} 5"), std::string::npos)
      << r->body;
  EXPECT_NE(r->body.find("outpost_model_load_failures_total{model=\"add\"} 1"), std::string::npos);
  EXPECT_NE(r->body.find("outpost_http_refused_total{reason=\"body_too_large\"} 1"),
            std::string::npos);
}

TEST_F(HttpServer, TokenIsRequiredButNotForHealth) {
  ServerOptions options;
  options.token = "s3cret-token";
  Server server(options);
  ASSERT_TRUE(server.models().load("add", add_).is_ok());
  server.start();
  httplib::Client c = server.client();
  auto r = c.Get("/v2/models/add");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 401);
  EXPECT_NE(error_message(r).find("bearer token"), std::string::npos);
  EXPECT_EQ(c.Get("/metrics")->status, 401);
  EXPECT_EQ(c.Get("/v2/models/add", {{"Authorization", "Bearer s3cret-tokem"}})->status, 401);
  EXPECT_EQ(c.Post("/v2/repository/models/add/unload", "", "application/json")->status, 401);
  EXPECT_EQ(c.Get("/v2/health/live")->status, 200);
  EXPECT_EQ(c.Get("/v2/health/ready")->status, 200);
  c.set_bearer_token_auth("s3cret-token");
  EXPECT_EQ(c.Get("/v2/models/add")->status, 200);
  EXPECT_EQ(c.Post("/v2/models/add/infer", infer_body(1, 1), "application/json")->status, 200);
}

int connect_loopback(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return -1;
  }
  timeval timeout{10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  return fd;
}

// One response: its head and as many body bytes as its Content-Length says (or what came before
// the server closed, or 10 s passed).
std::string read_response(int fd) {
  std::string text;
  char buf[4096];
  for (ssize_t n; (n = recv(fd, buf, sizeof buf, 0)) > 0;) {
    text.append(buf, static_cast<size_t>(n));
    const size_t head_end = text.find("\r\n\r\n");
    const size_t length_at = text.find("Content-Length: ");
    if (head_end == std::string::npos || length_at == std::string::npos) continue;
    const size_t length = std::stoul(text.substr(length_at + 16));
    if (text.size() >= head_end + 4 + length) break;
  }
  return text;
}

TEST_F(HttpServer, HugeContentLengthIsRefusedBeforeTheBodyIsRead) {
  Server server;
  ASSERT_TRUE(server.models().load("add", add_).is_ok());
  server.start();
  const int fd = connect_loopback(server.port());
  ASSERT_GE(fd, 0);
  const std::string head =
      "POST /v2/models/add/infer HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Content-Length: 1000000000000\r\n\r\n{\"inputs\": [";
  ASSERT_EQ(send(fd, head.data(), head.size(), 0), static_cast<ssize_t>(head.size()));
  const auto start = std::chrono::steady_clock::now();
  const std::string reply = read_response(fd);  // while the body is still unsent
  close(fd);
  EXPECT_EQ(reply.rfind("HTTP/1.1 413", 0), 0u) << reply;
  EXPECT_NE(reply.find("Connection: close"), std::string::npos) << reply;
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_EQ(server.client().Get("/v2/health/live")->status, 200);
}

TEST_F(HttpServer, ConnectionsBeyondTheBoundGet503AndTheServerSurvives) {
  ServerOptions options;
  options.max_concurrency = 1;  // one served, one waiting
  Server server(options);
  ASSERT_TRUE(server.models().load("add", add_).is_ok());
  server.start();
  // Two connections that send nothing hold the one worker and the one place in the queue.
  std::vector<int> idle;
  for (int i = 0; i < 2; ++i) {
    idle.push_back(connect_loopback(server.port()));
    ASSERT_GE(idle.back(), 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  // Many more get 503 at once.
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 20; ++i) {
    const int fd = connect_loopback(server.port());
    ASSERT_GE(fd, 0);
    const std::string get = "GET /v2 HTTP/1.1\r\nHost: x\r\n\r\n";
    ASSERT_EQ(send(fd, get.data(), get.size(), 0), static_cast<ssize_t>(get.size()));
    const std::string reply = read_response(fd);
    close(fd);
    EXPECT_EQ(reply.rfind("HTTP/1.1 503", 0), 0u) << reply;
    EXPECT_NE(reply.find("too many requests"), std::string::npos);
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  for (int fd : idle) close(fd);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  auto r = server.client().Post("/v2/models/add/infer", infer_body(1, 1), "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_NE(
      server.client().Get("/metrics")->body.find("outpost_http_refused_total{reason=\"busy\"} 20"),
      std::string::npos);
}

// Four clients infer without pause while a fifth swaps add and mul under the same name 40 times:
// every request succeeds, and each answer is one model's or the other's, never a mix.
TEST_F(HttpServer, SwapUnderLoadDropsNoRequest) {
  Server server;
  ASSERT_TRUE(server.models().load("m", add_).is_ok());
  server.start();
  std::atomic<bool> swapping{true};
  std::atomic<int> ok{0}, failed{0}, sums{0}, products{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < 4; ++t) {
    clients.emplace_back([&, t] {
      httplib::Client c = server.client();
      c.set_keep_alive(t % 2 == 0);  // both kinds of connection
      while (swapping) {
        auto r = c.Post("/v2/models/m/infer", infer_body(3, 5), "application/json");
        if (!r || r->status != 200) {
          ++failed;
          continue;
        }
        const float y = json::parse(r->body)["outputs"][0]["data"][0].get<float>();
        if (y == 8)
          ++sums;
        else if (y == 15)
          ++products;
        else
          ++failed;
        ++ok;
      }
    });
  }
  httplib::Client swapper = server.client();
  for (int i = 0; i < 40; ++i) {
    const json load = {{"parameters", {{"path", i % 2 == 0 ? mul_ : add_}}}};
    auto r = swapper.Post("/v2/repository/models/m/load", load.dump(), "application/json");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200) << r->body;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  swapping = false;
  for (std::thread& t : clients) t.join();
  EXPECT_EQ(failed, 0);
  EXPECT_GT(ok, 40);
  EXPECT_GT(sums, 0);
  EXPECT_GT(products, 0);
}

}  // namespace
}  // namespace outpost::serve
