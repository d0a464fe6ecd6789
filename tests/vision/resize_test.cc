#include "vision/resize.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <iostream>
#include <string>

#include "core/npy.h"
#include "support/test_paths.h"
#include "vision/image_io.h"

namespace outpost {
namespace {

Image row_image(std::vector<uint8_t> values) {
  Image image = Image::blank(static_cast<int>(values.size()), 1, 1);
  image.pixels = std::move(values);
  return image;
}

TEST(Resize, HalfPixelUpscaleMatchesHandComputedValues) {
  // Output centres at input x = -0.25 (clamped to 0), 0.25, 0.75, 1.25 (clamped to 1).
  auto out = resize_bilinear(row_image({0, 100}), 4, 1, /*antialias=*/false);
  ASSERT_TRUE(out.is_ok());
  EXPECT_EQ(out->pixels, (std::vector<uint8_t>{0, 25, 75, 100}));
}

TEST(Resize, AntialiasDownscaleMatchesHandComputedPilValues) {
  // Scale 2 widens the triangle to support 2: output 0 (centre 1.0) weighs inputs 0, 1, 2 by
  // 0.75, 0.75, 0.25 -> (75 + 50) / 1.75 = 71.4; output 1 (centre 3.0) weighs 1, 2, 3 by
  // 0.25, 0.75, 0.75 -> 366.25 / 1.75 = 209.3.
  auto out = resize_bilinear(row_image({0, 100, 200, 255}), 2, 1, /*antialias=*/true);
  ASSERT_TRUE(out.is_ok());
  EXPECT_EQ(out->pixels, (std::vector<uint8_t>{71, 209}));
  // Without antialiasing each output just blends its two nearest inputs.
  out = resize_bilinear(row_image({0, 100, 200, 255}), 2, 1, /*antialias=*/false);
  ASSERT_TRUE(out.is_ok());
  EXPECT_EQ(out->pixels, (std::vector<uint8_t>{50, 228}));
}

TEST(Resize, ConstantImageStaysConstantAndSameSizeIsIdentity) {
  Image image = Image::blank(37, 23, 3);
  std::fill(image.pixels.begin(), image.pixels.end(), 77);
  for (bool antialias : {false, true}) {
    for (auto [w, h] : {std::pair{10, 7}, std::pair{80, 50}, std::pair{37, 1}}) {
      auto out = resize_bilinear(image, w, h, antialias);
      ASSERT_TRUE(out.is_ok());
      EXPECT_TRUE(
          std::all_of(out->pixels.begin(), out->pixels.end(), [](uint8_t v) { return v == 77; }));
    }
    for (size_t i = 0; i < image.pixels.size(); ++i) image.pixels[i] = static_cast<uint8_t>(i);
    auto same = resize_bilinear(image, 37, 23, antialias);
    ASSERT_TRUE(same.is_ok());
    EXPECT_EQ(same->pixels, image.pixels);
    std::fill(image.pixels.begin(), image.pixels.end(), 77);
  }
}

TEST(Resize, RejectsBadSizes) {
  Image image = Image::blank(4, 4, 3);
  EXPECT_FALSE(resize_bilinear(image, 0, 4, true).is_ok());
  EXPECT_FALSE(resize_bilinear(image, 4, -1, false).is_ok());
  EXPECT_FALSE(resize_bilinear(Image{}, 4, 4, false).is_ok());
}

// The reference inputs were made with PIL's bilinear resize; reproduce them from the source
// images. Float inputs are compared in uint8 steps (x * 127.5 + 127.5, or x * 255).
struct ReferenceCase {
  const char* name;
  const char* image;  // relative to the shared data dir or the cache
  bool in_cache;
  int size;
  enum Scale { kUint8, kMinusOneToOne, kZeroToOne } scale;
};

TEST(Resize, ReproducesReferenceInputs) {
  const ReferenceCase cases[] = {
      {"mnv2q_cat", "coral/cat.bmp", false, 224, ReferenceCase::kUint8},
      {"mnv2q_hopper", "coral/grace_hopper.bmp", false, 224, ReferenceCase::kUint8},
      {"mnv1q025_cat", "coral/cat.bmp", false, 128, ReferenceCase::kUint8},
      {"mnv1q025_hopper", "coral/grace_hopper.bmp", false, 128, ReferenceCase::kUint8},
      {"face_short_astronaut", "debian/python3-skimage/astronaut.png", true, 128,
       ReferenceCase::kMinusOneToOne},
      {"face_full_astronaut", "debian/python3-skimage/astronaut.png", true, 192,
       ReferenceCase::kMinusOneToOne},
      {"selfie_astronaut", "debian/python3-skimage/astronaut.png", true, 256,
       ReferenceCase::kZeroToOne},
      {"hand_lite_astronaut", "debian/python3-skimage/astronaut.png", true, 224,
       ReferenceCase::kZeroToOne},
  };
  for (const ReferenceCase& c : cases) {
    const std::string npy =
        testing::shared_data_path(std::string("reference/") + c.name + ".input.npy");
    const std::string image_path =
        c.in_cache ? testing::cache_path(c.image) : testing::shared_data_path(c.image);
    OUTPOST_SKIP_UNLESS_EXISTS(npy);
    OUTPOST_SKIP_UNLESS_EXISTS(image_path);
    auto reference = load_npy(npy);
    ASSERT_TRUE(reference.is_ok()) << reference.status().message();
    auto image = load_image(image_path);
    ASSERT_TRUE(image.is_ok()) << image.status().message();
    auto resized = resize_bilinear(image.value(), c.size, c.size, /*antialias=*/true);
    ASSERT_TRUE(resized.is_ok());
    ASSERT_EQ(resized->channels, 3);
    ASSERT_EQ(static_cast<int64_t>(resized->pixels.size()), reference->num_elements()) << c.name;

    double max_steps = 0.0;
    int64_t differing = 0;
    for (size_t i = 0; i < resized->pixels.size(); ++i) {
      double expected;
      if (c.scale == ReferenceCase::kUint8) {
        ASSERT_EQ(reference->dtype(), DType::kUInt8);
        expected = reference->data_as<uint8_t>()[i];
      } else {
        ASSERT_EQ(reference->dtype(), DType::kFloat32);
        const float v = reference->data_as<float>()[i];
        expected = c.scale == ReferenceCase::kMinusOneToOne ? (v + 1.0) * 127.5 : v * 255.0;
      }
      const double steps = std::abs(expected - resized->pixels[i]);
      max_steps = std::max(max_steps, steps);
      if (steps > 0.01) ++differing;
    }
    std::cout << "[ resize   ] " << c.name << ": max difference " << max_steps << " uint8 steps, "
              << differing << " of " << resized->pixels.size() << " values differ\n";
    ::testing::Test::RecordProperty(std::string(c.name) + "_max_steps", std::to_string(max_steps));
    EXPECT_LE(max_steps, 1.0) << c.name;
  }
}

}  // namespace
}  // namespace outpost
