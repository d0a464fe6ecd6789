#include "agentd/health_probe.h"

#include <httplib.h>

#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <set>

namespace outpost::agentd {
namespace {

constexpr const char* kRequests = "outpost_inference_requests_total";
constexpr const char* kFailures = "outpost_inference_failures_total";
constexpr const char* kLatencyBucket = "outpost_inference_latency_seconds_bucket";
// serve's counters are uint64: a count above 2^64 is not one of them, and refusing it keeps the
// sums over models finite.
constexpr double kMaxCount = 18446744073709551616.0;
// /metrics of a serve module is a few KiB per model; far more is not a serve module.
constexpr size_t kMaxMetricsBytes = size_t{16} << 20;

// One sample line, `name{label="value",...} value [timestamp]`.
struct Sample {
  std::string name;
  std::vector<std::pair<std::string, std::string>> labels;
  double value = 0;
};

std::string format_number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

Status line_error(size_t line, const std::string& message) {
  return invalid_model("serve metrics, line " + std::to_string(line) + ": " + message);
}

bool is_name_char(char c, bool first, bool colon_ok) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_') return true;
  if (colon_ok && c == ':') return true;
  return !first && c >= '0' && c <= '9';
}

// A name at `pos` (metric names may hold ':', label names not); empty when there is none.
std::string read_name(std::string_view s, size_t& pos, bool colon_ok) {
  const size_t start = pos;
  while (pos < s.size() && is_name_char(s[pos], pos == start, colon_ok)) ++pos;
  return std::string(s.substr(start, pos - start));
}

void skip_blanks(std::string_view s, size_t& pos) {
  while (pos < s.size() && (s[pos] == ' ' || s[pos] == '\t')) ++pos;
}

// A quoted label value with the format's three escapes (\\, \", \n), `pos` on the opening quote.
Result<std::string> read_label_value(std::string_view s, size_t& pos, size_t line) {
  if (pos >= s.size() || s[pos] != '"')
    return line_error(line, "expected '\"' to open a label value");
  std::string value;
  for (++pos; pos < s.size(); ++pos) {
    const char c = s[pos];
    if (c == '"') {
      ++pos;
      return value;
    }
    if (c != '\\') {
      value += c;
      continue;
    }
    if (++pos >= s.size()) break;
    if (s[pos] == 'n') {
      value += '\n';
    } else if (s[pos] == '\\' || s[pos] == '"') {
      value += s[pos];
    } else {
      return line_error(line, std::string("unknown escape '\\") + s[pos] + "' in a label value");
    }
  }
  return line_error(line, "a label value is not closed by '\"'");
}

Result<std::vector<std::pair<std::string, std::string>>> read_labels(std::string_view s,
                                                                     size_t& pos, size_t line) {
  std::vector<std::pair<std::string, std::string>> labels;
  ++pos;  // '{'
  while (true) {
    skip_blanks(s, pos);
    if (pos < s.size() && s[pos] == '}') {
      ++pos;
      return labels;
    }
    std::string name = read_name(s, pos, false);
    if (name.empty()) return line_error(line, "expected a label name or '}'");
    for (const auto& l : labels)
      if (l.first == name) return line_error(line, "label '" + name + "' appears twice");
    skip_blanks(s, pos);
    if (pos >= s.size() || s[pos] != '=')
      return line_error(line, "expected '=' after label '" + name + "'");
    ++pos;
    skip_blanks(s, pos);
    OUTPOST_ASSIGN_OR_RETURN(std::string value, read_label_value(s, pos, line));
    labels.emplace_back(std::move(name), std::move(value));
    skip_blanks(s, pos);
    if (pos < s.size() && s[pos] == ',')
      ++pos;
    else if (pos >= s.size() || s[pos] != '}')
      return line_error(line, "expected ',' or '}' after a label");
  }
}

// A value as the format writes them: a decimal float, or NaN, +Inf, -Inf.
std::optional<double> parse_value(std::string_view text) {
  if (text == "NaN") return std::numeric_limits<double>::quiet_NaN();
  if (text == "+Inf" || text == "Inf") return std::numeric_limits<double>::infinity();
  if (text == "-Inf") return -std::numeric_limits<double>::infinity();
  if (!text.empty() && text[0] == '+') text.remove_prefix(1);
  // from_chars would also take "inf" and "nan" in any case; the format spells them as above.
  if (text.empty() ||
      !(std::isdigit(static_cast<unsigned char>(text[0])) || text[0] == '-' || text[0] == '.'))
    return std::nullopt;
  double v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return v;
}

std::string_view next_token(std::string_view s, size_t& pos) {
  skip_blanks(s, pos);
  const size_t start = pos;
  while (pos < s.size() && s[pos] != ' ' && s[pos] != '\t') ++pos;
  return s.substr(start, pos - start);
}

Result<Sample> parse_sample(std::string_view s, size_t line) {
  Sample sample;
  size_t pos = 0;
  sample.name = read_name(s, pos, true);
  if (sample.name.empty()) return line_error(line, "expected a metric name");
  if (pos < s.size() && s[pos] == '{') {
    OUTPOST_ASSIGN_OR_RETURN(sample.labels, read_labels(s, pos, line));
  }
  if (pos < s.size() && s[pos] != ' ' && s[pos] != '\t')
    return line_error(line, "expected a space after the metric name '" + sample.name + "'");
  const std::string_view value_text = next_token(s, pos);
  if (value_text.empty()) return line_error(line, "'" + sample.name + "' has no value");
  const auto value = parse_value(value_text);
  if (!value) return line_error(line, "'" + std::string(value_text) + "' is not a number");
  sample.value = *value;
  const std::string_view timestamp = next_token(s, pos);
  int64_t ms = 0;
  if (!timestamp.empty()) {
    const auto [end, ec] =
        std::from_chars(timestamp.data(), timestamp.data() + timestamp.size(), ms);
    if (ec != std::errc() || end != timestamp.data() + timestamp.size())
      return line_error(line, "'" + std::string(timestamp) + "' is not a timestamp");
  }
  if (!next_token(s, pos).empty()) return line_error(line, "unexpected text after the value");
  return sample;
}

// A count of serve's: a whole number from 0 to 2^64.
Result<double> count_of(const Sample& sample, size_t line) {
  const double v = sample.value;
  if (!(v >= 0 && v <= kMaxCount) || std::floor(v) != v)
    return line_error(line, sample.name + " " + format_number(v) +
                                " is not a count (a whole number from 0 to 2^64)");
  return v;
}

// The label set without `le`, which names a series (a model's histogram).
std::string series_key(const Sample& sample) {
  std::string key;
  for (const auto& [name, value] : sample.labels)
    if (name != "le") key += name + "=\"" + value + "\",";
  return key;
}

// Per series (model), its buckets: upper bound -> cumulative count.
using Histograms = std::map<std::string, std::map<double, double>>;

Status add_bucket(const Sample& sample, size_t line, Histograms& histograms) {
  const std::string* le = nullptr;
  for (const auto& [name, value] : sample.labels)
    if (name == "le") le = &value;
  if (le == nullptr) return line_error(line, std::string(kLatencyBucket) + " has no 'le' label");
  const auto bound = parse_value(*le);
  if (!bound || std::isnan(*bound)) return line_error(line, "le=\"" + *le + "\" is not a number");
  OUTPOST_ASSIGN_OR_RETURN(const double count, count_of(sample, line));
  if (!histograms[series_key(sample)].emplace(*bound, count).second)
    return line_error(line, "a second bucket le=\"" + *le + "\" for the same series");
  return Status::ok();
}

// The histograms summed over models: every model must have the same bounds, +Inf among them,
// and counts that do not go down as the bound grows.
Result<std::vector<std::pair<double, double>>> sum_histograms(const Histograms& histograms) {
  std::map<double, double> sum;
  const std::map<double, double>* first = nullptr;
  for (const auto& [series, buckets] : histograms) {
    const std::string who = "serve metrics: " + std::string(kLatencyBucket) + "{" + series + "}";
    if (std::isinf(buckets.rbegin()->first) == false)
      return invalid_model(who + " has no le=\"+Inf\" bucket");
    double previous = 0;
    for (const auto& [bound, count] : buckets) {
      if (count < previous)
        return invalid_model(who + ": the count of bucket le=" + format_number(bound) +
                             " is below the one before it (buckets are cumulative)");
      previous = count;
    }
    if (first == nullptr) first = &buckets;
    bool same_bounds = buckets.size() == first->size();
    for (auto a = buckets.begin(), b = first->begin(); same_bounds && a != buckets.end(); ++a, ++b)
      same_bounds = a->first == b->first;
    if (!same_bounds) return invalid_model(who + " has other buckets than the other models");
    for (const auto& [bound, count] : buckets) sum[bound] += count;
  }
  return std::vector<std::pair<double, double>>(sum.begin(), sum.end());
}

// True when a counter of `end` is below the same one of `start`: the process restarted.
bool counters_went_down(const MetricsSample& start, const MetricsSample& end) {
  if (end.requests < start.requests || end.failures < start.failures) return true;
  if (start.latency_buckets.size() != end.latency_buckets.size())
    return !start.latency_buckets.empty();
  for (size_t i = 0; i < end.latency_buckets.size(); ++i) {
    if (start.latency_buckets[i].first != end.latency_buckets[i].first) return true;
    if (end.latency_buckets[i].second < start.latency_buckets[i].second) return true;
  }
  return false;
}

}  // namespace

