// Runs a pipeline: source -> task (preprocess, inference, decode) -> sinks, as three stages on
// their own threads joined by bounded queues, so decoding the next frame overlaps inference on
// this one. A file source never drops a frame (its stage waits for room); a live source drops
// the oldest waiting frame instead, and the drops are counted.
#pragma once

#include <memory>
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
  double wall_seconds = 0;
  // Mean milliseconds per frame of each step.
  double source_ms = 0, preprocess_ms = 0, inference_ms = 0, decode_ms = 0, sink_ms = 0;
  double frames_per_second() const { return wall_seconds > 0 ? frames / wall_seconds : 0; }
};

struct PipelineOptions {
  size_t queue_size = 4;
  int64_t max_frames = -1;
};

// Runs to the end of the source (or max_frames). The first error of any stage stops all of
// them and is returned.
Result<PipelineStats> run_pipeline(FrameSource& source, VisionTask& task,
                                   std::vector<std::unique_ptr<Sink>>& sinks,
                                   const PipelineOptions& options);

}  // namespace outpost
