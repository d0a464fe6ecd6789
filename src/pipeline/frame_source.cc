#include "pipeline/frame_source.h"

#include <fnmatch.h>

#include <algorithm>
#include <filesystem>
#include <vector>

#include "vision/image_io.h"
#include "vision/reconnecting_video_source.h"
#include "vision/video_source.h"

namespace outpost {
namespace {

namespace fs = std::filesystem;

bool has_image_extension(const fs::path& p) {
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return ext == ".png" || ext == ".jpg" || ext == ".jpeg" || ext == ".bmp";
}

bool is_pattern(const std::string& path) { return path.find_first_of("*?[") != std::string::npos; }

bool is_stream_url(const std::string& path) {
  const size_t colon = path.find("://");
  if (colon == std::string::npos) return false;
  std::string scheme = path.substr(0, colon);
  std::transform(scheme.begin(), scheme.end(), scheme.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  for (const char* live : {"rtsp", "rtsps", "rtmp", "rtmps", "http", "https", "srt", "udp", "tcp"})
    if (scheme == live) return true;
  return false;
}

std::string size_text(int width, int height) {
  return std::to_string(width) + "x" + std::to_string(height);
}

class ImageListSource final : public FrameSource {
 public:
  ImageListSource(std::string spec, std::vector<std::string> files)
      : spec_(std::move(spec)), files_(std::move(files)) {}

  Result<std::optional<Frame>> next() override {
    if (next_ >= files_.size()) return std::optional<Frame>();
    Frame frame;
    frame.origin = files_[next_];
    frame.index = static_cast<int64_t>(next_++);
    // One unreadable image (truncated, not an image at all) is that frame's failure: the
    // others in the folder still run.
    auto image = load_image(frame.origin);
    if (image.is_ok())
      frame.image = std::move(image).value();
    else
      frame.error = image.status();
    return std::optional<Frame>(std::move(frame));
  }
  std::string describe() const override {
    return spec_ + " (" + std::to_string(files_.size()) + " image" + (files_.size() == 1 ? "" : "s") + ")";
  }

 private:
  std::string spec_;
  std::vector<std::string> files_;
  size_t next_ = 0;
};

// A decoded video frame as a pipeline frame from `origin`.
std::optional<Frame> as_frame(std::optional<VideoFrame> decoded, const std::string& origin) {
  if (!decoded) return std::nullopt;
  Frame frame;
  frame.image = std::move(decoded->image);
  frame.index = decoded->index;
  frame.seconds = decoded->seconds;
  frame.origin = origin;
  return frame;
}

class VideoFrameSource final : public FrameSource {
 public:
  explicit VideoFrameSource(std::unique_ptr<VideoSource> video) : video_(std::move(video)) {}

  // A read error or an early end (a truncated file) becomes one failed frame at the point
  // where the video stopped, after which the source ends: the frames before it were real and
  // are kept, and the run reports what was lost instead of ending as if complete.
  Result<std::optional<Frame>> next() override {
    if (ended_) return std::optional<Frame>();
    auto decoded = video_->next();
    Status failure = Status::ok();
    if (!decoded.is_ok()) {
      failure = decoded.status();
    } else if (decoded->has_value()) {
      last_seconds_ = (**decoded).seconds;
      return as_frame(std::move(*decoded), video_->url());
    } else {
      failure = video_->check_complete();
    }
    ended_ = true;
    if (failure.is_ok()) return std::optional<Frame>();
    Frame frame;
    frame.origin = video_->url();
    frame.index = video_->stats().frames;
    frame.seconds = last_seconds_;
    frame.error = std::move(failure);
    return std::optional<Frame>(std::move(frame));
  }
  std::string describe() const override {
    return video_->url() + " (video " + size_text(video_->width(), video_->height()) + ")";
  }
  double frames_per_second() const override { return video_->frames_per_second(); }
  int64_t corrupt_packets() const override { return video_->stats().corrupt_packets; }

 private:
  std::unique_ptr<VideoSource> video_;
  bool ended_ = false;
  double last_seconds_ = 0;  // of the latest frame: where a failure happened
};

// A network stream or a camera: reconnects when it drops, and drops frames (in the pipeline's
// queue) rather than fall behind.
class LiveFrameSource final : public FrameSource {
 public:
  LiveFrameSource(std::unique_ptr<ReconnectingVideoSource> video, std::string what)
      : video_(std::move(video)), what_(std::move(what)) {}

  Result<std::optional<Frame>> next() override {
    OUTPOST_ASSIGN_OR_RETURN(std::optional<VideoFrame> decoded, video_->next());
    return as_frame(std::move(decoded), video_->url());
  }
  bool live() const override { return true; }
  std::string describe() const override {
    return video_->url() + " (" + what_ + " " + size_text(video_->width(), video_->height()) + ")";
  }
  double frames_per_second() const override { return video_->frames_per_second(); }
  int64_t reconnects() const override { return video_->stats().reconnects; }
  int64_t corrupt_packets() const override { return video_->stats().corrupt_packets; }
  void cancel() override { video_->cancel(); }

 private:
  std::unique_ptr<ReconnectingVideoSource> video_;
  std::string what_;
};

Result<std::vector<std::string>> list_images(const std::string& path) {
  std::vector<std::string> files;
  std::error_code ec;
  if (is_pattern(path)) {
    const fs::path p(path);
    const fs::path dir = p.parent_path().empty() ? fs::path(".") : p.parent_path();
    const std::string pattern = p.filename().string();
    for (const auto& entry : fs::directory_iterator(dir, ec))
      if (entry.is_regular_file() &&
          fnmatch(pattern.c_str(), entry.path().filename().c_str(), 0) == 0)
        files.push_back(entry.path().string());
  } else if (fs::is_directory(path, ec)) {
    for (const auto& entry : fs::directory_iterator(path, ec))
      if (entry.is_regular_file() && has_image_extension(entry.path()))
        files.push_back(entry.path().string());
  } else if (fs::exists(path, ec)) {
    files.push_back(path);
  } else {
    return io_error(path + ": no such file or directory");
  }
  if (ec) return io_error(path + ": cannot list: " + ec.message());
  if (files.empty())
    return io_error(path + ": no images (.png, .jpg, .jpeg, .bmp) " +
                    (is_pattern(path) ? "match the pattern" : "in the directory"));
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

SourceKind guess_source_kind(const std::string& path) {
  // URLs first: a query string may hold '?', which is not a pattern there.
  if (is_stream_url(path)) return SourceKind::kStream;
  if (path.rfind("/dev/video", 0) == 0) return SourceKind::kCamera;
  std::error_code ec;
  if (is_pattern(path) || fs::is_directory(path, ec) || has_image_extension(fs::path(path)))
    return SourceKind::kImages;
  return SourceKind::kVideo;
}

Result<std::unique_ptr<FrameSource>> open_frame_source(SourceKind kind, const std::string& path,
                                                       const SourceOptions& options) {
  switch (kind) {
    case SourceKind::kImages: {
      OUTPOST_ASSIGN_OR_RETURN(auto files, list_images(path));
      return std::unique_ptr<FrameSource>(
          std::make_unique<ImageListSource>(path, std::move(files)));
    }
    case SourceKind::kVideo: {
      VideoSourceOptions video_options;
      if (path.find("://") != std::string::npos) video_options.io_timeout = 5;  // a URL
      OUTPOST_ASSIGN_OR_RETURN(auto video, VideoSource::open(path, video_options));
      return std::unique_ptr<FrameSource>(std::make_unique<VideoFrameSource>(std::move(video)));
    }
    case SourceKind::kStream:
    case SourceKind::kCamera: {
      ReconnectOptions reconnect;
      reconnect.reconnect_timeout = options.reconnect_timeout;
      if (kind == SourceKind::kCamera) reconnect.input_format = "v4l2";
      OUTPOST_ASSIGN_OR_RETURN(auto video, ReconnectingVideoSource::open(path, reconnect));
      return std::unique_ptr<FrameSource>(std::make_unique<LiveFrameSource>(
          std::move(video), kind == SourceKind::kCamera ? "camera" : "live stream"));
    }
  }
  return internal_error("unknown source kind");
}

}  // namespace outpost
