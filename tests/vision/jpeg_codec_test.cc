// JPEG decoding and encoding through libjpeg-turbo: round trips on synthetic and real images,
// DCT-domain downscaling, and hostile bytes (truncation, flips, garbage, huge dimensions) that
// must end in a clear error or a decoded image, never a crash. Suite names contain 'Image' so
// the sanitizer run of the test command includes them.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>

#include "support/test_paths.h"
#include "vision/codecs.h"
#include "vision/image_io.h"

namespace outpost {
namespace {

// A smooth colour gradient with a few sharp edges: JPEG-friendly but not trivial.
Image test_pattern(int width, int height) {
  Image image = Image::blank(width, height, 3);
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x) {
      uint8_t* p = image.at(x, y);
      p[0] = static_cast<uint8_t>(255 * x / std::max(1, width - 1));
      p[1] = static_cast<uint8_t>(255 * y / std::max(1, height - 1));
      p[2] = ((x / 32 + y / 32) % 2) ? 200 : 40;
    }
  return image;
}

double psnr(const Image& a, const Image& b) {
  EXPECT_EQ(a.pixels.size(), b.pixels.size());
  double se = 0;
  for (size_t i = 0; i < a.pixels.size(); ++i) {
    const double d = double(a.pixels[i]) - double(b.pixels[i]);
    se += d * d;
  }
  const double mse = se / static_cast<double>(a.pixels.size());
  return mse == 0 ? 99.0 : 10 * std::log10(255.0 * 255.0 / mse);
}

std::vector<uint8_t> encode(const Image& image, int quality = 95) {
  auto bytes = encode_jpeg(image, quality);
  EXPECT_TRUE(bytes.is_ok()) << bytes.status().message();
  return bytes.is_ok() ? bytes.value() : std::vector<uint8_t>{};
}

TEST(JpegImageCodec, RoundTripKeepsSizeAndPixels) {
  const Image original = test_pattern(173, 97);  // sizes that are not multiples of 8 or 16
  const auto bytes = encode(original);
  ASSERT_TRUE(is_jpeg(bytes.data(), bytes.size()));
  auto decoded = decode_image(bytes.data(), bytes.size(), "pattern.jpg");
  ASSERT_TRUE(decoded.is_ok()) << decoded.status().message();
  EXPECT_EQ(decoded->width, 173);
  EXPECT_EQ(decoded->height, 97);
  EXPECT_EQ(decoded->channels, 3);
  EXPECT_GT(psnr(original, *decoded), 30.0);
  // Lower quality: smaller file, lower fidelity.
  const auto small = encode(original, 20);
  EXPECT_LT(small.size(), bytes.size());
  auto rough = decode_jpeg(small.data(), small.size(), "q20.jpg");
  ASSERT_TRUE(rough.is_ok());
  EXPECT_LT(psnr(original, *rough), psnr(original, *decoded));
}

TEST(JpegImageCodec, GrayImagesDecodeAsRgb) {
  Image gray = Image::blank(64, 48, 1);
  for (size_t i = 0; i < gray.pixels.size(); ++i) gray.pixels[i] = static_cast<uint8_t>(i * 7);
  const auto bytes = encode(gray);
  auto decoded = decode_jpeg(bytes.data(), bytes.size(), "gray.jpg");
  ASSERT_TRUE(decoded.is_ok()) << decoded.status().message();
  ASSERT_EQ(decoded->channels, 3);
  for (int i = 0; i < 64 * 48; ++i) {
    const uint8_t* p = &decoded->pixels[static_cast<size_t>(i) * 3];
    ASSERT_EQ(p[0], p[1]);
    ASSERT_EQ(p[1], p[2]);
  }
}

TEST(JpegImageCodec, DctScalingPicksTheSmallestSizeStillLargeEnough) {
  const Image original = test_pattern(512, 384);
  const auto bytes = encode(original);
  struct Case {
    int min_w, min_h, want_w, want_h;
  };
  for (const Case c : {Case{128, 96, 128, 96}, Case{100, 50, 128, 96}, Case{129, 10, 256, 192},
                       Case{600, 10, 512, 384}, Case{1, 1, 64, 48}, Case{0, 0, 512, 384}}) {
    SCOPED_TRACE(std::to_string(c.min_w) + "x" + std::to_string(c.min_h));
    auto decoded = decode_jpeg(bytes.data(), bytes.size(), "big.jpg", c.min_w, c.min_h);
    ASSERT_TRUE(decoded.is_ok()) << decoded.status().message();
    EXPECT_EQ(decoded->width, c.want_w);
    EXPECT_EQ(decoded->height, c.want_h);
  }
  // The 1/4-scale decode is the picture at a quarter size: compare with a 4x4 box average of
  // the original.
  auto quarter = decode_jpeg(bytes.data(), bytes.size(), "big.jpg", 128, 96);
  ASSERT_TRUE(quarter.is_ok());
  Image boxed = Image::blank(128, 96, 3);
  for (int y = 0; y < 96; ++y)
    for (int x = 0; x < 128; ++x)
      for (int c = 0; c < 3; ++c) {
        int sum = 0;
        for (int dy = 0; dy < 4; ++dy)
          for (int dx = 0; dx < 4; ++dx) sum += original.at(4 * x + dx, 4 * y + dy)[c];
        boxed.at(x, y)[c] = static_cast<uint8_t>((sum + 8) / 16);
      }
  EXPECT_GT(psnr(boxed, *quarter), 25.0);
}

TEST(JpegImageCodec, RealPhotoRoundTrip) {
  const std::string path = testing::cache_path("debian/python3-skimage/astronaut.png");
  OUTPOST_SKIP_UNLESS_EXISTS(path);
  auto photo = load_image(path);
  ASSERT_TRUE(photo.is_ok()) << photo.status().message();
  const std::string jpg =
      (std::filesystem::temp_directory_path() / "outpost-jpeg-test-astronaut.jpg").string();
  ASSERT_TRUE(save_image(jpg, *photo).is_ok());
  auto back = load_image(jpg);
  std::filesystem::remove(jpg);
  ASSERT_TRUE(back.is_ok()) << back.status().message();
  EXPECT_EQ(back->width, photo->width);
  EXPECT_EQ(back->height, photo->height);
  EXPECT_GT(psnr(*photo, *back), 30.0);
}

TEST(JpegImageCodec, SaveImageChoosesTheFormatByExtension) {
  const auto dir = std::filesystem::temp_directory_path();
  const Image image = test_pattern(16, 16);
  Image rgba = Image::blank(16, 16, 4);  // alpha is dropped for JPEG
  for (const std::string name : {"x.jpg", "x.JPEG", "x.png"}) {
    const std::string path = (dir / ("outpost-save-" + name)).string();
    ASSERT_TRUE(save_image(path, name == "x.png" ? image : rgba).is_ok()) << name;
    std::ifstream in(path, std::ios::binary);
    std::vector<uint8_t> head(8);
    in.read(reinterpret_cast<char*>(head.data()), 8);
    std::filesystem::remove(path);
    EXPECT_EQ(is_png(head.data(), 8), name == "x.png") << name;
    EXPECT_EQ(is_jpeg(head.data(), 8), name != "x.png") << name;
  }
  Status s = save_image((dir / "outpost-save-x.gif").string(), image);
  EXPECT_EQ(s.code(), StatusCode::kUsage);
  EXPECT_NE(s.message().find(".jpg"), std::string::npos) << s.message();
}

TEST(JpegImageCodecCorrupt, TruncatedFilesFailCleanlyOrDecodePartly) {
  const auto bytes = encode(test_pattern(96, 64));
  for (size_t cut = 0; cut < bytes.size(); cut += 1 + cut / 8) {
    auto decoded = decode_image(bytes.data(), cut, "cut.jpg");
    if (decoded.is_ok()) {  // libjpeg fills what is missing once the header is complete
      EXPECT_EQ(decoded->width, 96);
      EXPECT_EQ(decoded->height, 64);
    } else {
      EXPECT_EQ(decoded.status().code(), StatusCode::kIoError);
      EXPECT_NE(decoded.status().message().find("cut.jpg"), std::string::npos);
    }
  }
}

TEST(JpegImageCodecCorrupt, RandomByteFlipsNeverCrash) {
  const auto original = encode(test_pattern(64, 64));
  std::mt19937 rng(7);
  int errors = 0;
  for (int round = 0; round < 300; ++round) {
    auto bytes = original;
    for (int k = 0; k < 4; ++k)
      bytes[std::uniform_int_distribution<size_t>(2, bytes.size() - 1)(rng)] =
          static_cast<uint8_t>(rng());
    auto decoded = decode_jpeg(bytes.data(), bytes.size(), "flipped.jpg");
    if (!decoded.is_ok()) {
      ++errors;
      EXPECT_NE(decoded.status().message().find("flipped.jpg"), std::string::npos);
    } else {
      EXPECT_EQ(decoded->pixels.size(),
                static_cast<size_t>(decoded->width) * decoded->height * 3);
    }
  }
  EXPECT_GT(errors, 0);  // some flips hit the headers and must be reported
}

TEST(JpegImageCodecCorrupt, GarbageAfterTheMarkerIsAnError) {
  const std::vector<uint8_t> bytes = {0xFF, 0xD8, 0xFF, 0x00, 1, 2, 3, 4, 5, 6, 7, 8};
  auto decoded = decode_image(bytes.data(), bytes.size(), "garbage.jpg");
  ASSERT_FALSE(decoded.is_ok());
  EXPECT_EQ(decoded.status().code(), StatusCode::kIoError);
  EXPECT_NE(decoded.status().message().find("corrupt JPEG"), std::string::npos)
      << decoded.status().message();
}

TEST(JpegImageCodecCorrupt, HugeDimensionsAreRefusedBeforeAllocating) {
  auto bytes = encode(test_pattern(16, 16));
  // Patch the frame header (SOF0: FF C0, length, precision, height, width) to 60000x60000.
  bool patched = false;
  for (size_t i = 2; i + 9 < bytes.size(); ++i)
    if (bytes[i] == 0xFF && bytes[i + 1] == 0xC0) {
      bytes[i + 5] = 0xEA, bytes[i + 6] = 0x60, bytes[i + 7] = 0xEA, bytes[i + 8] = 0x60;
      patched = true;
      break;
    }
  ASSERT_TRUE(patched);
  auto decoded = decode_jpeg(bytes.data(), bytes.size(), "huge.jpg");
  ASSERT_FALSE(decoded.is_ok());
  EXPECT_NE(decoded.status().message().find("larger than supported"), std::string::npos)
      << decoded.status().message();
}

TEST(JpegImageCodec, EncoderRefusesWhatJpegCannotHold) {
  EXPECT_FALSE(encode_jpeg(Image::blank(4, 4, 4), 90).is_ok());
  EXPECT_FALSE(encode_jpeg(Image{}, 90).is_ok());
  EXPECT_EQ(encode_jpeg(test_pattern(4, 4), 0).status().code(), StatusCode::kUsage);
}

}  // namespace
}  // namespace outpost
