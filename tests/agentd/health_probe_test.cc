// The health probe reads what serve's real Metrics class writes, refuses text that is not the
// Prometheus format with the line number, scrapes a real InferenceServer on loopback (with and
// without its token), and judges probation windows against the gates.
#include "agentd/health_probe.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <limits>
#include <thread>

#include "serve/http_server.h"
#include "serve/metrics.h"
#include "serve/serve_test_models.h"
#include "support/test_paths.h"

namespace outpost::agentd {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

TEST(HealthProbe, ParsesWhatServeMetricsWrites) {
  serve::Metrics metrics;
  // Model "a": 100 requests, 2 failed; 98 take 3 ms (bucket 5 ms), 2 take 40 ms (bucket 50 ms).
  for (int i = 0; i < 98; ++i) metrics.record_inference("a", true, 0.003, 0);
  for (int i = 0; i < 2; ++i) metrics.record_inference("a", false, 0.040, 0);
  // Model "b \"quoted\"": 100 requests, none failed, all 0.2 ms (bucket 0.5 ms).
  for (int i = 0; i < 100; ++i) metrics.record_inference("b \"quoted\"\nname", true, 0.0002, 0);
  metrics.record_load("a", true, 0.1);
  metrics.record_refusal("unauthorized");
  auto sample = parse_serve_metrics(metrics.prometheus_text());
  ASSERT_TRUE(sample.is_ok()) << sample.status().message();
  EXPECT_EQ(sample->requests, 200);
  EXPECT_EQ(sample->failures, 2);
  ASSERT_EQ(sample->latency_buckets.size(), serve::Metrics::kBuckets.size() + 1);
  for (size_t i = 0; i < serve::Metrics::kBuckets.size(); ++i)
    EXPECT_EQ(sample->latency_buckets[i].first, serve::Metrics::kBuckets[i]);
  EXPECT_TRUE(std::isinf(sample->latency_buckets.back().first));
  EXPECT_EQ(sample->latency_buckets.back().second, 200);
  EXPECT_EQ(sample->latency_buckets[0].second, 100);  // le 0.5 ms: model b
  EXPECT_EQ(sample->latency_buckets[3].second, 198);  // le 5 ms: and a's 98
  EXPECT_EQ(sample->latency_buckets[6].second, 200);  // le 50 ms: everything

  // From nothing: 200 requests, 1% failed, and the 99th percentile (rank 198) in the 5 ms bucket.
  const WindowHealth w = window_between(MetricsSample{}, *sample);
  EXPECT_EQ(w.requests, 200);
  EXPECT_EQ(w.failures, 2);
  ASSERT_TRUE(w.error_rate);
  EXPECT_DOUBLE_EQ(*w.error_rate, 0.01);
  ASSERT_TRUE(w.p99_ms);
  EXPECT_DOUBLE_EQ(*w.p99_ms, 5);

  // Three more slow requests tip it: now 200 of 203 are within 5 ms, below 99%.
  for (int i = 0; i < 3; ++i) metrics.record_inference("a", true, 0.040, 0);
  auto later = parse_serve_metrics(metrics.prometheus_text());
  ASSERT_TRUE(later.is_ok()) << later.status().message();
  EXPECT_DOUBLE_EQ(*window_between(MetricsSample{}, *later).p99_ms, 50);
  // The window between the two scrapes holds those three requests alone.
  const WindowHealth between = window_between(*sample, *later);
  EXPECT_EQ(between.requests, 3);
  EXPECT_EQ(between.failures, 0);
  EXPECT_DOUBLE_EQ(*between.p99_ms, 50);
}

TEST(HealthProbe, EmptyServerHasNoRequestsAndNoBuckets) {
  serve::Metrics metrics;
  auto sample = parse_serve_metrics(metrics.prometheus_text());
  ASSERT_TRUE(sample.is_ok()) << sample.status().message();
  EXPECT_EQ(sample->requests, 0);
  EXPECT_TRUE(sample->latency_buckets.empty());
  const WindowHealth w = window_between(*sample, *sample);
  EXPECT_FALSE(w.error_rate);
  EXPECT_FALSE(w.p99_ms);
}

TEST(HealthProbe, SlowestRequestsLandInTheInfBucket) {
  serve::Metrics metrics;
  for (int i = 0; i < 10; ++i) metrics.record_inference("m", true, 30, 0);  // above 2.5 s
  auto sample = parse_serve_metrics(metrics.prometheus_text());
  ASSERT_TRUE(sample.is_ok());
  const WindowHealth w = window_between(MetricsSample{}, *sample);
  ASSERT_TRUE(w.p99_ms);
  EXPECT_TRUE(std::isinf(*w.p99_ms));
  agent::HealthGates gates;
  gates.max_p99_latency_ms = 1000;
  const GateVerdict v = judge_window(gates, w);
  EXPECT_FALSE(v.pass);
  EXPECT_NE(v.reason.find("above the histogram's largest bucket"), std::string::npos) << v.reason;
}

// Each hostile text gets kInvalidModel naming its line, never a crash or a silent number.
TEST(HealthProbe, HostileTextIsRefusedWithItsLine) {
  const std::string ok = "outpost_inference_requests_total{model=\"m\"} 5\n";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {ok + "garbage here\n", "line 2: 'here' is not a number"},
      {ok + "{model=\"m\"} 1\n", "line 2: expected a metric name"},
      {ok + "x{model=\"m\" 1\n", "line 2: expected ',' or '}'"},
      {ok + "x{model=\"m} 1\n", "line 2: a label value is not closed"},
      {ok + "x{model=\"a\\q\"} 1\n", "line 2: unknown escape"},
      {ok + "x{model=m} 1\n", "line 2: expected '\"'"},
      {ok + "x{a=\"1\",a=\"2\"} 1\n", "line 2: label 'a' appears twice"},
      {ok + "x\n", "line 2: 'x' has no value"},
      {ok + "x 1 2 3\n", "line 2: unexpected text"},
      {ok + "x 1 12.5\n", "line 2: '12.5' is not a timestamp"},
      {ok + "x 0x10\n", "line 2: '0x10' is not a number"},
      {ok + "x inf\n", "line 2: 'inf' is not a number"},
      {"outpost_inference_requests_total NaN\n", "line 1: outpost_inference_requests_total nan"},
      {"outpost_inference_requests_total +Inf\n", "is not a count"},
      {"outpost_inference_requests_total -1\n", "is not a count"},
      {"outpost_inference_requests_total 1e300\n", "1e+300 is not a count"},
      {"outpost_inference_failures_total 0.5\n", "is not a count"},
      {ok + ok, "line 2: outpost_inference_requests_total appears twice"},
      {"outpost_inference_latency_seconds_bucket{model=\"m\"} 1\n",
       "line 1: outpost_inference_latency_seconds_bucket has no 'le'"},
      {"outpost_inference_latency_seconds_bucket{le=\"soon\"} 1\n", "le=\"soon\" is not a number"},
      {"outpost_inference_latency_seconds_bucket{le=\"NaN\"} 1\n", "le=\"NaN\" is not a number"},
      {"outpost_inference_latency_seconds_bucket{le=\"1\"} 1\n"
       "outpost_inference_latency_seconds_bucket{le=\"1.0\"} 1\n",
       "line 2: a second bucket le=\"1.0\""},
      {"outpost_inference_latency_seconds_bucket{le=\"1\"} 1\n", "has no le=\"+Inf\" bucket"},
      {"outpost_inference_latency_seconds_bucket{le=\"1\"} 5\n"
       "outpost_inference_latency_seconds_bucket{le=\"+Inf\"} 4\n",
       "below the one before it"},
      {"outpost_inference_latency_seconds_bucket{model=\"a\",le=\"1\"} 1\n"
       "outpost_inference_latency_seconds_bucket{model=\"a\",le=\"+Inf\"} 1\n"
       "outpost_inference_latency_seconds_bucket{model=\"b\",le=\"2\"} 1\n"
       "outpost_inference_latency_seconds_bucket{model=\"b\",le=\"+Inf\"} 1\n",
       "other buckets than the other models"},
      {std::string("outpost_inference_requests_total\0 1\n", 36), "line 1: expected a space"},
  };
  for (const auto& [text, want] : cases) {
    auto sample = parse_serve_metrics(text);
    ASSERT_FALSE(sample.is_ok()) << text;
    EXPECT_EQ(sample.status().code(), StatusCode::kInvalidModel) << text;
    EXPECT_NE(sample.status().message().find(want), std::string::npos)
        << "text: " << text << "\nmessage: " << sample.status().message();
  }
}

