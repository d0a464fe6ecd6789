#include "vision/image_io.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

#include "vision/codecs.h"

namespace outpost {
namespace {

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using FilePtr = std::unique_ptr<std::FILE, FileCloser>;

Result<std::vector<uint8_t>> read_file(const std::string& path) {
  FilePtr file(std::fopen(path.c_str(), "rb"));
  if (!file) return io_error(path + ": cannot open: " + std::strerror(errno));
  std::vector<uint8_t> bytes;
  uint8_t buffer[1 << 16];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof(buffer), file.get())) > 0)
    bytes.insert(bytes.end(), buffer, buffer + n);
  if (std::ferror(file.get())) return io_error(path + ": read error: " + std::strerror(errno));
  return bytes;
}

}  // namespace

Result<Image> decode_image(const uint8_t* data, size_t size, const std::string& what) {
  if (is_png(data, size)) return decode_png(data, size, what);
  if (is_bmp(data, size)) return decode_bmp(data, size, what);
  if (size == 0) return io_error(what + ": file is empty");
  return io_error(what + ": unrecognized image format (supported: PNG, BMP)");
}

Result<Image> load_image(const std::string& path) {
  OUTPOST_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, read_file(path));
  return decode_image(bytes.data(), bytes.size(), path);
}

Status save_png(const std::string& path, const Image& image) {
  auto encoded = encode_png(image);
  if (!encoded.is_ok()) return encoded.status().with_context(path);
  FilePtr file(std::fopen(path.c_str(), "wb"));
  if (!file) return io_error(path + ": cannot create: " + std::strerror(errno));
  const std::vector<uint8_t>& bytes = encoded.value();
  if (std::fwrite(bytes.data(), 1, bytes.size(), file.get()) != bytes.size())
    return io_error(path + ": write failed: " + std::strerror(errno));
  // fclose flushes; a full disk often shows up only here.
  if (std::fclose(file.release()) != 0)
    return io_error(path + ": write failed: " + std::strerror(errno));
  return Status::ok();
}

}  // namespace outpost