Result<MetricsSample> parse_serve_metrics(std::string_view text) {
  MetricsSample out;
  Histograms histograms;
  std::set<std::string> seen;  // known counters' series, each allowed once
  size_t line_number = 0;
  while (!text.empty()) {
    ++line_number;
    const size_t eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text.remove_prefix(eol == std::string_view::npos ? text.size() : eol + 1);
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t' || line.back() == '\r'))
      line.remove_suffix(1);
    size_t start = 0;
    skip_blanks(line, start);
    line.remove_prefix(start);
    if (line.empty() || line[0] == '#') continue;  // blank, comment, HELP or TYPE
    OUTPOST_ASSIGN_OR_RETURN(const Sample sample, parse_sample(line, line_number));
    const bool requests = sample.name == kRequests, failures = sample.name == kFailures;
    if (requests || failures) {
      if (!seen.insert(sample.name + "{" + series_key(sample) + "}").second)
        return line_error(line_number, sample.name + " appears twice for the same labels");
      OUTPOST_ASSIGN_OR_RETURN(const double count, count_of(sample, line_number));
      (requests ? out.requests : out.failures) += count;
    } else if (sample.name == kLatencyBucket) {
      OUTPOST_RETURN_IF_ERROR(add_bucket(sample, line_number, histograms));
    }
  }
  OUTPOST_ASSIGN_OR_RETURN(out.latency_buckets, sum_histograms(histograms));
  return out;
}

