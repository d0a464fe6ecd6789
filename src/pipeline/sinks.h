// Where a pipeline's results go: JSON-lines events (stdout or a file), annotated images (one
// file per frame in a directory) and annotated video (one file).
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
  // A frame the source could not read (frame.error), with its error event. Only sinks of
  // events record it; pictures have nothing to show.
  virtual Status write_failure(const Frame&, const nlohmann::json&) { return Status::ok(); }
  virtual bool wants_annotated() const { return false; }
  virtual Status finish() { return Status::ok(); }
  // What the sink has to add to the run's statistics, as {"name": {...}}; null for nothing.
  virtual nlohmann::json summary() const { return nullptr; }
  // The same for the statistics people read on stderr: one line, or empty.
  virtual std::string summary_line() const { return ""; }
};

// One JSON object per line; "-" is stdout. Flushed per event, so a reader sees each as it
// happens. Strings that are not UTF-8 (file names) are escaped (core/json_text.h).
Result<std::unique_ptr<Sink>> make_json_lines_sink(const std::string& path);

// DIR/frame_000000.<format> per frame (format "png" or "jpg"); the directory is created.
Result<std::unique_ptr<Sink>> make_image_sink(const std::string& dir, const std::string& format);

// The annotated frames as one video file (vision/video_writer.h: .mp4 and .mkv hold H.264, .avi
// Motion JPEG) at `frames_per_second` (the source's; 0 when it has none: 25), with the frames'
// own presentation times. The file is created (and checked) here; its size is the first
// frame's. kUsage for another extension, kIoError when it cannot be created.
Result<std::unique_ptr<Sink>> make_video_sink(const std::string& path, double frames_per_second);

}  // namespace outpost
