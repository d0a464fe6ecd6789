// Where a pipeline's results go: JSON-lines events (stdout or a file) and annotated images
// (one file per frame in a directory).
#pragma once

#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "outpost/status.h"
#include "pipeline/frame_source.h"

namespace outpost {

class Sink {
 public:
  virtual ~Sink() = default;
  // `annotated` is the frame with the task's drawing, or null when no sink asked for one.
  virtual Status write(const Frame& frame, const nlohmann::json& event, const Image* annotated) = 0;
  virtual bool wants_annotated() const { return false; }
  virtual Status finish() { return Status::ok(); }
};

// One JSON object per line; "-" is stdout. Flushed per event, so a reader sees each as it
// happens.
Result<std::unique_ptr<Sink>> make_json_lines_sink(const std::string& path);

// DIR/frame_000000.<format> per frame (format "png" or "jpg"); the directory is created.
Result<std::unique_ptr<Sink>> make_image_sink(const std::string& dir, const std::string& format);

}  // namespace outpost
