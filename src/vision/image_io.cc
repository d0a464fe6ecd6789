#include "vision/image_io.h"

#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <vector>

#include "core/regular_file.h"
#include "vision/codecs.h"

namespace outpost {
namespace {

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using FilePtr = std::unique_ptr<std::FILE, FileCloser>;

Result<std::vector<uint8_t>> read_file(const std::string& path) {
  OUTPOST_ASSIGN_OR_RETURN(RegularFile file, open_regular_file(path));
  std::vector<uint8_t> bytes;
  bytes.reserve(file.size());
  uint8_t buffer[1 << 16];
  for (;;) {
    const ssize_t n = ::read(file.fd(), buffer, sizeof(buffer));
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      return io_error(path + ": read error: " + std::strerror(errno));
    }
    bytes.insert(bytes.end(), buffer, buffer + n);
  }
  return bytes;
}

Status write_bytes(const std::string& path, const std::vector<uint8_t>& bytes) {
  FilePtr file(std::fopen(path.c_str(), "wb"));
  if (!file) return io_error(path + ": cannot create: " + std::strerror(errno));
  if (std::fwrite(bytes.data(), 1, bytes.size(), file.get()) != bytes.size())
    return io_error(path + ": write failed: " + std::strerror(errno));
  // fclose flushes; a full disk often shows up only here.
  if (std::fclose(file.release()) != 0)
    return io_error(path + ": write failed: " + std::strerror(errno));
  return Status::ok();
}

// JPEG has no alpha channel: gray+alpha becomes gray, RGBA RGB.
Image drop_alpha(const Image& image) {
  const int channels = image.channels - 1;
  Image out = Image::blank(image.width, image.height, channels);
  const size_t pixels = static_cast<size_t>(image.width) * image.height;
  for (size_t i = 0; i < pixels; ++i)
    std::memcpy(&out.pixels[i * channels], &image.pixels[i * image.channels],
                static_cast<size_t>(channels));
  return out;
}

std::string lower_extension(const std::string& path) {
  std::string ext = std::filesystem::path(path).extension().string();
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return ext;
}

}  // namespace

Result<Image> decode_image(const uint8_t* data, size_t size, const std::string& what,
                           int min_width, int min_height) {
  if (is_png(data, size)) return decode_png(data, size, what);
  if (is_jpeg(data, size)) return decode_jpeg(data, size, what, min_width, min_height);
  if (is_bmp(data, size)) return decode_bmp(data, size, what);
  if (size == 0) return io_error(what + ": file is empty");
  return io_error(what + ": unrecognized image format (supported: PNG, JPEG, BMP)");
}

Result<Image> load_image(const std::string& path, int min_width, int min_height) {
  OUTPOST_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, read_file(path));
  return decode_image(bytes.data(), bytes.size(), path, min_width, min_height);
}

Status save_png(const std::string& path, const Image& image) {
  auto encoded = encode_png(image);
  if (!encoded.is_ok()) return encoded.status().with_context(path);
  return write_bytes(path, encoded.value());
}

Status save_image(const std::string& path, const Image& image) {
  const std::string ext = lower_extension(path);
  if (ext == ".png") return save_png(path, image);
  if (ext != ".jpg" && ext != ".jpeg")
    return usage_error(path + ": cannot tell the image format from the name; use .png, .jpg or .jpeg");
  Image rgb = image;
  if (image.channels == 2 || image.channels == 4) rgb = drop_alpha(image);
  auto encoded = encode_jpeg(rgb);
  if (!encoded.is_ok()) return encoded.status().with_context(path);
  return write_bytes(path, encoded.value());
}

}  // namespace outpost
