// A pipeline file: one JSON object naming the source, the model, the task with its
// thresholds, and the sinks (docs/pipelines.md). Relative paths are taken from the pipeline
// file's directory, so a pipeline and its models can move together.
#pragma once

#include <string>
#include <vector>

#include "outpost/status.h"
#include "pipeline/frame_source.h"
#include "pipeline/vision_task.h"

namespace outpost {

struct SinkSpec {
  enum class Kind { kJsonLines, kImages, kVideo, kUplink } kind = Kind::kJsonLines;
  std::string path;             // json-lines: file or "-" (stdout); images: directory; video: file;
                                // uplink: the agent's socket (empty: $OUTPOST_UPLINK_SOCKET)
  std::string format = "png";   // images: png or jpg
  double metrics_interval_s = 60;  // uplink: a metrics sample this often; 0: none
  size_t max_pending = 10000;      // uplink: events kept in memory while the agent is away
};

struct PipelineSpec {
  SourceKind source_kind = SourceKind::kImages;
  std::string source;             // path, url or device
  double reconnect_timeout = 30;  // live sources: seconds to wait for a lost stream
  std::string model;
  TaskOptions task;
  std::vector<SinkSpec> sinks;
  size_t queue_size = 4;    // frames waiting between two stages
  int64_t max_frames = -1;  // stop after this many frames (-1: the whole source)
};

// kUsage (exit 2) naming `what` and the offending field for anything malformed: unknown keys,
// wrong types, missing source/model/task, unknown task or sink kinds. Labels are read here.
Result<PipelineSpec> parse_pipeline_spec(const std::string& json_text, const std::string& base_dir,
                                         const std::string& what);
Result<PipelineSpec> load_pipeline_spec(const std::string& path);

}  // namespace outpost
