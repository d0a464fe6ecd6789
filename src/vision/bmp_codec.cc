// BMP: the uncompressed 24/32-bit variants that cameras, Windows tools and the Coral sample
// images use. Every header field is checked against the file size before it is trusted, so a
// corrupt or truncated file is an error, never an out-of-bounds read or a huge allocation.
#include <bit>
#include <cstring>

#include "vision/codecs.h"

namespace outpost {
namespace {

constexpr size_t kFileHeaderSize = 14;
constexpr uint32_t kBiRgb = 0;
constexpr uint32_t kBiBitfields = 3;
constexpr uint32_t kBiAlphaBitfields = 6;

// Bounds-checked little-endian reads; `ok` turns false on the first read past the end.
class ByteReader {
 public:
  ByteReader(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  bool ok() const { return ok_; }
  uint32_t u32(size_t offset) {
    if (!in_bounds(offset, 4)) return 0;
    return uint32_t{data_[offset]} | uint32_t{data_[offset + 1]} << 8 |
           uint32_t{data_[offset + 2]} << 16 | uint32_t{data_[offset + 3]} << 24;
  }
  uint16_t u16(size_t offset) {
    if (!in_bounds(offset, 2)) return 0;
    return static_cast<uint16_t>(data_[offset] | data_[offset + 1] << 8);
  }
  int32_t i32(size_t offset) { return static_cast<int32_t>(u32(offset)); }

 private:
  bool in_bounds(size_t offset, size_t count) {
    if (offset > size_ || count > size_ - offset) ok_ = false;
    return ok_;
  }
  const uint8_t* data_;
  size_t size_;
  bool ok_ = true;
};

// Where an 8-bit channel sits inside a 32-bit pixel, from a BI_BITFIELDS mask.
struct ChannelMask {
  bool present = false;
  int byte_index = 0;
};

bool parse_mask(uint32_t mask, ChannelMask* channel) {
  if (mask == 0) return true;  // channel absent (only acceptable for alpha)
  const int shift = std::countr_zero(mask);
  if (shift % 8 != 0 || (mask >> shift) != 0xffu) return false;
  channel->present = true;
  channel->byte_index = shift / 8;
  return true;
}

}  // namespace

bool is_bmp(const uint8_t* data, size_t size) {
  return size >= 2 && data[0] == 'B' && data[1] == 'M';
}

Result<Image> decode_bmp(const uint8_t* data, size_t size, const std::string& what) {
  auto corrupt = [&](const std::string& why) {
    return io_error(what + ": invalid or truncated BMP: " + why);
  };
  auto unsupported_variant = [&](const std::string& why) {
    return io_error(what + ": unsupported BMP variant: " + why +
                    " (supported: uncompressed 24/32-bit; convert the image to PNG)");
  };
  if (!is_bmp(data, size)) return corrupt("missing 'BM' signature");
  ByteReader in(data, size);
  const uint32_t pixel_offset = in.u32(10);
  const uint32_t header_size = in.u32(14);
  if (!in.ok()) return corrupt("file shorter than its headers");

  int64_t width = 0, height = 0;
  uint16_t planes = 0, bits = 0;
  uint32_t compression = kBiRgb;
  if (header_size == 12) {  // OS/2 BITMAPCOREHEADER: 16-bit unsigned sizes
    width = in.u16(18);
    height = in.u16(20);
    planes = in.u16(22);
    bits = in.u16(24);
  } else if (header_size == 40 || header_size == 52 || header_size == 56 || header_size == 64 ||
             header_size == 108 || header_size == 124) {
    width = in.i32(18);
    height = in.i32(22);
    planes = in.u16(26);
    bits = in.u16(28);
    compression = in.u32(30);
  } else {
    return corrupt("unknown header size " + std::to_string(header_size));
  }
  if (!in.ok()) return corrupt("file shorter than its headers");
  // A negative height means rows are stored top-down; positive (the usual) bottom-up.
  const bool top_down = height < 0;
  if (top_down) height = -height;
  if (width <= 0 || height <= 0) return corrupt("image has no pixels");
  if (width > kMaxImageDimension || height > kMaxImageDimension || width * height > kMaxImagePixels)
    return corrupt("image of " + std::to_string(width) + "x" + std::to_string(height) +
                   " pixels is larger than this decoder accepts");
  if (planes != 1) return corrupt("plane count is " + std::to_string(planes) + ", not 1");
  if (bits != 24 && bits != 32)
    return unsupported_variant(std::to_string(bits) + " bits per pixel");

  // Byte positions of B, G, R (and A) inside a pixel. Plain BI_RGB stores B, G, R and, at 32
  // bits, an unused byte that many writers leave zero, so it is not taken as alpha.
  ChannelMask red{true, 2}, green{true, 1}, blue{true, 0}, alpha;
  if (compression == kBiBitfields || compression == kBiAlphaBitfields) {
    if (bits != 32)
      return unsupported_variant("bit-field masks at " + std::to_string(bits) + " bits");
    // The masks follow a 40-byte header; larger headers hold them inside.
    const size_t masks_at = kFileHeaderSize + 40;
    const bool has_alpha_mask = header_size >= 56 || compression == kBiAlphaBitfields;
    const uint32_t red_mask = in.u32(masks_at), green_mask = in.u32(masks_at + 4),
                   blue_mask = in.u32(masks_at + 8);
    const uint32_t alpha_mask = has_alpha_mask ? in.u32(masks_at + 12) : 0;
    if (!in.ok()) return corrupt("file shorter than its colour masks");
    red = green = blue = alpha = ChannelMask{};
    if (!parse_mask(red_mask, &red) || !parse_mask(green_mask, &green) ||
        !parse_mask(blue_mask, &blue) || !parse_mask(alpha_mask, &alpha) || !red.present ||
        !green.present || !blue.present)
      return unsupported_variant("colour masks other than one byte per channel");
  } else if (compression != kBiRgb) {
    return unsupported_variant("compression type " + std::to_string(compression));
  }

  const uint64_t bytes_per_pixel = bits / 8;
  const uint64_t stride = (static_cast<uint64_t>(width) * bits + 31) / 32 * 4;  // rows pad to 4
  if (pixel_offset < kFileHeaderSize + header_size)
    return corrupt("pixel data offset " + std::to_string(pixel_offset) + " points into the header");
  if (pixel_offset > size || stride * height > size - pixel_offset)
    return corrupt("pixel data needs " + std::to_string(stride * height) + " bytes at offset " +
                   std::to_string(pixel_offset) + ", file has " + std::to_string(size));

  const int channels = alpha.present ? 4 : 3;
  Image image = Image::blank(static_cast<int>(width), static_cast<int>(height), channels);
  for (int64_t y = 0; y < height; ++y) {
    const int64_t stored_row = top_down ? y : height - 1 - y;
    const uint8_t* src = data + pixel_offset + stored_row * stride;
    uint8_t* dst = image.at(0, static_cast<int>(y));
    for (int64_t x = 0; x < width; ++x, src += bytes_per_pixel, dst += channels) {
      dst[0] = src[red.byte_index];
      dst[1] = src[green.byte_index];
      dst[2] = src[blue.byte_index];
      if (alpha.present) dst[3] = src[alpha.byte_index];
    }
  }
  return image;
}

}  // namespace outpost