Result<MetricsSample> scrape_serve_metrics(const std::string& host, int port,
                                           const std::string& token, double timeout_s) {
  const std::string url = "http://" + host + ":" + std::to_string(port) + "/metrics";
  const auto whole = static_cast<time_t>(timeout_s);
  const auto micros = static_cast<time_t>((timeout_s - static_cast<double>(whole)) * 1e6);
  httplib::Client client(host, port);
  client.set_connection_timeout(whole, micros);
  client.set_read_timeout(whole, micros);
  client.set_write_timeout(whole, micros);
  if (!token.empty()) client.set_bearer_token_auth(token);
  // The read timeout is per read: a server that trickles bytes is stopped by this deadline.
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                            std::chrono::duration<double>(timeout_s));
  std::string body;
  bool too_large = false, too_slow = false;
  auto result = client.Get("/metrics", httplib::Headers{}, [&](const char* data, size_t size) {
    too_slow = std::chrono::steady_clock::now() > deadline;
    too_large = body.size() + size > kMaxMetricsBytes;
    if (too_slow || too_large) return false;
    body.append(data, size);
    return true;
  });
  const std::string timeout = format_number(timeout_s) + " s";
  if (too_large)
    return Status(StatusCode::kNetwork,
                  url + ": the answer is larger than 16 MiB, not serve's metrics");
  if (too_slow) return Status(StatusCode::kNetwork, url + ": no whole answer within " + timeout);
  if (!result)
    return Status(StatusCode::kNetwork, url + ": no answer within " + timeout + " (" +
                                            httplib::to_string(result.error()) + ")");
  if (result->status != 200)
    return Status(StatusCode::kNetwork,
                  url + ": HTTP " + std::to_string(result->status) +
                      (result->status == 401 ? " (the module's token was not accepted)" : ""));
  auto sample = parse_serve_metrics(body);
  if (!sample.is_ok()) return sample.status().with_context(url);
  return sample;
}