// What the format allows and serve does not write is read, or skipped when it is not ours.
TEST(HealthProbe, UnknownMetricsCommentsTimestampsAndCrlfAreTaken) {
  const std::string text =
      "# a comment\r\n"
      "\n"
      "   # HELP something else\n"
      "go_goroutines 12\n"
      "weird_metric{path=\"/a,b}\",x=\"\\\\\\\"\"} -Inf\n"
      "weird_nan NaN\n"
      "outpost_inference_requests_total{model=\"a\",} 7 1700000000000\r\n"
      "outpost_inference_requests_total{model=\"b\"} +3\n"
      "outpost_inference_failures_total{model=\"a\"}\t1e0\n"
      "outpost_inference_latency_seconds_bucket{le=\"0.1\",model=\"a\"} 7\n"
      "outpost_inference_latency_seconds_bucket{model=\"a\",le=\"+Inf\"} 10";  // no last newline
  auto sample = parse_serve_metrics(text);
  ASSERT_TRUE(sample.is_ok()) << sample.status().message();
  EXPECT_EQ(sample->requests, 10);
  EXPECT_EQ(sample->failures, 1);
  ASSERT_EQ(sample->latency_buckets.size(), 2u);
  EXPECT_EQ(sample->latency_buckets[0], std::make_pair(0.1, 7.0));
  EXPECT_EQ(sample->latency_buckets[1], std::make_pair(kInf, 10.0));

  EXPECT_TRUE(parse_serve_metrics("").is_ok());
  // Bytes of every value: an error or a sample, never a crash.
  std::string all;
  for (int c = 0; c < 256; ++c) all += static_cast<char>(c);
  EXPECT_FALSE(parse_serve_metrics(all).is_ok());
  EXPECT_FALSE(parse_serve_metrics(std::string(1 << 20, '{')).is_ok());
}

