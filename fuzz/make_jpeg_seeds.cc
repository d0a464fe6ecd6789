// Writes small JPEG files for the fuzz_image seed corpus with our own encoder (libjpeg-turbo):
// RGB and gray, several qualities and sizes that are and are not multiples of the MCU.
//   fuzz_make_jpeg_seeds OUT_DIR
#include <cstdio>
#include <fstream>
#include <string>

#include "vision/codecs.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: fuzz_make_jpeg_seeds OUT_DIR\n");
    return 2;
  }
  struct Seed {
    int width, height, channels, quality;
  };
  int written = 0;
  for (const Seed s : {Seed{8, 8, 3, 90}, Seed{17, 9, 3, 50}, Seed{32, 24, 1, 75},
                       Seed{40, 40, 3, 10}, Seed{3, 5, 1, 100}}) {
    outpost::Image image = outpost::Image::blank(s.width, s.height, s.channels);
    for (size_t i = 0; i < image.pixels.size(); ++i)
      image.pixels[i] = static_cast<uint8_t>((i * 37) ^ (i >> 3));
    auto bytes = outpost::encode_jpeg(image, s.quality);
    if (!bytes.is_ok()) {
      std::fprintf(stderr, "fuzz_make_jpeg_seeds: %s\n", bytes.status().message().c_str());
      return 1;
    }
    const std::string path = std::string(argv[1]) + "/seed_" + std::to_string(s.width) + "x" +
                             std::to_string(s.height) + "_c" + std::to_string(s.channels) + "_q" +
                             std::to_string(s.quality) + ".jpg";
    std::ofstream(path, std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes->data()),
               static_cast<std::streamsize>(bytes->size()));
    ++written;
  }
  std::printf("fuzz_make_jpeg_seeds: %d JPEG seeds in %s\n", written, argv[1]);
  return 0;
}
