#include <gtest/gtest.h>

#include <array>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "support/test_paths.h"
#include "vision/codecs.h"
#include "vision/image_io.h"

namespace outpost {
namespace {

void put_le(std::vector<uint8_t>& out, size_t at, uint32_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out[at + i] = static_cast<uint8_t>(v >> (8 * i));
}

// A BMP with a 40-byte BITMAPINFOHEADER. `pixels` are top-down RGB(A) rows; the file stores
// them bottom-up unless top_down, as BGR(A) with 4-byte row padding.
std::vector<uint8_t> make_bmp(int width, int height, int bits, bool top_down,
                              const std::vector<uint8_t>& pixels, uint32_t compression = 0,
                              std::array<uint32_t, 4> masks = {}) {
  const int channels = bits / 8;
  const size_t stride = (static_cast<size_t>(width) * bits + 31) / 32 * 4;
  const size_t mask_bytes = compression == 0 ? 0 : 16;
  const size_t offset = 14 + 40 + mask_bytes;
  std::vector<uint8_t> bmp(offset + stride * height, 0);
  bmp[0] = 'B';
  bmp[1] = 'M';
  put_le(bmp, 2, static_cast<uint32_t>(bmp.size()), 4);
  put_le(bmp, 10, static_cast<uint32_t>(offset), 4);
  put_le(bmp, 14, 40, 4);
  put_le(bmp, 18, static_cast<uint32_t>(width), 4);
  put_le(bmp, 22, static_cast<uint32_t>(top_down ? -height : height), 4);
  put_le(bmp, 26, 1, 2);
  put_le(bmp, 28, static_cast<uint32_t>(bits), 2);
  put_le(bmp, 30, compression, 4);
  for (size_t i = 0; i < mask_bytes / 4; ++i) put_le(bmp, 54 + 4 * i, masks[i], 4);
  for (int y = 0; y < height; ++y) {
    const int stored = top_down ? y : height - 1 - y;
    for (int x = 0; x < width; ++x) {
      const uint8_t* p = &pixels[(static_cast<size_t>(y) * width + x) * channels];
      uint8_t* q = &bmp[offset + stored * stride + static_cast<size_t>(x) * channels];
      q[0] = p[2];
      q[1] = p[1];
      q[2] = p[0];
      if (channels == 4) q[3] = p[3];
    }
  }
  return bmp;
}

// 3x2 RGB: odd width, so every stored row carries 3 bytes of padding.
const std::vector<uint8_t> kRgb3x2 = {1,  2,  3,  4,  5,  6,  7,  8,  9,
                                      10, 11, 12, 13, 14, 15, 16, 17, 18};

TEST(BmpCodec, Decodes24BitBottomUpAndTopDown) {
  for (bool top_down : {false, true}) {
    auto bmp = make_bmp(3, 2, 24, top_down, kRgb3x2);
    auto image = decode_bmp(bmp.data(), bmp.size(), "small.bmp");
    ASSERT_TRUE(image.is_ok()) << image.status().message();
    EXPECT_EQ(image->width, 3);
    EXPECT_EQ(image->height, 2);
    EXPECT_EQ(image->channels, 3);
    EXPECT_EQ(image->pixels, kRgb3x2) << "top_down=" << top_down;
  }
}

TEST(BmpCodec, Decodes32BitPlainAndBitfields) {
  std::vector<uint8_t> rgba;
  for (size_t i = 0; i < kRgb3x2.size(); i += 3)
    rgba.insert(rgba.end(), {kRgb3x2[i], kRgb3x2[i + 1], kRgb3x2[i + 2], uint8_t(100 + i)});
  // BI_RGB: the fourth byte is padding, not alpha.
  auto plain = make_bmp(3, 2, 32, false, rgba);
  auto image = decode_bmp(plain.data(), plain.size(), "plain32.bmp");
  ASSERT_TRUE(image.is_ok()) << image.status().message();
  EXPECT_EQ(image->channels, 3);
  EXPECT_EQ(image->pixels, kRgb3x2);
  // BI_ALPHABITFIELDS with the usual BGRA masks: alpha is real.
  auto with_alpha =
      make_bmp(3, 2, 32, true, rgba, 6, {0x00ff0000u, 0x0000ff00u, 0x000000ffu, 0xff000000u});
  image = decode_bmp(with_alpha.data(), with_alpha.size(), "alpha32.bmp");
  ASSERT_TRUE(image.is_ok()) << image.status().message();
  EXPECT_EQ(image->channels, 4);
  EXPECT_EQ(image->pixels, rgba);
}

TEST(BmpCodec, UnsupportedVariantsSaySo) {
  auto bmp = make_bmp(3, 2, 24, false, kRgb3x2);
  bmp[28] = 8;  // 8 bits per pixel (palette)
  auto image = decode_bmp(bmp.data(), bmp.size(), "palette.bmp");
  ASSERT_FALSE(image.is_ok());
  EXPECT_NE(image.status().message().find("unsupported"), std::string::npos);
  bmp[28] = 24;
  bmp[30] = 1;  // RLE8
  EXPECT_FALSE(decode_bmp(bmp.data(), bmp.size(), "rle.bmp").is_ok());
}

TEST(BmpCodec, CorruptHeadersAreErrors) {
  const auto good = make_bmp(3, 2, 24, false, kRgb3x2);
  auto expect_error = [&](size_t at, uint32_t value, int bytes, const char* what) {
    std::vector<uint8_t> bmp = good;
    put_le(bmp, at, value, bytes);
    auto image = decode_bmp(bmp.data(), bmp.size(), "hostile.bmp");
    EXPECT_FALSE(image.is_ok()) << what;
    if (!image.is_ok()) {
      EXPECT_EQ(image.status().code(), StatusCode::kIoError);
      EXPECT_NE(image.status().message().find("hostile.bmp"), std::string::npos);
    }
  };
  expect_error(10, 0xfffffff0u, 4, "pixel offset past the end");
  expect_error(10, 20, 4, "pixel offset inside the header");
  expect_error(14, 41, 4, "unknown header size");
  expect_error(14, 0xffffffffu, 4, "huge header size");
  expect_error(18, 0, 4, "zero width");
  expect_error(18, 0x80000000u, 4, "negative width");
  expect_error(18, 1u << 20, 4, "width beyond the limit");
  expect_error(22, 0x80000000u, 4, "INT32_MIN height");
  expect_error(22, 0x7fffffffu, 4, "huge height");
  expect_error(18, 5000, 4, "width larger than the data");
  expect_error(26, 2, 2, "two planes");
}

TEST(BmpCodec, TruncatedAtEveryLengthIsCorrupt) {
  const auto bmp = make_bmp(3, 2, 24, false, kRgb3x2);
  for (size_t length = 0; length < bmp.size(); ++length) {
    const std::vector<uint8_t> prefix(bmp.begin(), bmp.begin() + length);
    auto image = decode_image(prefix.data(), prefix.size(), "cut.bmp");
    EXPECT_FALSE(image.is_ok()) << "a BMP cut to " << length << " bytes decoded";
  }
}

// The Coral sample photos: 24-bit, 124-byte V5 headers, bottom-up. Expected pixels were read
// from the files' bytes with numpy (rows reversed, BGR swapped), not with this decoder.
struct CoralCase {
  const char* file;
  int width, height;
  struct Pixel {
    int x, y;
    std::array<uint8_t, 3> rgb;
  };
  std::vector<Pixel> pixels;
  int64_t sum;
};

TEST(BmpCodec, DecodesCoralImages) {
  const std::vector<CoralCase> cases = {
      {"cat.bmp",
       512,
       341,
       {{0, 0, {223, 124, 82}},
        {511, 0, {107, 122, 99}},
        {0, 340, {139, 54, 57}},
        {511, 340, {159, 101, 63}},
        {100, 50, {182, 67, 43}},
        {256, 170, {176, 94, 55}}},
       59515430},
      {"grace_hopper.bmp",
       512,
       600,
       {{0, 0, {21, 26, 82}},
        {511, 0, {72, 110, 185}},
        {0, 599, {150, 3, 11}},
        {511, 599, {13, 12, 18}},
        {100, 50, {13, 16, 67}},
        {256, 300, {223, 134, 99}}},
       74151718},
  };
  for (const CoralCase& c : cases) {
    const std::string path = testing::shared_data_path(std::string("coral/") + c.file);
    OUTPOST_SKIP_UNLESS_EXISTS(path);
    auto image = load_image(path);
    ASSERT_TRUE(image.is_ok()) << image.status().message();
    EXPECT_EQ(image->width, c.width);
    EXPECT_EQ(image->height, c.height);
    EXPECT_EQ(image->channels, 3);
    for (const auto& p : c.pixels) {
      const uint8_t* got = image->at(p.x, p.y);
      EXPECT_EQ((std::array<uint8_t, 3>{got[0], got[1], got[2]}), p.rgb)
          << c.file << " at (" << p.x << ", " << p.y << ")";
    }
    int64_t sum = 0;
    for (uint8_t v : image->pixels) sum += v;
    EXPECT_EQ(sum, c.sum) << c.file;
  }
}

TEST(BmpCodec, CorruptCoralFileTruncationsAreErrors) {
  const std::string path = testing::shared_data_path("coral/cat.bmp");
  OUTPOST_SKIP_UNLESS_EXISTS(path);
  std::ifstream in(path, std::ios::binary);
  const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                                   std::istreambuf_iterator<char>());
  ASSERT_GT(bytes.size(), 1000u);
  // Every cut inside the headers, then a spread of cuts through the pixel data.
  std::vector<size_t> lengths;
  for (size_t n = 0; n < 200; ++n) lengths.push_back(n);
  for (size_t n = 200; n < bytes.size(); n += 4099) lengths.push_back(n);
  lengths.push_back(bytes.size() - 1);
  for (size_t length : lengths) {
    const std::vector<uint8_t> prefix(bytes.begin(), bytes.begin() + length);
    EXPECT_FALSE(decode_image(prefix.data(), prefix.size(), path).is_ok()) << length;
  }
}

}  // namespace
}  // namespace outpost
