// PNG through libpng. libpng reports errors by longjmp, so every function that calls
// setjmp keeps its state in a struct owned by a caller without setjmp: after a longjmp only
// memory is reliable, never the setjmp frame's locals, and no C++ destructor may be skipped.
#include <png.h>

#include <cstdio>
#include <cstring>
#include <new>
#include <string>

#include "vision/codecs.h"

namespace outpost {
namespace {

struct PngReadState {
  const uint8_t* data = nullptr;
  size_t size = 0;
  size_t pos = 0;
  char error[200] = "unknown libpng error";
  png_structp png = nullptr;
  png_infop info = nullptr;
  Image image;
  std::vector<png_bytep> rows;
  std::string refusal;  // a reason of ours (too large), set before we ask libpng to stop

  ~PngReadState() {
    if (png != nullptr) png_destroy_read_struct(&png, info != nullptr ? &info : nullptr, nullptr);
  }
};

void on_png_error(png_structp png, png_const_charp message) {
  auto* state = static_cast<PngReadState*>(png_get_error_ptr(png));
  std::snprintf(state->error, sizeof(state->error), "%s", message);
  png_longjmp(png, 1);
}

// The library never prints: benign warnings (bad ancillary chunks, odd sRGB profiles) are
// dropped; real damage arrives as an error.
void on_png_warning(png_structp, png_const_charp) {}

void read_from_memory(png_structp png, png_bytep out, size_t count) {
  auto* state = static_cast<PngReadState*>(png_get_io_ptr(png));
  if (count > state->size - state->pos) png_error(png, "unexpected end of file (truncated)");
  std::memcpy(out, state->data + state->pos, count);
  state->pos += count;
}

// libpng allocates and zeroes a buffer of a chunk's declared length before it reads the chunk,
// for text chunks even beyond png_set_chunk_malloc_max: a 7 kB file declaring a 512 MB iTXt
// chunk cost 512 MB and seconds of memset (fuzz_image). No chunk can be longer than what is left
// of the file, so every declared length is checked up to IEND before libpng sees the bytes.
// Returns an empty string when they all fit, else why not.
std::string check_chunk_lengths(const uint8_t* data, size_t size) {
  size_t pos = 8;  // after the signature
  while (size - pos >= 8) {
    const uint32_t length = uint32_t{data[pos]} << 24 | uint32_t{data[pos + 1]} << 16 |
                            uint32_t{data[pos + 2]} << 8 | uint32_t{data[pos + 3]};
    const std::string type(reinterpret_cast<const char*>(data + pos + 4), 4);
    // 12: length, type and CRC around the data.
    if (size - pos < 12 || length > size - pos - 12)
      return "chunk '" + type + "' at byte " + std::to_string(pos) + " declares " +
             std::to_string(length) + " bytes, more than the file has left";
    if (type == "IEND") return {};
    pos += 12 + size_t{length};
  }
  return "unexpected end of file (truncated before IEND)";
}

// Returns false after a libpng error (message in state->error) or a refusal of ours.
bool run_png_read(PngReadState* state) {
  if (setjmp(png_jmpbuf(state->png))) return false;
  png_set_read_fn(state->png, state, read_from_memory);
  png_read_info(state->png, state->info);

  const png_uint_32 width = png_get_image_width(state->png, state->info);
  const png_uint_32 height = png_get_image_height(state->png, state->info);
  if (width > kMaxImageDimension || height > kMaxImageDimension ||
      int64_t{width} * height > kMaxImagePixels) {
    state->refusal = "image of " + std::to_string(width) + "x" + std::to_string(height) +
                     " pixels is larger than this decoder accepts";
    return false;
  }
  // Deflate cannot compress beyond about 1032:1, so raw image data that large cannot come from
  // this many bytes: the file is truncated or lying. Refuse before allocating for it.
  const uint64_t raw_bytes = uint64_t{height} * (png_get_rowbytes(state->png, state->info) + 1);
  if (raw_bytes > uint64_t{state->size} * 1040 + 4096) {
    state->refusal = "image data cannot fit in the file (truncated or corrupt)";
    return false;
  }

  // Everything becomes 8-bit RGB(A): palettes and low-bit gray expand, tRNS becomes alpha,
  // and 16-bit keeps its high byte (what PIL does, so preprocessing matches reference inputs).
  png_set_expand(state->png);
  png_set_strip_16(state->png);
  png_set_gray_to_rgb(state->png);
  png_set_interlace_handling(state->png);
  png_read_update_info(state->png, state->info);
  const int channels = png_get_channels(state->png, state->info);
  if (channels != 3 && channels != 4) png_error(state->png, "unexpected channel count");
  if (png_get_rowbytes(state->png, state->info) != size_t{width} * channels)
    png_error(state->png, "unexpected row size after conversion");

  state->image = Image::blank(static_cast<int>(width), static_cast<int>(height), channels);
  state->rows.resize(height);
  for (png_uint_32 y = 0; y < height; ++y) state->rows[y] = state->image.at(0, static_cast<int>(y));
  png_read_image(state->png, state->rows.data());
  // Reading through IEND makes a file cut after its last IDAT an error too, not a success.
  png_read_end(state->png, nullptr);
  return true;
}

struct PngWriteState {
  std::vector<uint8_t> out;
  bool out_of_memory = false;
  char error[200] = "unknown libpng error";
  png_structp png = nullptr;
  png_infop info = nullptr;
  std::vector<png_bytep> rows;

