// Where a pipeline's frames come from: image files (one file, a directory's images in name
// order, or a glob pattern), a video file, a live network stream (RTSP, HTTP, ...) or a V4L2
// camera, the last three through FFmpeg. Live sources reconnect when they drop.
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
  // Not ok: the source could not read this frame (an unreadable image in a folder; the rest of
  // a truncated video, from this index on). It has no image; the pipeline reports it as an
  // error event and goes on, so one bad file does not lose the others.
  Status error = Status::ok();
};

class FrameSource {
 public:
  virtual ~FrameSource() = default;
  // The next frame; nullopt at the end. A frame that cannot be read comes back with its error
  // set (see Frame::error), never skipped silently; an error Status ends the run. A corrupt
  // video packet is skipped by the video decoder (and counted).
  virtual Result<std::optional<Frame>> next() = 0;
  // A live source (camera, network stream) drops frames rather than fall behind; files never.
  virtual bool live() const { return false; }
  virtual std::string describe() const = 0;
  // Frames per second when the source knows it (video), else 0.
  virtual double frames_per_second() const { return 0; }
  // Times a live source got its stream back after losing it.
  virtual int64_t reconnects() const { return 0; }
  // Video sources: packets the decoder could not use and skipped.
  virtual int64_t corrupt_packets() const { return 0; }
  // Safe from any thread, to stop a pipeline: a next() waiting on a live source (reconnecting,
  // or blocked on the network) returns an error at once instead of waiting for frames.
  virtual void cancel() {}
};

// kVideo: a file (or a URL read to its end, never reconnected); kStream: a live network stream;
// kCamera: a V4L2 device.
enum class SourceKind { kImages, kVideo, kStream, kCamera };

struct SourceOptions {
  // Live sources: seconds to keep trying to get a lost stream back (0: fail at the first loss).
  double reconnect_timeout = 30;
};

// `path`: for kImages a file, a directory (its .png/.jpg/.jpeg/.bmp files, sorted) or a glob
// pattern (* and ? in the file name part); for kVideo a video file or URL; for kStream a URL;
// for kCamera a device (/dev/video0). kIoError (exit 3) when nothing matches or the source
// cannot be opened.
Result<std::unique_ptr<FrameSource>> open_frame_source(SourceKind kind, const std::string& path,
                                                       const SourceOptions& options = {});

// kStream for network URLs (rtsp://, rtsps://, rtmp://, http://, https://, srt://, udp://,
// tcp://), kCamera for /dev/video*, kImages for image extensions, a directory or a pattern;
// kVideo otherwise.
SourceKind guess_source_kind(const std::string& path);

}  // namespace outpost
