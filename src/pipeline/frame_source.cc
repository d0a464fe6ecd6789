#include "pipeline/frame_source.h"

#include <fnmatch.h>

#include <algorithm>
#include <filesystem>
#include <vector>

#include "vision/image_io.h"
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

class ImageListSource final : public FrameSource {
 public:
  ImageListSource(std::string spec, std::vector<std::string> files)
      : spec_(std::move(spec)), files_(std::move(files)) {}

  Result<std::optional<Frame>> next() override {
    if (next_ >= files_.size()) return std::optional<Frame>();
    Frame frame;
    frame.origin = files_[next_];
    frame.index = static_cast<int64_t>(next_++);
    OUTPOST_ASSIGN_OR_RETURN(frame.image, load_image(frame.origin));
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

class VideoFrameSource final : public FrameSource {
 public:
  explicit VideoFrameSource(std::unique_ptr<VideoSource> video) : video_(std::move(video)) {}

  Result<std::optional<Frame>> next() override {
    OUTPOST_ASSIGN_OR_RETURN(std::optional<VideoFrame> decoded, video_->next());
    if (!decoded) return std::optional<Frame>();
    Frame frame;
    frame.image = std::move(decoded->image);
    frame.index = decoded->index;
    frame.seconds = decoded->seconds;
    frame.origin = video_->url();
    return std::optional<Frame>(std::move(frame));
  }
  std::string describe() const override {
    return video_->url() + " (video " + std::to_string(video_->width()) + "x" +
           std::to_string(video_->height()) + ")";
  }

 private:
  std::unique_ptr<VideoSource> video_;
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
  std::error_code ec;
  if (is_pattern(path) || fs::is_directory(path, ec) || has_image_extension(fs::path(path)))
    return SourceKind::kImages;
  return SourceKind::kVideo;
}

Result<std::unique_ptr<FrameSource>> open_frame_source(SourceKind kind, const std::string& path) {
  if (kind == SourceKind::kImages) {
    OUTPOST_ASSIGN_OR_RETURN(auto files, list_images(path));
    return std::unique_ptr<FrameSource>(std::make_unique<ImageListSource>(path, std::move(files)));
  }
  OUTPOST_ASSIGN_OR_RETURN(auto video, VideoSource::open(path));
  return std::unique_ptr<FrameSource>(std::make_unique<VideoFrameSource>(std::move(video)));
}

}  // namespace outpost