WindowHealth window_between(const MetricsSample& start, const MetricsSample& end) {
  // After a restart the counters began again from zero, so everything `end` counts is new.
  const MetricsSample zero;
  const MetricsSample& from = counters_went_down(start, end) ? zero : start;
  WindowHealth w;
  w.requests = end.requests - from.requests;
  w.failures = end.failures - from.failures;
  if (w.requests <= 0) return w;
  w.error_rate = w.failures / w.requests;
  if (end.latency_buckets.empty()) return w;
  auto in_window = [&](size_t i) {
    return end.latency_buckets[i].second -
           (from.latency_buckets.empty() ? 0 : from.latency_buckets[i].second);
  };
  const double total = in_window(end.latency_buckets.size() - 1);  // the +Inf bucket
  if (total <= 0) return w;
  for (size_t i = 0; i < end.latency_buckets.size(); ++i) {
    // count >= 0.99 * total, in whole numbers so that 0.99's binary rounding cannot tip it.
    if (in_window(i) * 100 >= total * 99) {
      w.p99_ms = end.latency_buckets[i].first * 1000;
      break;
    }
  }
  return w;
}

GateVerdict judge_window(const agent::HealthGates& gates, const WindowHealth& window) {
  GateVerdict v;
  const bool any_gate = gates.max_error_rate || gates.max_p99_latency_ms;
  if (!window.error_rate) {
    if (any_gate) v.reason = "no requests in the window: the error-rate and latency gates pass";
    return v;
  }
  std::string failed;
  if (gates.max_error_rate && *window.error_rate > *gates.max_error_rate)
    failed = "error rate " + format_number(*window.error_rate) + " above the gate's " +
             format_number(*gates.max_error_rate) + " (" + format_number(window.failures) + " of " +
             format_number(window.requests) + " requests failed)";
  // The histogram only says the p99 is at most its bucket's bound: the gate holds when that
  // bound is within it, so a pass is certain and a failure may be up to one bucket early.
  if (gates.max_p99_latency_ms && window.p99_ms && *window.p99_ms > *gates.max_p99_latency_ms) {
    if (!failed.empty()) failed += "; ";
    const std::string p99 = std::isinf(*window.p99_ms)
                                ? std::string("above the histogram's largest bucket")
                                : "up to " + format_number(*window.p99_ms) + " ms";
    failed += "p99 latency " + p99 + ", above the gate's " +
              format_number(*gates.max_p99_latency_ms) + " ms (" + format_number(window.requests) +
              " requests)";
  }
  if (!failed.empty()) {
    v.pass = false;
    v.reason = failed;
  }
  return v;
}

}  // namespace outpost::agentd