  ~PngWriteState() {
    if (png != nullptr) png_destroy_write_struct(&png, info != nullptr ? &info : nullptr);
  }
};

void on_png_write_error(png_structp png, png_const_charp message) {
  auto* state = static_cast<PngWriteState*>(png_get_error_ptr(png));
  std::snprintf(state->error, sizeof(state->error), "%s", message);
  png_longjmp(png, 1);
}

void write_to_memory(png_structp png, png_bytep data, size_t count) {
  auto* state = static_cast<PngWriteState*>(png_get_io_ptr(png));
  // An exception must not unwind through libpng's C frames: catch it, then report by png_error
  // outside the handler.
  try {
    state->out.insert(state->out.end(), data, data + count);
  } catch (const std::bad_alloc&) {
    state->out_of_memory = true;
  }
  if (state->out_of_memory) png_error(png, "out of memory");
}

void flush_memory(png_structp) {}

bool run_png_write(PngWriteState* state, const Image* image) {
  if (setjmp(png_jmpbuf(state->png))) return false;
  static constexpr int kColorTypes[] = {PNG_COLOR_TYPE_GRAY, PNG_COLOR_TYPE_GRAY_ALPHA,
                                        PNG_COLOR_TYPE_RGB, PNG_COLOR_TYPE_RGB_ALPHA};
  png_set_write_fn(state->png, state, write_to_memory, flush_memory);
  png_set_IHDR(state->png, state->info, image->width, image->height, 8,
               kColorTypes[image->channels - 1], PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
               PNG_FILTER_TYPE_DEFAULT);
  png_write_info(state->png, state->info);
  png_write_image(state->png, state->rows.data());
  png_write_end(state->png, nullptr);
  return true;
}

}  // namespace

bool is_png(const uint8_t* data, size_t size) {
  static constexpr uint8_t kSignature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  return size >= 8 && std::memcmp(data, kSignature, 8) == 0;
}

Result<Image> decode_png(const uint8_t* data, size_t size, const std::string& what) {
  if (!is_png(data, size)) return io_error(what + ": not a PNG file (bad signature)");
  if (std::string bad = check_chunk_lengths(data, size); !bad.empty())
    return io_error(what + ": invalid or truncated PNG: " + bad);
  PngReadState state;
  state.data = data;
  state.size = size;
  state.png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &state, on_png_error, on_png_warning);
  if (state.png != nullptr) state.info = png_create_info_struct(state.png);
  if (state.png == nullptr || state.info == nullptr)
    return internal_error(what + ": cannot initialize libpng");
  // Let libpng check chunk sizes against memory it will allocate, as a second line of defence.
  png_set_chunk_malloc_max(state.png, 64u << 20);
  bool ok = false;
  try {
    ok = run_png_read(&state);
  } catch (const std::bad_alloc&) {
    return io_error(what + ": out of memory decoding PNG");
  }
  if (!ok) {
    const std::string reason = state.refusal.empty() ? state.error : state.refusal;
    return io_error(what + ": invalid or truncated PNG: " + reason);
  }
  return std::move(state.image);
}

Result<std::vector<uint8_t>> encode_png(const Image& image) {
  if (image.channels < 1 || image.channels > 4)
    return usage_error("cannot write PNG with " + std::to_string(image.channels) + " channels");
  if (image.width <= 0 || image.height <= 0 ||
      image.pixels.size() != image.row_bytes() * static_cast<size_t>(image.height))
    return usage_error("cannot write PNG: image size and pixel buffer disagree");
  PngWriteState state;
  state.png =
      png_create_write_struct(PNG_LIBPNG_VER_STRING, &state, on_png_write_error, on_png_warning);
  if (state.png != nullptr) state.info = png_create_info_struct(state.png);
  if (state.png == nullptr || state.info == nullptr)
    return internal_error("cannot initialize libpng");
  state.rows.resize(image.height);
  for (int y = 0; y < image.height; ++y)
    state.rows[y] = const_cast<png_bytep>(image.at(0, y));  // libpng's API is not const-correct
  if (!run_png_write(&state, &image))
    return internal_error(std::string("PNG encoding failed: ") + state.error);
  return std::move(state.out);
}

}  // namespace outpost
