// outpost.pipeline's native half: a pipeline file prepared as `outpost pipeline run` prepares
// it, run on a thread of its own, whose events a Python iterator takes one at a time (the GIL
// released while it waits). A consumer that stops iterating stops the run as Ctrl-C does: the
// frames already read finish, the sinks close their files.
#include <pybind11/stl.h>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>

#include "bundle/trust_policy.h"
#include "core/json_text.h"
#include "pipeline_file/prepared_pipeline.h"
#include "py_bindings.h"
#include "py_errors.h"
#include "py_session.h"

namespace outpost::python {

namespace py = pybind11;

namespace {

// Events between the pipeline's sink thread and the Python consumer. Bounded by the file's
// queue size, as every other stage is, so that a slow consumer slows the pipeline (a live
// source then drops frames, as it does for a slow model) instead of growing memory, and a
// consumer that stops soon after an event stops the run soon after that frame; once the
// consumer has gone, events are let go.
class EventQueue {
 public:
  void set_capacity(size_t capacity) { capacity_ = capacity > 0 ? capacity : 1; }
  void push(std::string line) {
    std::unique_lock<std::mutex> lock(mutex_);
    space_.wait(lock, [&] { return events_.size() < capacity_ || abandoned_; });
    if (abandoned_) return;
    events_.push_back(std::move(line));
    ready_.notify_one();
  }
  void finish() {
    std::lock_guard<std::mutex> lock(mutex_);
    finished_ = true;
    ready_.notify_all();
  }
  void abandon() {
    std::lock_guard<std::mutex> lock(mutex_);
    abandoned_ = true;
    events_.clear();
    space_.notify_all();
  }
  // The next event, or nothing once the run has finished and every event was taken.
  std::optional<std::string> pop() {
    std::unique_lock<std::mutex> lock(mutex_);
    ready_.wait(lock, [&] { return !events_.empty() || finished_; });
    if (events_.empty()) return std::nullopt;
    std::string line = std::move(events_.front());
    events_.pop_front();
    space_.notify_one();
    return line;
  }

 private:
  size_t capacity_ = 4;
  std::mutex mutex_;
  std::condition_variable ready_, space_;
  std::deque<std::string> events_;
  bool finished_ = false, abandoned_ = false;
};

class QueueSink : public Sink {
 public:
  explicit QueueSink(EventQueue& queue) : queue_(queue) {}
  Status write(const Frame&, const nlohmann::json& event, const Image*) override {
    queue_.push(json_line(event));
    return Status::ok();
  }
  Status write_failure(const Frame&, const nlohmann::json& event) override {
    queue_.push(json_line(event));
    return Status::ok();
  }

 private:
  EventQueue& queue_;
};

class PipelineRun {
 public:
  PipelineRun(const std::string& spec_text, const std::string& base_dir, const std::string& what,
              const std::optional<std::string>& trust_dir, const std::optional<std::string>& device_key,
              bool allow_unsigned, int threads, const std::string& backend) {
    PipelineSpec spec = take(parse_pipeline_spec(spec_text, base_dir, what));
    queue_.set_capacity(spec.queue_size);
    bundle::TrustPolicy policy;
    if (trust_dir) policy.trust = take(bundle::TrustStore::load(*trust_dir));
    if (device_key) policy.device_key = take(bundle::read_key_file(*device_key));
    policy.allow_unsigned = allow_unsigned;
    SessionOptions options = session_options(threads, backend, "", py::dict(), 0);
    Result<bundle::TrustedModel> loaded = internal_error("not loaded");
    {
      py::gil_scoped_release unlocked;
      loaded = bundle::load_trusted_model(spec.model, policy, options);
    }
    bundle::TrustedModel model = take(std::move(loaded));
    std::unique_ptr<Session> session = std::move(model.session);
    std::vector<std::unique_ptr<Sink>> extra;
    extra.push_back(std::make_unique<QueueSink>(queue_));
    prepared_ = take(prepare_pipeline(std::move(spec), std::move(session), model, std::move(extra)));
    what_ = what;
    thread_ = std::thread([this] { run(); });
  }
  ~PipelineRun() {
    stop();
    join();
  }
  PipelineRun(const PipelineRun&) = delete;
  PipelineRun& operator=(const PipelineRun&) = delete;

  std::optional<std::string> next_event() {
    py::gil_scoped_release unlocked;
    return queue_.pop();
  }
  // Ends the run early; events not yet taken are let go.
  void stop() {
    stop_.request();
    queue_.abandon();
  }
  // Waits for the run to end; its statistics, or the error that ended it (or the first frame
  // the source could not read, as the CLI's exit code says).
  py::dict finish() {
    join();
    if (!result_->is_ok()) throw_status(result_->status().with_context(what_));
    const PipelineStats& s = **result_;
    py::dict stats;
    stats["frames"] = s.frames;
    stats["dropped"] = s.dropped;
    stats["failed"] = s.failed;
    stats["reconnects"] = s.reconnects;
    stats["stopped"] = s.stopped;
    stats["seconds"] = s.wall_seconds;
    stats["frames_per_second"] = s.frames_per_second();
    check(pipeline_outcome(s));
    return stats;
  }

 private:
  void run() {
    PipelineOptions o = prepared_->options();
    o.stop = &stop_;
    result_ = run_pipeline(*prepared_->source, *prepared_->task, prepared_->sinks, o);
    queue_.finish();
  }
  void join() {
    if (!thread_.joinable()) return;
    py::gil_scoped_release unlocked;
    thread_.join();
  }

  EventQueue queue_;
  PipelineStop stop_;
  std::optional<PreparedPipeline> prepared_;
  std::optional<Result<PipelineStats>> result_;
  std::string what_;
  std::thread thread_;
};

}  // namespace

void bind_pipeline(py::module_& m) {
  py::class_<PipelineRun>(m, "PipelineRun")
      .def(py::init<const std::string&, const std::string&, const std::string&,
                    const std::optional<std::string>&, const std::optional<std::string>&, bool, int,
                    const std::string&>(),
           py::arg("spec_text"), py::arg("base_dir"), py::arg("what"), py::arg("trust_dir"),
           py::arg("device_key"), py::arg("allow_unsigned"), py::arg("threads"), py::arg("backend"))
      .def("next_event", &PipelineRun::next_event)
      .def("stop", &PipelineRun::stop)
      .def("finish", &PipelineRun::finish);
}

}  // namespace outpost::python
