#include "pipeline/sinks.h"

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "core/json_text.h"
#include "vision/image_io.h"
#include "vision/video_writer.h"

namespace outpost {
namespace {

class JsonLinesSink final : public Sink {
 public:
  JsonLinesSink(std::string path, std::FILE* file) : path_(std::move(path)), file_(file) {}
  ~JsonLinesSink() override {
    if (file_ && file_ != stdout) std::fclose(file_);
  }
  Status write(const Frame&, const nlohmann::json& event, const Image*) override {
    return write_line(event);
  }
  Status write_failure(const Frame&, const nlohmann::json& event) override {
    return write_line(event);
  }
  Status finish() override {
    if (file_ == stdout) return Status::ok();
    const int rc = std::fclose(file_);
    file_ = nullptr;
    if (rc != 0) return io_error(path_ + ": write failed: " + std::strerror(errno));
    return Status::ok();
  }

 private:
  Status write_line(const nlohmann::json& event) {
    const std::string line = json_line(event) + "\n";
    if (std::fwrite(line.data(), 1, line.size(), file_) != line.size() || std::fflush(file_) != 0)
      return io_error(path_ + ": write failed: " + std::strerror(errno));
    return Status::ok();
  }

  std::string path_;
  std::FILE* file_;
};

class ImageSink final : public Sink {
 public:
  ImageSink(std::string dir, std::string format) : dir_(std::move(dir)), format_(std::move(format)) {}
  bool wants_annotated() const override { return true; }
  Status write(const Frame& frame, const nlohmann::json&, const Image* annotated) override {
    char name[64];
    std::snprintf(name, sizeof(name), "frame_%06lld.%s", static_cast<long long>(frame.index),
                  format_.c_str());
    return save_image((std::filesystem::path(dir_) / name).string(),
                      annotated ? *annotated : frame.image);
  }

 private:
  std::string dir_, format_;
};

class VideoSink final : public Sink {
 public:
  VideoSink(std::string path, double frames_per_second)
      : path_(std::move(path)), frames_per_second_(frames_per_second) {}
  bool wants_annotated() const override { return true; }
  Status write(const Frame& frame, const nlohmann::json&, const Image* annotated) override {
    const Image& image = annotated ? *annotated : frame.image;
    if (!writer_) {  // the size is known from the first frame
      OUTPOST_ASSIGN_OR_RETURN(
          writer_, VideoWriter::create(path_, image.width, image.height, frames_per_second_));
    }
    return writer_->write(image, frame.seconds);
  }
  Status finish() override { return writer_ ? writer_->finish() : Status::ok(); }

 private:
  std::string path_;
  double frames_per_second_;
  std::unique_ptr<VideoWriter> writer_;
};

}  // namespace

Result<std::unique_ptr<Sink>> make_json_lines_sink(const std::string& path) {
  if (path == "-") return std::unique_ptr<Sink>(std::make_unique<JsonLinesSink>("stdout", stdout));
  std::FILE* file = std::fopen(path.c_str(), "w");
  if (!file) return io_error(path + ": cannot create: " + std::strerror(errno));
  return std::unique_ptr<Sink>(std::make_unique<JsonLinesSink>(path, file));
}

Result<std::unique_ptr<Sink>> make_image_sink(const std::string& dir, const std::string& format) {
  if (format != "png" && format != "jpg")
    return usage_error("image sink format must be png or jpg, not '" + format + "'");
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return io_error(dir + ": cannot create the directory: " + ec.message());
  return std::unique_ptr<Sink>(std::make_unique<ImageSink>(dir, format));
}

Result<std::unique_ptr<Sink>> make_video_sink(const std::string& path, double frames_per_second) {
  OUTPOST_RETURN_IF_ERROR(VideoWriter::encoder_for(path).status());
  // Created now so that a path that cannot be written fails before the first frame.
  std::FILE* file = std::fopen(path.c_str(), "wb");
  if (!file) return io_error(path + ": cannot create: " + std::strerror(errno));
  std::fclose(file);
  return std::unique_ptr<Sink>(std::make_unique<VideoSink>(path, frames_per_second));
}

}  // namespace outpost
