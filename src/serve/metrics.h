// What `GET /metrics` reports, in Prometheus' text format: per model, requests, failures, a
// latency histogram, the time requests waited for the model's session, and model loads; per
// server, requests refused before reaching a model; per process, resident memory.
#pragma once

#include <array>
#include <map>
#include <mutex>
#include <string>

namespace outpost::serve {

class Metrics {
 public:
  // Upper bounds (seconds) of the latency and queue-time histograms' buckets, +Inf aside.
  static constexpr std::array<double, 12> kBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                      0.05,   0.1,   0.25,   0.5,   1.0,  2.5};

  // One inference request to `model`: whether it succeeded, its time in the server and, of
  // that, how long it waited for the session.
  void record_inference(const std::string& model, bool ok, double seconds, double queue_seconds);
  // One load (or reload) of `model` and how long opening its session took.
  void record_load(const std::string& model, bool ok, double seconds);
  // A request refused before any model saw it: "unauthorized", "body_too_large", "busy".
  void record_refusal(const std::string& reason);

  std::string prometheus_text() const;

 private:
  struct Histogram {
    std::array<uint64_t, kBuckets.size()> counts{};  // not cumulative; summed when printed
    uint64_t count = 0;
    double sum = 0;
    void observe(double seconds);
  };
  struct ModelMetrics {
    uint64_t requests = 0, failures = 0, loads = 0, load_failures = 0;
    double last_load_seconds = 0;
    Histogram latency, queue;
  };
  mutable std::mutex mutex_;
  std::map<std::string, ModelMetrics> models_;
  std::map<std::string, uint64_t> refusals_;
};

// Resident set size of this process in bytes (0 where /proc is not mounted).
size_t resident_bytes();

}  // namespace outpost::serve
