// Writes images as a video file through FFmpeg's libavcodec and libavformat: the annotated
// video sink of the pipeline layer. The file's extension picks the container and the encoder:
// .mp4 and .mkv hold H.264 from libx264 when this FFmpeg has it (else MPEG-4 part 2), .avi
// holds Motion JPEG. Every frame is encoded at the first frame's size (others are scaled to
// it), rounded down to even numbers since 4:2:0 chroma needs them.
#pragma once

#include <memory>
#include <string>

#include "outpost/status.h"
#include "vision/image.h"

namespace outpost {

class VideoWriter {
 public:
  // The encoder `path`'s extension selects ("libx264", "mpeg4" or "mjpeg"); kUsage naming the
  // path for any other extension.
  static Result<std::string> encoder_for(const std::string& path);

  // frames_per_second: the nominal rate (outside 1-240: 25). kUsage for an unknown extension,
  // kIoError when the file cannot be created.
  static Result<std::unique_ptr<VideoWriter>> create(const std::string& path, int width, int height,
                                                     double frames_per_second);
  ~VideoWriter();  // completes the file if finish() was not called
  VideoWriter(const VideoWriter&) = delete;
  VideoWriter& operator=(const VideoWriter&) = delete;

  // `seconds`: presentation time; frames are placed on the nominal rate's grid from the first
  // frame's time, and a time that is unknown (NaN) or not past the previous frame's takes the
  // next slot, so a live source's dropped frames show as gaps of the right length.
  Status write(const Image& image, double seconds);
  // Flushes the encoder and writes the container's index; the file is complete after it.
  Status finish();

  int width() const;  // as encoded
  int height() const;
  const std::string& encoder() const;

 private:
  struct Impl;
  explicit VideoWriter(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace outpost
