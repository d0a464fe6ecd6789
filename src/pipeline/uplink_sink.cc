#include "pipeline/uplink_sink.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <map>
#include <thread>

#include "core/json_text.h"
#include "core/uplink_client.h"
#include "core/wall_clock.h"

namespace outpost {
namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;


Clock::duration seconds(double s) {
  return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(s));
}

class UplinkSink final : public Sink {
 public:
  explicit UplinkSink(UplinkSinkOptions options)
      : options_(std::move(options)),
        client_(options_.socket_path, /*answer_timeout_s=*/5),
        backoff_s_(options_.retry_min_s),
        window_start_(Clock::now()) {}

  Status write(const Frame&, const json& event, const Image*) override {
    ++window_frames_;
    enqueue("events", event);
    if (options_.metrics_interval_s > 0 &&
        Clock::now() - window_start_ >= seconds(options_.metrics_interval_s))
      enqueue_metrics();
    pump();
    return Status::ok();
  }

  Status write_failure(const Frame&, const json& event) override {
    ++window_failed_;
    enqueue("events", event);
    pump();
    return Status::ok();
  }

  Status finish() override {
    if (options_.metrics_interval_s > 0 && (window_frames_ > 0 || window_failed_ > 0))
      enqueue_metrics();
    const auto deadline = Clock::now() + seconds(options_.finish_timeout_s);
    next_attempt_ = Clock::now();
    while (!pending_.empty() || has_unreported_losses()) {
      pump();
      if (pending_.empty() && !has_unreported_losses()) break;
      if (Clock::now() >= deadline) break;
      std::this_thread::sleep_for(std::min(seconds(options_.retry_min_s), deadline - Clock::now()));
      next_attempt_ = Clock::now();
    }
    for (const Pending& p : pending_) lose(p);
    pending_.clear();
    if (has_unreported_losses()) {  // one last try to say what was lost
      next_attempt_ = Clock::now();
      pump();
    }
    const int64_t unreported = this->unreported();
    if (unreported == 0) return Status::ok();
    return {StatusCode::kNetwork,
            std::to_string(unreported) + " message(s) could not be handed to the device agent at '" +
                options_.socket_path + "', nor their loss reported to it" +
                (last_error_.empty() ? std::string() : " (" + last_error_ + ")")};
  }

  json summary() const override {
    return {{"uplink",
             {{"stored", stored_}, {"refused", refused_}, {"lost", lost_}, {"lost_unreported", unreported()}}}};
  }

  std::string summary_line() const override {
    return "uplink: " + std::to_string(stored_) + " events and samples stored by the agent, " +
           std::to_string(refused_) + " refused by its outbox, " + std::to_string(lost_) +
           " lost before reaching it (" + std::to_string(unreported()) + " of them not reported)";
  }

 private:
  struct Pending {
    std::string message_class;
    json body;
    int64_t at_ms = 0;
  };
  struct Loss {
    int64_t count = 0, bytes = 0, first_ms = 0, last_ms = 0;
  };

  void enqueue(const std::string& message_class, const json& body) {
    if (pending_.size() >= options_.max_pending) {
      lose(pending_.front());
      pending_.pop_front();
    }
    pending_.push_back({message_class, body, unix_now_ms()});
  }

  void enqueue_metrics() {
    const double interval = std::chrono::duration<double>(Clock::now() - window_start_).count();
    enqueue("metrics", {{"type", "pipeline_metrics"},
                        {"interval_s", interval},
                        {"frames", window_frames_},
                        {"failed", window_failed_},
                        {"fps", interval > 0 ? static_cast<double>(window_frames_) / interval : 0.0},
                        {"events_waiting", pending_.size()}});
    window_start_ = Clock::now();
    window_frames_ = window_failed_ = 0;
  }

  void lose(const Pending& p) {
    Loss& loss = unreported_[p.message_class];
    if (loss.count == 0) loss.first_ms = p.at_ms;
    loss.first_ms = std::min(loss.first_ms, p.at_ms);
    loss.last_ms = std::max(loss.last_ms, p.at_ms);
    ++loss.count;
    loss.bytes += static_cast<int64_t>(json_line(p.body).size());
    ++lost_;
  }

  bool has_unreported_losses() const { return !unreported_.empty(); }
  int64_t unreported() const {
    int64_t n = 0;
    for (const auto& [cls, loss] : unreported_) n += loss.count;
    return n;
  }

  // Hands over what waits (the losses first, so they are reported in order), unless the agent
  // failed recently and its back-off has not passed.
  void pump() {
    if (Clock::now() < next_attempt_) return;
    for (auto it = unreported_.begin(); it != unreported_.end();) {
      const Loss& l = it->second;
      Status s = client_.report_drops(it->first, l.count, l.bytes, l.first_ms, l.last_ms);
      if (!s.is_ok()) return failed(s);
      it = unreported_.erase(it);
    }
    while (!pending_.empty()) {
      auto sent = client_.send(pending_.front().message_class, pending_.front().body);
      if (!sent.is_ok() && sent.status().code() == StatusCode::kNetwork) return failed(sent.status());
      if (!sent.is_ok()) {  // the agent refuses this message itself (too large): it is lost
        std::fprintf(stderr, "outpost: uplink sink: %s\n", sent.status().message().c_str());
        lose(pending_.front());
      } else if (*sent > 0) {
        ++stored_;
      } else {
        ++refused_;
      }
      pending_.pop_front();
    }
    if (!last_error_.empty())
      std::fprintf(stderr, "outpost: uplink sink: the device agent answers again\n");
    last_error_.clear();
    backoff_s_ = options_.retry_min_s;
  }

  void failed(const Status& s) {
    if (last_error_.empty())  // once per outage, not at every retry
      std::fprintf(stderr,
                   "outpost: uplink sink: %s; events wait in memory (up to %zu, then the oldest "
                   "are dropped and reported)\n",
                   s.message().c_str(), options_.max_pending);
    last_error_ = s.message();
    next_attempt_ = Clock::now() + seconds(backoff_s_);
    backoff_s_ = std::min(backoff_s_ * 2, options_.retry_max_s);
  }

  UplinkSinkOptions options_;
  UplinkClient client_;
  std::deque<Pending> pending_;
  std::map<std::string, Loss> unreported_;  // by class: lost and not yet told to the agent
  int64_t stored_ = 0, refused_ = 0, lost_ = 0;
  std::string last_error_;  // non-empty while the agent does not answer
  Clock::time_point next_attempt_{};
  double backoff_s_;
  Clock::time_point window_start_;
  int64_t window_frames_ = 0, window_failed_ = 0;
};

}  // namespace

Result<std::unique_ptr<Sink>> make_uplink_sink(UplinkSinkOptions options) {
  if (options.socket_path.empty())
    return usage_error(
        "the uplink sink needs the device agent's socket: run the pipeline as a module of "
        "`outpost agent` with an uplink (which sets " +
        std::string(kUplinkSocketEnv) + "), or give the sink a \"socket\"");
  if (options.max_pending == 0) return usage_error("the uplink sink's max_pending must be 1 or more");
  return std::unique_ptr<Sink>(std::make_unique<UplinkSink>(std::move(options)));
}

}  // namespace outpost
