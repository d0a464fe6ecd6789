// Health gates (agent/manifest.h HealthGates) judged from what a serve module reports on its
// Prometheus `/metrics` (src/serve/metrics.h): the requests, failures and latency histogram of
// the probation window are the difference between two scrapes, summed over the models.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "agent/manifest.h"
#include "outpost/status.h"

namespace outpost::agentd {

// One scrape, summed over models.
struct MetricsSample {
  double requests = 0;  // outpost_inference_requests_total
  double failures = 0;  // outpost_inference_failures_total
  // outpost_inference_latency_seconds buckets: (upper bound in s, cumulative count), ascending,
  // +Inf last as infinity.
  std::vector<std::pair<double, double>> latency_buckets;
};

// Parses serve's /metrics text. kInvalidModel naming the line for text that is not the
// Prometheus text format; metrics it does not know are skipped.
Result<MetricsSample> parse_serve_metrics(std::string_view prometheus_text);

// GET http://HOST:PORT/metrics (with the bearer token when not empty). kNetwork naming the
// address when it does not answer 200 within `timeout_s`.
Result<MetricsSample> scrape_serve_metrics(const std::string& host, int port,
                                           const std::string& token, double timeout_s = 5);

// The window between two scrapes of the same process (counters only grow; a restart in
// between, seen as a counter going down, counts from zero).
struct WindowHealth {
  double requests = 0, failures = 0;
  std::optional<double> error_rate;  // none without requests
  // The upper bound of the bucket holding the 99th percentile, in ms (the histogram's
  // resolution); none without requests; infinity when it is in the +Inf bucket.
  std::optional<double> p99_ms;
};
WindowHealth window_between(const MetricsSample& start, const MetricsSample& end);

struct GateVerdict {
  bool pass = true;
  std::string reason;  // for a failed gate: "error rate 0.25 above the gate's 0.01 (40 of 160
                       // requests failed)"; empty when passing
};

// The gates a window can judge: max_error_rate and max_p99_latency_ms. A gate with no
// requests to judge passes (nothing failed), and says so in `reason`.
GateVerdict judge_window(const agent::HealthGates& gates, const WindowHealth& window);

}  // namespace outpost::agentd
