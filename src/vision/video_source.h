// Frames from a video file, a network stream (RTSP, HTTP, ...) or a V4L2 camera through
// FFmpeg's libavformat, libavdevice and libavcodec, converted to 8-bit RGB with libswscale: one
// connection, read until it ends. A corrupt packet in the middle of a stream is skipped and
// counted, not fatal, as a player would: one bad frame must not stop a surveillance pipeline.
// Reconnecting a stream that drops is ReconnectingVideoSource's job.
#pragma once

#include <atomic>
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
  int64_t frames = 0;           // frames returned
  int64_t corrupt_packets = 0;  // packets the decoder refused (skipped)
  int64_t reconnects = 0;       // ReconnectingVideoSource: connections reopened after a loss
};

struct VideoSourceOptions {
  // A demuxer or device by name (e.g. "v4l2" for a camera); empty: probe the url.
  std::string input_format;
  // Seconds one open or one read may block before it fails with kIoError (0: no limit), so a
  // server that stops answering never hangs a pipeline (probing the stream's format after
  // opening may take 10 s more while data flows). Files need none; streams do. A V4L2 read
  // waits for the camera's next frame regardless (libavdevice reads it blocking).
  double io_timeout = 0;
  // When another thread sets it, a blocked open or read gives up at once (kIoError).
  const std::atomic<bool>* cancel = nullptr;
};

class VideoSource {
 public:
  // Opens the first video stream of `url`. kIoError (exit 3) naming the url when it does not
  // exist or holds no decodable video stream; kNetwork (exit 12) when a network url (rtsp://,
  // http://, ...) cannot be reached in time, refuses the connection or answers with an error.
  // rtsp:// urls are read over TCP (interleaved), which passes firewalls and loses no packets.
  static Result<std::unique_ptr<VideoSource>> open(const std::string& url,
                                                   const VideoSourceOptions& options = {});
  ~VideoSource();
  VideoSource(const VideoSource&) = delete;
  VideoSource& operator=(const VideoSource&) = delete;

  // The next frame; std::nullopt at the end of the stream. kIoError (kNetwork for a network
  // url) only for failures the stream cannot continue after (a read error that is not end of
  // file).
  Result<std::optional<VideoFrame>> next();

  // After next() gave nullopt: kIoError when the file ended well before the length its
  // container declares (a truncated download or copy), naming where it stopped, how much is
  // missing and any packets the decoder had to skip; ok otherwise, and for streams that
  // declare no length (MPEG-TS, live streams), where an early end cannot be told.
  Status check_complete() const;

  int width() const;
  int height() const;
  double frames_per_second() const;  // the stream's average rate; 0 when unknown
  double duration_seconds() const;   // the container's duration; 0 when unknown (live streams)
  const VideoStats& stats() const;
  const std::string& url() const;

 private:
  struct Impl;
  explicit VideoSource(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace outpost
