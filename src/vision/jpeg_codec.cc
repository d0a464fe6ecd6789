// JPEG through libjpeg-turbo. libjpeg reports fatal errors by calling error_exit, which must not
// return: ours longjmps back into decode_into/encode_into, which then fail cleanly.
// jpeglib.h needs size_t and FILE declared before it.
#include <csetjmp>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <jpeglib.h>

#include "vision/codecs.h"

namespace outpost {
namespace {

struct JpegError {
  jpeg_error_mgr mgr;
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
};

[[noreturn]] void on_error(j_common_ptr cinfo) {
  auto* err = reinterpret_cast<JpegError*>(cinfo->err);
  (*cinfo->err->format_message)(cinfo, err->message);
  std::longjmp(err->jump, 1);
}

// Warnings (e.g. "premature end of data", filled with gray) are not errors: a camera's slightly
// damaged frame still decodes, as with every JPEG viewer. They are counted, not printed.
void on_message(j_common_ptr, int) {}

// The largest libjpeg DCT scale (1/1, 1/2, 1/4 or 1/8) that keeps both sides at least the
// requested size: decoding at 1/8 reads an eighth of the coefficients per side.
unsigned scale_denominator(int width, int height, int min_width, int min_height) {
  unsigned denom = 1;
  while (denom < 8) {
    const unsigned next = denom * 2;
    const int w = static_cast<int>((static_cast<unsigned>(width) + next - 1) / next);
    const int h = static_cast<int>((static_cast<unsigned>(height) + next - 1) / next);
    if (w < min_width || h < min_height) break;
    denom = next;
  }
  return denom;
}

}  // namespace

bool is_jpeg(const uint8_t* data, size_t size) {
  return size >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF;
}

namespace {

// The libjpeg calls, between a setjmp and libjpeg's longjmp on error. Only plain C state lives
// in this frame; the image and the output buffer belong to the caller and are reached through
// pointers, so nothing here is left indeterminate by the jump (C's rule for locals changed
// between setjmp and longjmp) and no C++ destructor is skipped. Returns false on a libjpeg
// error (err->message says which) or an image too large (*too_large set).
bool decode_into(const uint8_t* data, size_t size, int min_width, int min_height, Image* image,
                 JpegError* err, bool* too_large) {
  jpeg_decompress_struct cinfo;
  cinfo.err = jpeg_std_error(&err->mgr);
  err->mgr.error_exit = on_error;
  err->mgr.emit_message = on_message;
  if (setjmp(err->jump)) {
    jpeg_destroy_decompress(&cinfo);
    return false;
  }
  jpeg_create_decompress(&cinfo);
  jpeg_mem_src(&cinfo, data, static_cast<unsigned long>(size));
  jpeg_read_header(&cinfo, TRUE);
  image->width = static_cast<int>(cinfo.image_width);
  image->height = static_cast<int>(cinfo.image_height);
  if (cinfo.image_width > static_cast<unsigned>(kMaxImageDimension) ||
      cinfo.image_height > static_cast<unsigned>(kMaxImageDimension) ||
      static_cast<int64_t>(cinfo.image_width) * cinfo.image_height > kMaxImagePixels) {
    *too_large = true;
    jpeg_destroy_decompress(&cinfo);
    return false;
  }
  cinfo.out_color_space = JCS_RGB;  // gray, YCbCr and CMYK/YCCK all come out as RGB
  if (min_width > 0 || min_height > 0) {
    cinfo.scale_num = 1;
    cinfo.scale_denom = scale_denominator(static_cast<int>(cinfo.image_width),
                                          static_cast<int>(cinfo.image_height), min_width,
                                          min_height);
  }
  jpeg_start_decompress(&cinfo);
  image->width = static_cast<int>(cinfo.output_width);
  image->height = static_cast<int>(cinfo.output_height);
  image->channels = 3;
  image->pixels.resize(static_cast<size_t>(image->width) * image->height * 3);
  while (cinfo.output_scanline < cinfo.output_height) {
    JSAMPROW row =
        image->pixels.data() + static_cast<size_t>(cinfo.output_scanline) * image->row_bytes();
    jpeg_read_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_decompress(&cinfo);
  jpeg_destroy_decompress(&cinfo);
  return true;
}

// The same for encoding: *buffer is malloc'ed by libjpeg and freed by the caller.
bool encode_into(const Image* image, int quality, unsigned char** buffer, unsigned long* length,
                 JpegError* err) {
  jpeg_compress_struct cinfo;
  cinfo.err = jpeg_std_error(&err->mgr);
  err->mgr.error_exit = on_error;
  err->mgr.emit_message = on_message;
  if (setjmp(err->jump)) {
    jpeg_destroy_compress(&cinfo);
    return false;
  }
  jpeg_create_compress(&cinfo);
  jpeg_mem_dest(&cinfo, buffer, length);
  cinfo.image_width = static_cast<JDIMENSION>(image->width);
  cinfo.image_height = static_cast<JDIMENSION>(image->height);
  cinfo.input_components = image->channels;
  cinfo.in_color_space = image->channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
  jpeg_set_defaults(&cinfo);
  jpeg_set_quality(&cinfo, quality, TRUE);
  jpeg_start_compress(&cinfo, TRUE);
  while (cinfo.next_scanline < cinfo.image_height) {
    // libjpeg's API takes non-const rows; it only reads them.
    JSAMPROW row = const_cast<uint8_t*>(image->pixels.data()) +
                   static_cast<size_t>(cinfo.next_scanline) * image->row_bytes();
    jpeg_write_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_compress(&cinfo);
  jpeg_destroy_compress(&cinfo);
  return true;
}

}  // namespace

Result<Image> decode_jpeg(const uint8_t* data, size_t size, const std::string& what,
                          int min_width, int min_height) {
  if (!is_jpeg(data, size)) return io_error(what + ": not a JPEG file");
  if (size > (size_t{1} << 31)) return io_error(what + ": JPEG larger than 2 GiB");
  Image image;
  JpegError err{};
  bool too_large = false;
  if (decode_into(data, size, min_width, min_height, &image, &err, &too_large)) return image;
  if (too_large)
    return io_error(what + ": JPEG of " + std::to_string(image.width) + "x" +
                    std::to_string(image.height) + " pixels is larger than supported (" +
                    std::to_string(kMaxImageDimension) + " a side, " +
                    std::to_string(kMaxImagePixels) + " pixels)");
  return io_error(what + ": corrupt JPEG: " + err.message);
}

Result<std::vector<uint8_t>> encode_jpeg(const Image& image, int quality) {
  if (image.channels != 1 && image.channels != 3)
    return io_error("JPEG holds gray or RGB images, not " + std::to_string(image.channels) +
                    " channels (drop the alpha channel first)");
  if (image.width <= 0 || image.height <= 0 || image.width > 65500 || image.height > 65500)
    return io_error("JPEG cannot hold a " + std::to_string(image.width) + "x" +
                    std::to_string(image.height) + " image");
  if (quality < 1 || quality > 100)
    return usage_error("JPEG quality must be 1 to 100, not " + std::to_string(quality));
  unsigned char* buffer = nullptr;
  unsigned long length = 0;
  JpegError err{};
  const bool ok = encode_into(&image, quality, &buffer, &length, &err);
  std::vector<uint8_t> out;
  if (ok) out.assign(buffer, buffer + length);
  std::free(buffer);
  if (!ok) return io_error(std::string("JPEG encoding failed: ") + err.message);
  return out;
}

}  // namespace outpost
