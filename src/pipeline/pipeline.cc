#include "pipeline/pipeline.h"

#include <chrono>
#include <exception>
#include <mutex>
#include <thread>

#include "pipeline/bounded_queue.h"

namespace outpost {
namespace {

double seconds_now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

struct Processed {
  Frame frame;
  nlohmann::json event;
  std::optional<Image> annotated;
};

// The first error any stage reports; later ones are consequences of stopping.
class FirstError {
 public:
  void set(Status s) {
    std::lock_guard lock(mutex_);
    if (status_.is_ok()) status_ = std::move(s);
  }
  Status get() const {
    std::lock_guard lock(mutex_);
    return status_;
  }

 private:
  mutable std::mutex mutex_;
  Status status_ = Status::ok();
};

// The event of a frame the source could not read: where it was, and why, in the shape the
// CLI's --json errors have.
nlohmann::json failure_event(const Frame& frame) {
  nlohmann::json j{{"frame", frame.index}, {"source", frame.origin}};
  if (frame.seconds == frame.seconds) j["seconds"] = frame.seconds;  // not NaN
  j["error"] = {{"exit_code", frame.error.exit_code()},
                {"category", status_code_name(frame.error.code())},
                {"message", frame.error.message()}};
  return j;
}

// Runs one stage's body; an exception from a library (a JSON, allocation or codec error) ends
// the run as an internal error instead of escaping its thread, which would abort the process.
template <typename Body>
void guarded(FirstError& error, const char* stage, Body body) {
  try {
    body();
  } catch (const std::exception& e) {
    error.set(internal_error(std::string("pipeline ") + stage + ": " + e.what()));
  } catch (...) {
    error.set(internal_error(std::string("pipeline ") + stage + ": unknown exception"));
  }
}

}  // namespace

void PipelineStop::request() {
  requested_ = true;
  std::lock_guard lock(mutex_);
  if (source_) source_->cancel();
}

void PipelineStop::attach(FrameSource* source) {
  std::lock_guard lock(mutex_);
  source_ = source;
  if (requested_) source_->cancel();
}

void PipelineStop::detach() {
  std::lock_guard lock(mutex_);
  source_ = nullptr;
}

Result<PipelineStats> run_pipeline(FrameSource& source, VisionTask& task,
                                   std::vector<std::unique_ptr<Sink>>& sinks,
                                   const PipelineOptions& options) {
  BoundedQueue<Frame> frames(options.queue_size);
  BoundedQueue<Processed> results(options.queue_size);
  FirstError error;
  PipelineStop* stop = options.stop;
  const auto stopping = [stop] { return stop && stop->requested(); };
  bool want_annotated = false;
  for (const auto& s : sinks) want_annotated = want_annotated || s->wants_annotated();
  double source_seconds = 0;
  TaskTimes task_times;
  const double start = seconds_now();
  // Stops every stage after a failure of the task or a sink: nothing more is read, queued
  // frames are abandoned. (After a source failure the frames already read still go through.)
  std::atomic<bool> abandoned{false};
  const auto abandon = [&] {
    abandoned = true;
    frames.close();
    results.close();
    source.cancel();  // a live source may be waiting on its camera or server
  };
  if (stop) stop->attach(&source);

  std::thread reader([&] {
    guarded(error, "source", [&] {
      for (int64_t n = 0; options.max_frames < 0 || n < options.max_frames; ++n) {
        if (stopping()) break;
        const double t = seconds_now();
        auto frame = source.next();
        source_seconds += seconds_now() - t;
        // A stop cancels the source, whose next() then fails or returns a frame read after
        // the request: either way the run ends here, cleanly.
        if (stopping()) break;
        if (!frame.is_ok()) {
          error.set(frame.status());
          break;
        }
        if (!frame->has_value()) break;
        if (!frames.push(std::move(**frame), source.live())) break;  // closed: stopping
      }
    });
    frames.close();
  });
  std::thread worker([&] {
    guarded(error, "task", [&] {
      while (auto frame = frames.pop()) {
        Processed p;
        if (!frame->error.is_ok()) {
          p.event = failure_event(*frame);
        } else {
          if (want_annotated) p.annotated = frame->image;
          auto event = task.process(*frame, p.annotated ? &*p.annotated : nullptr, &task_times);
          if (!event.is_ok()) {
            error.set(event.status().with_context(frame->origin + " frame " +
                                                  std::to_string(frame->index)));
            abandon();
            break;
          }
          p.event = std::move(*event);
        }
        p.frame = std::move(*frame);
        if (!results.push(std::move(p))) break;
      }
    });
    results.close();
  });

  PipelineStats stats;
  double sink_seconds = 0;
  guarded(error, "sinks", [&] {
    while (auto p = results.pop()) {
      const double t = seconds_now();
      const bool failed = !p->frame.error.is_ok();
      for (auto& sink : sinks) {
        Status s = failed
                       ? sink->write_failure(p->frame, p->event)
                       : sink->write(p->frame, p->event, p->annotated ? &*p->annotated : nullptr);
        if (!s.is_ok()) {
          error.set(std::move(s));
          abandon();
          break;
        }
      }
      sink_seconds += seconds_now() - t;
      if (abandoned) break;
      if (failed) {
        if (stats.failed++ == 0) stats.first_failure = p->frame.error;
      } else {
        ++stats.frames;
      }
    }
  });
  if (!error.get().is_ok()) abandon();  // an exception in the sinks: stop the others
  reader.join();
  worker.join();
  if (stop) stop->detach();
  for (auto& sink : sinks) {
    Status s = Status::ok();
    guarded(error, "sinks", [&] { s = sink->finish(); });
    if (!s.is_ok()) error.set(std::move(s));
  }
  OUTPOST_RETURN_IF_ERROR(error.get());
  stats.wall_seconds = seconds_now() - start;
  stats.dropped = frames.dropped();
  stats.reconnects = source.reconnects();
  stats.corrupt_packets = source.corrupt_packets();
  stats.stopped = stopping();
  const double n = stats.frames > 0 ? static_cast<double>(stats.frames) : 1.0;
  stats.source_ms = source_seconds * 1e3 / n;
  stats.preprocess_ms = task_times.preprocess * 1e3 / n;
  stats.inference_ms = task_times.inference * 1e3 / n;
  stats.decode_ms = task_times.decode * 1e3 / n;
  stats.sink_ms = sink_seconds * 1e3 / n;
  return stats;
}

}  // namespace outpost
