// Frames from a video file (or any URL libavformat opens) through FFmpeg's libavformat and
// libavcodec, converted to 8-bit RGB with libswscale: the file source of the pipeline layer.
// A corrupt packet in the middle of a stream is skipped and counted, not fatal, as a player
// would: one bad frame must not stop a surveillance pipeline.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "outpost/status.h"
#include "vision/image.h"

namespace outpost {

struct VideoFrame {
  Image image;           // RGB
  int64_t index = 0;     // 0, 1, 2, ... in decoding order
  double seconds = 0.0;  // presentation time from the stream start (NaN when unknown)
};

struct VideoStats {
  int64_t frames = 0;          // frames returned
  int64_t corrupt_packets = 0;  // packets the decoder refused (skipped)
};

class VideoSource {
 public:
  // Opens the first video stream of `url`. kIoError (exit 3) naming the url when it does not
  // exist or holds no decodable video stream.
  static Result<std::unique_ptr<VideoSource>> open(const std::string& url);
  ~VideoSource();
  VideoSource(const VideoSource&) = delete;
  VideoSource& operator=(const VideoSource&) = delete;

  // The next frame; std::nullopt at the end of the stream. kIoError only for failures the
  // stream cannot continue after (a read error that is not end of file).
  Result<std::optional<VideoFrame>> next();

  int width() const;
  int height() const;
  double frames_per_second() const;  // the stream's average rate; 0 when unknown
  const VideoStats& stats() const;
  const std::string& url() const;

 private:
  struct Impl;
  explicit VideoSource(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace outpost