MetricsSample sample_of(double requests, double failures,
                        std::vector<std::pair<double, double>> buckets) {
  MetricsSample s;
  s.requests = requests;
  s.failures = failures;
  s.latency_buckets = std::move(buckets);
  return s;
}

TEST(HealthProbe, ARestartBetweenScrapesCountsFromZero) {
  const MetricsSample before = sample_of(1000, 10, {{0.01, 990}, {kInf, 1000}});
  const MetricsSample after = sample_of(20, 5, {{0.01, 20}, {kInf, 20}});
  const WindowHealth w = window_between(before, after);
  EXPECT_EQ(w.requests, 20);
  EXPECT_EQ(w.failures, 5);
  EXPECT_DOUBLE_EQ(*w.error_rate, 0.25);
  EXPECT_DOUBLE_EQ(*w.p99_ms, 10);
  // Other buckets (another build of serve) are a restart too.
  const MetricsSample other = sample_of(2000, 10, {{0.05, 2000}, {kInf, 2000}});
  EXPECT_EQ(window_between(before, other).requests, 2000);
  EXPECT_DOUBLE_EQ(*window_between(before, other).p99_ms, 50);
}

TEST(HealthProbe, JudgeWindowAgainstGates) {
  agent::HealthGates gates;
  gates.max_error_rate = 0.01;
  gates.max_p99_latency_ms = 100;
  WindowHealth good;
  good.requests = 160;
  good.failures = 1;
  good.error_rate = 1.0 / 160;
  good.p99_ms = 100;  // at the gate: passes
  GateVerdict v = judge_window(gates, good);
  EXPECT_TRUE(v.pass);
  EXPECT_EQ(v.reason, "");

  WindowHealth errors = good;
  errors.failures = 40;
  errors.error_rate = 0.25;
  v = judge_window(gates, errors);
  EXPECT_FALSE(v.pass);
  EXPECT_EQ(v.reason, "error rate 0.25 above the gate's 0.01 (40 of 160 requests failed)");

  WindowHealth slow = good;
  slow.p99_ms = 250;
  v = judge_window(gates, slow);
  EXPECT_FALSE(v.pass);
  EXPECT_EQ(v.reason, "p99 latency up to 250 ms, above the gate's 100 ms (160 requests)");

  WindowHealth both = errors;
  both.p99_ms = 250;
  v = judge_window(gates, both);
  EXPECT_FALSE(v.pass);
  EXPECT_NE(v.reason.find("error rate 0.25"), std::string::npos);
  EXPECT_NE(v.reason.find("; p99 latency up to 250 ms"), std::string::npos);

  // No requests: nothing failed, and the verdict says why it passed.
  v = judge_window(gates, WindowHealth{});
  EXPECT_TRUE(v.pass);
  EXPECT_NE(v.reason.find("no requests"), std::string::npos);
  // No gates: anything passes.
  v = judge_window(agent::HealthGates{}, both);
  EXPECT_TRUE(v.pass);
  EXPECT_EQ(v.reason, "");
}

