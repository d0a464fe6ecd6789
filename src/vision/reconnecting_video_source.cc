#include "vision/reconnecting_video_source.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>

namespace outpost {
namespace {

double seconds_now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

std::string seconds_text(double s) {
  char text[32];
  std::snprintf(text, sizeof(text), "%g", s);
  return text;
}

}  // namespace

ReconnectingVideoSource::ReconnectingVideoSource(std::string url, const ReconnectOptions& options)
    : url_(std::move(url)), options_(options) {}

ReconnectingVideoSource::~ReconnectingVideoSource() = default;

Result<std::unique_ptr<ReconnectingVideoSource>> ReconnectingVideoSource::open(
    const std::string& url, const ReconnectOptions& options) {
  std::unique_ptr<ReconnectingVideoSource> source(new ReconnectingVideoSource(url, options));
  OUTPOST_ASSIGN_OR_RETURN(auto video,
                           VideoSource::open(url, source->connection_options(options.io_timeout)));
  source->adopt(std::move(video));
  source->rebase_ = false;  // the first connection's times are the stream's own
  return source;
}

VideoSourceOptions ReconnectingVideoSource::connection_options(double io_timeout) const {
  VideoSourceOptions o;
  o.input_format = options_.input_format;
  o.io_timeout = io_timeout;
  o.cancel = &cancelled_;
  return o;
}

void ReconnectingVideoSource::adopt(std::unique_ptr<VideoSource> video) {
  video_ = std::move(video);
  width_ = video_->width();
  height_ = video_->height();
  if (video_->frames_per_second() > 0) frames_per_second_ = video_->frames_per_second();
  rebase_ = true;
}

// VideoSource's messages start with the url; the final error names it once.
std::string ReconnectingVideoSource::without_url(const std::string& message) const {
  const std::string prefix = url_ + ": ";
  return message.compare(0, prefix.size(), prefix) == 0 ? message.substr(prefix.size()) : message;
}

void ReconnectingVideoSource::lose(const std::string& why) {
  closed_.corrupt_packets += video_->stats().corrupt_packets;
  video_.reset();
  lost_because_ = without_url(why);
  last_error_.clear();
  lost_at_ = seconds_now();
}

bool ReconnectingVideoSource::sleep_for(double seconds) {
  std::unique_lock lock(mutex_);
  return !wake_.wait_for(lock, std::chrono::duration<double>(seconds),
                         [&] { return cancelled_.load(); });
}

void ReconnectingVideoSource::cancel() {
  {
    std::lock_guard lock(mutex_);
    cancelled_ = true;
  }
  wake_.notify_all();
}

Status ReconnectingVideoSource::reconnect() {
  const double give_up_at = lost_at_ + options_.reconnect_timeout;
  double backoff = options_.initial_backoff;
  int tries = 0;
  for (;;) {
    const double left = give_up_at - seconds_now();
    // A network stream that stays away is a network failure (exit 12); a camera, a device.
    if (left <= 0)
      return Status(options_.input_format.empty() ? StatusCode::kNetwork : StatusCode::kIoError,
                    url_ + ": the stream was lost (" + lost_because_ + ") and did not come back" +
                      (options_.reconnect_timeout > 0
                           ? " within " + seconds_text(options_.reconnect_timeout) + " s (" +
                                 std::to_string(tries) + " tries" +
                                 (last_error_.empty() ? "" : ", the last: " + last_error_) +
                                 "; the source's reconnect_timeout sets how long to wait)"
                           : " (reconnecting is off: reconnect_timeout 0)"));
    if (!sleep_for(std::min(backoff, left))) return io_error(url_ + ": cancelled");
    backoff = std::min(backoff * 2, options_.max_backoff);
    const double remaining = give_up_at - seconds_now();
    if (remaining <= 0) continue;
    ++tries;
    auto video =
        VideoSource::open(url_, connection_options(std::min(options_.io_timeout, remaining)));
    if (cancelled_) return io_error(url_ + ": cancelled");
    if (video.is_ok()) {
      adopt(std::move(video).value());
      ++reconnects_;
      return Status::ok();
    }
    last_error_ = without_url(video.status().message());
  }
}

Result<std::optional<VideoFrame>> ReconnectingVideoSource::next() {
  if (ended_) return std::optional<VideoFrame>();
  for (;;) {
    if (cancelled_) return io_error(url_ + ": cancelled");
    if (!video_) OUTPOST_RETURN_IF_ERROR(reconnect());
    auto frame = video_->next();
    if (frame.is_ok() && frame->has_value()) {
      VideoFrame out = std::move(**frame);
      const double now = seconds_now();
      out.index = next_index_++;
      if (!std::isnan(out.seconds)) {
        if (rebase_) {
          const double period = frames_per_second_ > 0 ? 1 / frames_per_second_ : 1e-3;
          const double start =
              last_seconds_ < 0 ? 0 : last_seconds_ + std::max(now - last_frame_at_, period);
          offset_ = start - out.seconds;
          rebase_ = false;
        }
        out.seconds += offset_;
        last_seconds_ = out.seconds;
      }
      last_frame_at_ = now;
      width_ = out.image.width;
      height_ = out.image.height;
      return std::optional<VideoFrame>(std::move(out));
    }
    if (frame.is_ok()) {  // the end of this connection's stream
      if (video_->duration_seconds() > 0) {
        ended_ = true;
        return std::optional<VideoFrame>();
      }
      lose("the stream ended");
    } else {
      if (cancelled_) return io_error(url_ + ": cancelled");
      lose(frame.status().message());
    }
  }
}

VideoStats ReconnectingVideoSource::stats() const {
  VideoStats s;
  s.frames = next_index_;
  s.corrupt_packets = closed_.corrupt_packets + (video_ ? video_->stats().corrupt_packets : 0);
  s.reconnects = reconnects_;
  return s;
}

}  // namespace outpost
