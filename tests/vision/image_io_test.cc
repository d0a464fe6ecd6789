#include "vision/image_io.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "support/test_paths.h"

namespace outpost {
namespace {

std::string temp_path(const std::string& name) { return ::testing::TempDir() + "/" + name; }

TEST(ImageIo, SavesAndLoadsPng) {
  Image image = Image::blank(4, 3, 3);
  for (size_t i = 0; i < image.pixels.size(); ++i) image.pixels[i] = static_cast<uint8_t>(i * 7);
  const std::string path = temp_path("outpost_image_io.png");
  ASSERT_TRUE(save_png(path, image).is_ok());
  auto loaded = load_image(path);
  ASSERT_TRUE(loaded.is_ok()) << loaded.status().message();
  EXPECT_EQ(loaded->pixels, image.pixels);
  std::remove(path.c_str());
}

TEST(ImageIo, MissingFileNamesThePath) {
  auto loaded = load_image("/nonexistent/dir/picture.png");
  ASSERT_FALSE(loaded.is_ok());
  EXPECT_EQ(loaded.status().code(), StatusCode::kIoError);
  EXPECT_NE(loaded.status().message().find("/nonexistent/dir/picture.png"), std::string::npos);
}

TEST(ImageIo, CorruptOrUnknownFilesAreErrors) {
  const std::string path = temp_path("outpost_not_an_image.png");
  {
    std::ofstream out(path, std::ios::binary);
    out << "GIF89a this is not a PNG";
  }
  auto loaded = load_image(path);
  ASSERT_FALSE(loaded.is_ok());
  EXPECT_NE(loaded.status().message().find("unrecognized image format"), std::string::npos);
  { std::ofstream truncate(path, std::ios::binary); }
  loaded = load_image(path);
  ASSERT_FALSE(loaded.is_ok());
  EXPECT_NE(loaded.status().message().find("empty"), std::string::npos);
  std::remove(path.c_str());
}

TEST(ImageIo, SaveToUnwritablePathFails) {
  Status status = save_png("/nonexistent/dir/out.png", Image::blank(2, 2, 3));
  EXPECT_EQ(status.code(), StatusCode::kIoError);
  EXPECT_NE(status.message().find("/nonexistent/dir/out.png"), std::string::npos);
}

TEST(ImageIo, LoadsSkimageSampleImages) {
  struct Sample {
    const char* name;
    int width, height;
  };
  for (const Sample& sample : {Sample{"astronaut.png", 512, 512}, Sample{"chelsea.png", 451, 300},
                               Sample{"coffee.png", 600, 400}}) {
    const std::string path =
        testing::cache_path(std::string("debian/python3-skimage/") + sample.name);
    OUTPOST_SKIP_UNLESS_EXISTS(path);
    auto image = load_image(path);
    ASSERT_TRUE(image.is_ok()) << image.status().message();
    EXPECT_EQ(image->width, sample.width) << sample.name;
    EXPECT_EQ(image->height, sample.height) << sample.name;
    EXPECT_EQ(image->channels, 3) << sample.name;
  }
}

}  // namespace
}  // namespace outpost