// A real server on a free loopback port, with the add model loaded.
class ScrapedServer {
 public:
  explicit ScrapedServer(const std::string& token)
      : dir_(testing::make_temp_dir("outpost-health-probe")),
        models_(
            [](const std::string& path) {
              SessionOptions options;
              options.threads = 1;
              return Session::open(path, options);
            },
            &metrics_) {
    serve::ServerOptions options;
    options.port = 0;
    options.token = token;
    server_ = std::make_unique<serve::InferenceServer>(models_, metrics_, options);
    EXPECT_TRUE(models_.load("add", testing::write_model(dir_, "add.tflite", false)).is_ok());
    EXPECT_TRUE(server_->bind().is_ok());
    thread_ = std::thread([this] { (void)server_->serve(); });
  }
  ~ScrapedServer() {
    server_->stop();
    thread_.join();
    std::filesystem::remove_all(dir_);
  }
  int port() const { return server_->port(); }
  // One inference: a good one, or one with a tensor of the wrong shape (a failure).
  void infer(bool good, const std::string& token) {
    httplib::Client c("127.0.0.1", port());
    if (!token.empty()) c.set_bearer_token_auth(token);
    const std::string shape = good ? "[1, 2, 2, 1]" : "[1, 4]";
    const std::string body =
        "{\"inputs\": [{\"name\": \"a\", \"datatype\": \"FP32\", \"shape\": " + shape +
        ", \"data\": [1, 2, 3, 4]}, {\"name\": \"b\", \"datatype\": \"FP32\", "
        "\"shape\": [1, 2, 2, 1], \"data\": [1, 2, 3, 4]}]}";
    auto r = c.Post("/v2/models/add/infer", body, "application/json");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, good ? 200 : 400) << r->body;
  }

 private:
  std::string dir_;
  serve::Metrics metrics_;
  serve::ModelRepository models_;
  std::unique_ptr<serve::InferenceServer> server_;
  std::thread thread_;
};

TEST(HealthProbe, ScrapesARealServer) {
  ScrapedServer server("");
  auto start = scrape_serve_metrics("127.0.0.1", server.port(), "");
  ASSERT_TRUE(start.is_ok()) << start.status().message();
  EXPECT_EQ(start->requests, 0);
  for (int i = 0; i < 6; ++i) server.infer(true, "");
  for (int i = 0; i < 2; ++i) server.infer(false, "");
  auto end = scrape_serve_metrics("127.0.0.1", server.port(), "");
  ASSERT_TRUE(end.is_ok()) << end.status().message();
  const WindowHealth w = window_between(*start, *end);
  EXPECT_EQ(w.requests, 8);
  EXPECT_EQ(w.failures, 2);
  EXPECT_DOUBLE_EQ(*w.error_rate, 0.25);
  ASSERT_TRUE(w.p99_ms);
  agent::HealthGates gates;
  gates.max_error_rate = 0.1;
  const GateVerdict v = judge_window(gates, w);
  EXPECT_FALSE(v.pass);
  EXPECT_EQ(v.reason, "error rate 0.25 above the gate's 0.1 (2 of 8 requests failed)");
}

TEST(HealthProbe, ScrapesWithTheTokenAndIsRefusedWithoutIt) {
  const std::string token = "probe-token-123";
  ScrapedServer server(token);
  server.infer(true, token);
  auto sample = scrape_serve_metrics("127.0.0.1", server.port(), token);
  ASSERT_TRUE(sample.is_ok()) << sample.status().message();
  EXPECT_EQ(sample->requests, 1);
  for (const std::string& wrong : {std::string(), std::string("not-the-token")}) {
    auto refused = scrape_serve_metrics("127.0.0.1", server.port(), wrong);
    ASSERT_FALSE(refused.is_ok());
    EXPECT_EQ(refused.status().code(), StatusCode::kNetwork);
    EXPECT_NE(refused.status().message().find("HTTP 401"), std::string::npos)
        << refused.status().message();
  }
}

TEST(HealthProbe, NothingListeningIsANetworkErrorNamingTheAddress) {
  // A port that was free a moment ago: bind a socket to any port, note it, close it.
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof addr;
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &length), 0);
  ::close(fd);
  const int port = ntohs(addr.sin_port);
  auto r = scrape_serve_metrics("127.0.0.1", port, "", 1);
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), StatusCode::kNetwork);
  EXPECT_NE(r.status().message().find("http://127.0.0.1:" + std::to_string(port) + "/metrics"),
            std::string::npos)
      << r.status().message();
}

// A server that answers 200 with text that is not Prometheus: the parse error names the URL.
TEST(HealthProbe, NotPrometheusTextNamesTheUrlAndLine) {
  httplib::Server s;
  s.Get("/metrics", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("<html>hello</html>\n", "text/html");
  });
  const int port = s.bind_to_any_port("127.0.0.1");
  std::thread t([&] { s.listen_after_bind(); });
  auto r = scrape_serve_metrics("127.0.0.1", port, "", 5);
  s.stop();
  t.join();
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidModel);
  EXPECT_NE(r.status().message().find("/metrics: serve metrics, line 1"), std::string::npos)
      << r.status().message();
}

}  // namespace
}  // namespace outpost::agentd
