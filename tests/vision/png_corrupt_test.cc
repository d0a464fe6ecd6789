// Hostile PNG chunk lengths found by fuzz/fuzz_image: refused before libpng allocates for them.
// The test command runs these under AddressSanitizer and UndefinedBehaviorSanitizer too (suite
// names contain 'Corrupt').
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <cstring>
#include <string>
#include <vector>

#include "vision/codecs.h"
#include "vision/image_io.h"

namespace outpost {
namespace {

uint32_t crc32(const uint8_t* data, size_t size) {
  uint32_t crc = 0xffffffffu;
  for (size_t i = 0; i < size; ++i) {
    crc ^= data[i];
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

void put_be32(std::vector<uint8_t>& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<uint8_t>(v >> shift));
}

// A chunk whose length field says `declared_length` while `data` follows (with a valid CRC of
// what is there).
std::vector<uint8_t> chunk(const char* type, const std::vector<uint8_t>& data,
                           uint32_t declared_length) {
  std::vector<uint8_t> out;
  put_be32(out, declared_length);
  std::vector<uint8_t> body(type, type + 4);
  body.insert(body.end(), data.begin(), data.end());
  out.insert(out.end(), body.begin(), body.end());
  put_be32(out, crc32(body.data(), body.size()));
  return out;
}

// A valid 8x8 RGB PNG (libpng's own encoder) with `extra` inserted right after IHDR.
std::vector<uint8_t> png_with_chunk_after_ihdr(const std::vector<uint8_t>& extra) {
  Image image = Image::blank(8, 8, 3);
  for (size_t i = 0; i < image.pixels.size(); ++i) image.pixels[i] = static_cast<uint8_t>(i * 7);
  auto encoded = encode_png(image);
  EXPECT_TRUE(encoded.is_ok());
  std::vector<uint8_t> png = *encoded;
  const size_t after_ihdr = 8 + 12 + 13;  // signature, IHDR chunk
  png.insert(png.begin() + static_cast<long>(after_ihdr), extra.begin(), extra.end());
  return png;
}

long peak_rss_kb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

// fuzz_image timeout 43a80681: a 7 kB PNG whose iTXt chunk declared 536874034 bytes made libpng
// allocate and zero 512 MB (its chunk malloc limit does not cover text chunks) before failing on
// the missing bytes. Now every length is checked against the file first.
TEST(CorruptPng, ChunkLongerThanTheFileIsRefusedBeforeAllocating) {
  const std::vector<uint8_t> text = {'k', 0, 0, 0, 0, 'v', 'a', 'l', 'u', 'e'};
  const std::vector<uint8_t> png = png_with_chunk_after_ihdr(chunk("iTXt", text, 0x7ffffff0u));
  const long rss_before = peak_rss_kb();
  auto decoded = decode_png(png.data(), png.size(), "huge-itxt.png");
  const long rss_growth_mb = (peak_rss_kb() - rss_before) / 1024;
  ASSERT_FALSE(decoded.is_ok());
  EXPECT_EQ(decoded.status().code(), StatusCode::kIoError);
  EXPECT_NE(decoded.status().message().find("chunk 'iTXt' at byte 33 declares 2147483632 bytes"),
            std::string::npos)
      << decoded.status().message();
  EXPECT_LT(rss_growth_mb, 64) << "decoding a " << png.size()
                               << "-byte file raised the peak RSS by " << rss_growth_mb << " MB";
}

// The check must not refuse honest files: ancillary chunks of the right length still decode.
TEST(CorruptPng, ChunksThatFitStillDecode) {
  const std::vector<uint8_t> text = {'C', 'o', 'm', 'm', 'e', 'n', 't', 0, 'h', 'i'};
  const std::vector<uint8_t> png =
      png_with_chunk_after_ihdr(chunk("tEXt", text, static_cast<uint32_t>(text.size())));
  auto decoded = decode_image(png.data(), png.size(), "text.png");
  ASSERT_TRUE(decoded.is_ok()) << decoded.status().message();
  EXPECT_EQ(decoded->width, 8);
  EXPECT_EQ(decoded->channels, 3);
}

// Cut inside a chunk, or before IEND: an error naming the file, at every cut.
TEST(CorruptPng, EveryTruncationIsAnError) {
  const std::vector<uint8_t> png = png_with_chunk_after_ihdr({});
  for (size_t cut = 8; cut < png.size(); ++cut) {
    auto decoded = decode_png(png.data(), cut, "cut.png");
    ASSERT_FALSE(decoded.is_ok()) << "a PNG cut to " << cut << " of " << png.size()
                                  << " bytes decoded";
    EXPECT_NE(decoded.status().message().find("cut.png"), std::string::npos);
  }
}

}  // namespace
}  // namespace outpost
