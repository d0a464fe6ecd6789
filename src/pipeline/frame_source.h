// Where a pipeline's frames come from: image files (one file, a directory's images in name
// order, or a glob pattern) or a video file/stream through FFmpeg.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "outpost/status.h"
#include "vision/image.h"

namespace outpost {

struct Frame {
  Image image;
  int64_t index = 0;
  std::string origin;    // the image file, or the video's url
  double seconds = 0.0;  // video: presentation time; images: 0
};

class FrameSource {
 public:
  virtual ~FrameSource() = default;
  // The next frame; nullopt at the end. An unreadable image file is an error (a user's input
  // must not be skipped silently); a corrupt video packet is skipped by the video decoder.
  virtual Result<std::optional<Frame>> next() = 0;
  // A live source (camera, network stream) drops frames rather than fall behind; files never.
  virtual bool live() const { return false; }
  virtual std::string describe() const = 0;
};

enum class SourceKind { kImages, kVideo };

// `path`: for kImages a file, a directory (its .png/.jpg/.jpeg/.bmp files, sorted) or a glob
// pattern (* and ? in the file name part); for kVideo a video file or URL. kIoError (exit 3)
// when nothing matches.
Result<std::unique_ptr<FrameSource>> open_frame_source(SourceKind kind, const std::string& path);

// kImages for image extensions, a directory or a pattern; kVideo otherwise.
SourceKind guess_source_kind(const std::string& path);

}  // namespace outpost
