#include "pipeline/pipeline.h"

#include <chrono>
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

}  // namespace

Result<PipelineStats> run_pipeline(FrameSource& source, VisionTask& task,
                                   std::vector<std::unique_ptr<Sink>>& sinks,
                                   const PipelineOptions& options) {
  BoundedQueue<Frame> frames(options.queue_size);
  BoundedQueue<Processed> results(options.queue_size);
  FirstError error;
  bool want_annotated = false;
  for (const auto& s : sinks) want_annotated = want_annotated || s->wants_annotated();
  double source_seconds = 0;
  TaskTimes task_times;
  const double start = seconds_now();

  std::thread reader([&] {
    for (int64_t n = 0; options.max_frames < 0 || n < options.max_frames; ++n) {
      const double t = seconds_now();
      auto frame = source.next();
      source_seconds += seconds_now() - t;
      if (!frame.is_ok()) {
        error.set(frame.status());
        break;
      }
      if (!frame->has_value()) break;
      if (!frames.push(std::move(**frame), source.live())) break;  // closed: stopping
    }
    frames.close();
  });
  std::thread worker([&] {
    while (auto frame = frames.pop()) {
      Processed p;
      if (want_annotated) p.annotated = frame->image;
      auto event = task.process(*frame, p.annotated ? &*p.annotated : nullptr, &task_times);
      if (!event.is_ok()) {
        error.set(event.status().with_context(frame->origin + " frame " +
                                              std::to_string(frame->index)));
        frames.close();
        source.cancel();  // a live source may be waiting on its camera or server
        break;
      }
      p.event = std::move(*event);
      p.frame = std::move(*frame);
      if (!results.push(std::move(p))) break;
    }
    results.close();
  });

  PipelineStats stats;
  double sink_seconds = 0;
  while (auto p = results.pop()) {
    const double t = seconds_now();
    for (auto& sink : sinks) {
      Status s = sink->write(p->frame, p->event, p->annotated ? &*p->annotated : nullptr);
      if (!s.is_ok()) {
        error.set(std::move(s));
        break;
      }
    }
    sink_seconds += seconds_now() - t;
    if (!error.get().is_ok()) {
      frames.close();
      results.close();
      source.cancel();
      break;
    }
    ++stats.frames;
  }
  reader.join();
  worker.join();
  for (auto& sink : sinks) {
    Status s = sink->finish();
    if (!s.is_ok()) error.set(std::move(s));
  }
  OUTPOST_RETURN_IF_ERROR(error.get());
  stats.wall_seconds = seconds_now() - start;
  stats.dropped = frames.dropped();
  stats.reconnects = source.reconnects();
  const double n = stats.frames > 0 ? static_cast<double>(stats.frames) : 1.0;
  stats.source_ms = source_seconds * 1e3 / n;
  stats.preprocess_ms = task_times.preprocess * 1e3 / n;
  stats.inference_ms = task_times.inference * 1e3 / n;
  stats.decode_ms = task_times.decode * 1e3 / n;
  stats.sink_ms = sink_seconds * 1e3 / n;
  return stats;
}

}  // namespace outpost
