// Runs a pipeline: source -> task (preprocess, inference, decode) -> sinks, as three stages on
// their own threads joined by bounded queues, so decoding the next frame overlaps inference on
// this one. A file source never drops a frame (its stage waits for room); a live source drops
// the oldest waiting frame instead, and the drops are counted.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <vector>

#include "outpost/status.h"
#include "pipeline/frame_source.h"
#include "pipeline/sinks.h"
#include "pipeline/vision_task.h"

namespace outpost {

struct PipelineStats {
  int64_t frames = 0;   // frames that went through every stage
  int64_t dropped = 0;  // live sources only: frames dropped because the model fell behind
  int64_t reconnects = 0;  // live sources only: times the stream was got back after a loss
  // Frames the source could not read (an unreadable image in a folder, the rest of a truncated
  // video), each reported to the sinks as an error event; the first one's status. The run
  // went on past them, so a caller decides what they mean (the CLI exits with its code).
  int64_t failed = 0;
  Status first_failure;
  int64_t corrupt_packets = 0;  // video sources: packets the decoder could not use (skipped)
  bool stopped = false;         // ended early by PipelineStop::request(), not by its source
  double wall_seconds = 0;
  // Mean milliseconds per frame of each step.
  double source_ms = 0, preprocess_ms = 0, inference_ms = 0, decode_ms = 0, sink_ms = 0;
  double frames_per_second() const { return wall_seconds > 0 ? frames / wall_seconds : 0; }
};

// Ends a running pipeline early as if its source had ended, as `gst-launch -e` does on Ctrl-C:
// no new frame is read, the frames already read go through every stage, and the sinks finish
// their files (a video gets its index and plays). For a live source, which never ends by
// itself, this is how its recording is closed.
class PipelineStop {
 public:
  // Safe from any thread (a signal watcher), any number of times, before or during the run.
  void request();
  bool requested() const { return requested_.load(); }

  // run_pipeline's: while attached, request() also cancels the source, so a live source
  // waiting on its camera or network lets go at once.
  void attach(FrameSource* source);
  void detach();

 private:
  std::atomic<bool> requested_{false};
  std::mutex mutex_;
  FrameSource* source_ = nullptr;
};

struct PipelineOptions {
  size_t queue_size = 4;
  int64_t max_frames = -1;
  PipelineStop* stop = nullptr;  // optional: lets another thread end the run early
};

// Runs to the end of the source (or max_frames, or a stop request). A frame the source could
// not read is reported to the sinks (Sink::write_failure) and counted; the run goes on. Any
// other error of any stage stops all of them and is returned. Exceptions from libraries end
// the run as kInternal; none escapes.
Result<PipelineStats> run_pipeline(FrameSource& source, VisionTask& task,
                                   std::vector<std::unique_ptr<Sink>>& sinks,
                                   const PipelineOptions& options);

}  // namespace outpost
