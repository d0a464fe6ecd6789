// A live video stream that outlives its connection. When a network stream (RTSP, HTTP, ...) or
// a camera ends or fails midway, it is reopened with exponential back-off (by default 0.25 s,
// doubling to 4 s between tries) until it comes back or `reconnect_timeout` seconds have
// passed since the loss; then next() fails with kIoError naming the url. Frame indices keep
// counting across reconnects and `seconds` keeps increasing (an outage shows as a gap of about
// its length). A stream whose container declares a duration (a recording served over RTSP or
// HTTP) ends at its end, as a file does. Opening is tried once: a url that is wrong from the
// start is reported at once rather than retried.
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "outpost/status.h"
#include "vision/video_source.h"

namespace outpost {

struct ReconnectOptions {
  std::string input_format;       // as VideoSourceOptions::input_format ("v4l2" for a camera)
  double io_timeout = 5;          // seconds one open or read may wait (VideoSourceOptions)
  double reconnect_timeout = 30;  // seconds after a loss before giving up (0: never reconnect)
  double initial_backoff = 0.25;  // wait before the first reopening; doubles after each failure
  double max_backoff = 4;         // the longest wait between two tries
};

class ReconnectingVideoSource {
 public:
  static Result<std::unique_ptr<ReconnectingVideoSource>> open(const std::string& url,
                                                               const ReconnectOptions& options);
  ReconnectingVideoSource(const ReconnectingVideoSource&) = delete;
  ReconnectingVideoSource& operator=(const ReconnectingVideoSource&) = delete;
  ~ReconnectingVideoSource();

  // The next frame, reconnecting first when the stream was lost; nullopt only at the end of a
  // stream that has a duration. kIoError naming the url once reconnect_timeout has passed
  // without getting the stream back, or after cancel().
  Result<std::optional<VideoFrame>> next();

  // Safe from any thread: a next() waiting to reconnect, or blocked on the network, returns
  // kIoError at once, and so does every later call.
  void cancel();

  int width() const { return width_; }  // of the latest connection
  int height() const { return height_; }
  double frames_per_second() const { return frames_per_second_; }
  VideoStats stats() const;  // totals over every connection, with the reconnect count
  const std::string& url() const { return url_; }

 private:
  ReconnectingVideoSource(std::string url, const ReconnectOptions& options);
  VideoSourceOptions connection_options(double io_timeout) const;
  void adopt(std::unique_ptr<VideoSource> video);
  std::string without_url(const std::string& message) const;
  void lose(const std::string& why);
  Status reconnect();
  bool sleep_for(double seconds);  // false when cancelled

  std::string url_;
  ReconnectOptions options_;
  std::atomic<bool> cancelled_{false};
  std::mutex mutex_;
  std::condition_variable wake_;
  std::unique_ptr<VideoSource> video_;  // null while the stream is lost
  bool ended_ = false;
  std::string lost_because_;  // why the connection was lost
  std::string last_error_;    // why the latest try to reopen it failed
  double lost_at_ = 0;        // steady-clock seconds
  VideoStats closed_;         // corrupt packets of connections already closed
  int64_t next_index_ = 0;
  int64_t reconnects_ = 0;
  // Presentation times continue across connections: each new one is shifted to start where the
  // old one stopped plus the outage.
  bool rebase_ = false;
  double offset_ = 0;
  double last_seconds_ = -1;
  double last_frame_at_ = 0;
  int width_ = 0, height_ = 0;
  double frames_per_second_ = 0;
};

}  // namespace outpost
