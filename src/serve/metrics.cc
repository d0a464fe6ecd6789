#include "serve/metrics.h"

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

namespace outpost::serve {
namespace {

// Label values are quoted; a model name may hold any character a client gave it.
std::string label(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

void write_histogram(std::ostringstream& out, const char* metric, const std::string& model,
                     const auto& h, const auto& buckets) {
  uint64_t cumulative = 0;
  for (size_t i = 0; i < buckets.size(); ++i) {
    cumulative += h.counts[i];
    out << metric << "_bucket{model=\"" << label(model) << "\",le=\"" << number(buckets[i])
        << "\"} " << cumulative << "\n";
  }
  out << metric << "_bucket{model=\"" << label(model) << "\",le=\"+Inf\"} " << h.count << "\n";
  out << metric << "_sum{model=\"" << label(model) << "\"} " << number(h.sum) << "\n";
  out << metric << "_count{model=\"" << label(model) << "\"} " << h.count << "\n";
}

}  // namespace

void Metrics::Histogram::observe(double seconds) {
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) {
      ++counts[i];
      break;
    }
  }
  ++count;
  sum += seconds;
}

void Metrics::record_inference(const std::string& model, bool ok, double seconds,
                               double queue_seconds) {
  std::lock_guard<std::mutex> lock(mutex_);
  ModelMetrics& m = models_[model];
  ++m.requests;
  if (!ok) ++m.failures;
  m.latency.observe(seconds);
  m.queue.observe(queue_seconds);
}

void Metrics::record_load(const std::string& model, bool ok, double seconds) {
  std::lock_guard<std::mutex> lock(mutex_);
  ModelMetrics& m = models_[model];
  ++m.loads;
  if (!ok) ++m.load_failures;
  if (ok) m.last_load_seconds = seconds;
}

void Metrics::record_refusal(const std::string& reason) {
  std::lock_guard<std::mutex> lock(mutex_);
  ++refusals_[reason];
}

std::string Metrics::prometheus_text() const {
  std::ostringstream out;
  std::lock_guard<std::mutex> lock(mutex_);
  auto counter = [&](const char* metric, const char* help, auto field) {
    out << "# HELP " << metric << " " << help << "\n# TYPE " << metric << " counter\n";
    for (const auto& [model, m] : models_)
      out << metric << "{model=\"" << label(model) << "\"} " << field(m) << "\n";
  };
  counter("outpost_inference_requests_total", "Inference requests received, per model.",
          [](const ModelMetrics& m) { return m.requests; });
  counter("outpost_inference_failures_total", "Inference requests that failed, per model.",
          [](const ModelMetrics& m) { return m.failures; });
  out << "# HELP outpost_inference_latency_seconds Time from request to response, per model.\n"
         "# TYPE outpost_inference_latency_seconds histogram\n";
  for (const auto& [model, m] : models_)
    write_histogram(out, "outpost_inference_latency_seconds", model, m.latency, kBuckets);
  out << "# HELP outpost_inference_queue_seconds Time a request waited for its model's session.\n"
         "# TYPE outpost_inference_queue_seconds histogram\n";
  for (const auto& [model, m] : models_)
    write_histogram(out, "outpost_inference_queue_seconds", model, m.queue, kBuckets);
  counter("outpost_model_loads_total", "Loads and reloads of a model, failed ones included.",
          [](const ModelMetrics& m) { return m.loads; });
  counter("outpost_model_load_failures_total", "Loads of a model that failed.",
          [](const ModelMetrics& m) { return m.load_failures; });
  out << "# HELP outpost_model_load_seconds Time the last successful load of a model took.\n"
         "# TYPE outpost_model_load_seconds gauge\n";
  for (const auto& [model, m] : models_)
    out << "outpost_model_load_seconds{model=\"" << label(model) << "\"} "
        << number(m.last_load_seconds) << "\n";
  out << "# HELP outpost_http_refused_total Requests refused before reaching a model.\n"
         "# TYPE outpost_http_refused_total counter\n";
  for (const auto& [reason, n] : refusals_)
    out << "outpost_http_refused_total{reason=\"" << label(reason) << "\"} " << n << "\n";
  out << "# HELP process_resident_memory_bytes Resident memory size in bytes.\n"
         "# TYPE process_resident_memory_bytes gauge\n"
      << "process_resident_memory_bytes " << resident_bytes() << "\n";
  return out.str();
}

size_t resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  size_t total_pages = 0, resident_pages = 0;
  if (!(statm >> total_pages >> resident_pages)) return 0;
  return resident_pages * static_cast<size_t>(sysconf(_SC_PAGESIZE));
}

}  // namespace outpost::serve
