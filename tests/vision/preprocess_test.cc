#include "vision/preprocess.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

namespace outpost {
namespace {

Image random_image(int width, int height, int channels, uint32_t seed) {
  std::mt19937 rng(seed);
  Image image = Image::blank(width, height, channels);
  for (auto& p : image.pixels) p = static_cast<uint8_t>(rng() & 0xff);
  return image;
}

// The plain reference: for each input pixel, find its footprint in the frame from first
// principles and filter it there in 2-D, then normalize, reorder and quantize; no tables, no
// fusion. The fused pass must agree with it.
struct Reference {
  const Image& image;
  const Preprocess& spec;
  int width, height;

  // The frame region the input covers: [x0, x0 + w * s) x [y0, y0 + h * t).
  void region(double* x0, double* y0, double* s, double* t) const {
    const double rx = double(image.width) / width, ry = double(image.height) / height;
    if (spec.fit == FitMode::kStretch) {
      *x0 = *y0 = 0;
      *s = rx;
      *t = ry;
      return;
    }
    *s = *t = spec.fit == FitMode::kLetterbox ? std::max(rx, ry) : std::min(rx, ry);
    *x0 = (image.width - width * *s) / 2;
    *y0 = (image.height - height * *t) / 2;
  }
  double channel(int x, int y, int c) const {
    x = std::clamp(x, 0, image.width - 1);
    y = std::clamp(y, 0, image.height - 1);
    const uint8_t* px = image.at(x, y);
    return image.channels < 3 ? px[0] : px[c];
  }
  double sample(int ox, int oy, int c) const {
    double x0, y0, s, t;
    region(&x0, &y0, &s, &t);
    const double cx = x0 + (ox + 0.5) * s, cy = y0 + (oy + 0.5) * t;
    if (cx < 0 || cy < 0 || cx >= image.width || cy >= image.height) return spec.pad[c];
    switch (spec.filter) {
      case ResizeFilter::kNearest:
        return channel(int(std::floor(cx)), int(std::floor(cy)), c);
      case ResizeFilter::kBilinear: {
        const double fx = cx - 0.5 - std::floor(cx - 0.5), fy = cy - 0.5 - std::floor(cy - 0.5);
        const int ix = int(std::floor(cx - 0.5)), iy = int(std::floor(cy - 0.5));
        return (1 - fy) * ((1 - fx) * channel(ix, iy, c) + fx * channel(ix + 1, iy, c)) +
               fy * ((1 - fx) * channel(ix, iy + 1, c) + fx * channel(ix + 1, iy + 1, c));
      }
      case ResizeFilter::kArea: {
        const double lx = std::max(0.0, x0 + ox * s), hx = std::min(double(image.width), x0 + (ox + 1) * s);
        const double ly = std::max(0.0, y0 + oy * t), hy = std::min(double(image.height), y0 + (oy + 1) * t);
        double sum = 0, area = 0;
        for (int y = 0; y < image.height; ++y)
          for (int x = 0; x < image.width; ++x) {
            const double a = std::max(0.0, std::min(hx, x + 1.0) - std::max(lx, double(x))) *
                             std::max(0.0, std::min(hy, y + 1.0) - std::max(ly, double(y)));
            sum += a * channel(x, y, c);
            area += a;
          }
        return sum / area;
      }
    }
    return 0;
  }
  // The normalized value of model channel c (of `channels`) at (ox, oy).
  double value(int ox, int oy, int c, int channels) const {
    if (channels == 1) {
      const double luma = 0.299 * sample(ox, oy, 0) + 0.587 * sample(ox, oy, 1) + 0.114 * sample(ox, oy, 2);
      return (luma - spec.mean[0]) / spec.std[0];
    }
    return (sample(ox, oy, spec.bgr ? 2 - c : c) - spec.mean[c]) / spec.std[c];
  }
};

struct Case {
  int frame_w, frame_h, frame_c, input_w, input_h, input_c;
  FitMode fit;
  ResizeFilter filter;
  DType dtype;
  bool nchw, bgr;
};

void check_case(const Case& k, uint32_t seed) {
  SCOPED_TRACE("case seed " + std::to_string(seed));
  const Image image = random_image(k.frame_w, k.frame_h, k.frame_c, seed);
  Preprocess spec;
  spec.fit = k.fit;
  spec.filter = k.filter;
  spec.bgr = k.bgr;
  spec.pad = {17, 99, 250};
  spec.mean = {127.5f, 100.0f, 90.0f};
  spec.std = {127.5f, 60.0f, 70.0f};
  spec.layout = k.nchw ? ImageLayout::kNchw : ImageLayout::kNhwc;
  const Shape shape = k.nchw ? Shape{1, k.input_c, k.input_h, k.input_w}
                             : Shape{1, k.input_h, k.input_w, k.input_c};
  Tensor input = Tensor::allocate(k.dtype, shape).value();
  const float scale = 2.0f / 255;
  const int64_t zero = k.dtype == DType::kUInt8 ? 128 : 3;
  if (k.dtype != DType::kFloat32) input.quant = QuantParams{{scale}, {zero}, 0};
  ASSERT_TRUE(preprocess_image(image, spec, input).is_ok());

  const Reference ref{image, spec, k.input_w, k.input_h};
  const int64_t plane = int64_t{k.input_w} * k.input_h;
  double worst = 0;
  for (int y = 0; y < k.input_h; ++y)
    for (int x = 0; x < k.input_w; ++x)
      for (int c = 0; c < k.input_c; ++c) {
        const int64_t p = int64_t{y} * k.input_w + x;
        const int64_t i = k.nchw ? c * plane + p : p * k.input_c + c;
        const double want = ref.value(x, y, c, k.input_c);
        double got = 0, expected = want;
        if (k.dtype == DType::kFloat32) {
          got = input.data_as<float>()[i];
        } else {
          const double lo = k.dtype == DType::kUInt8 ? 0 : -128, hi = k.dtype == DType::kUInt8 ? 255 : 127;
          expected = std::clamp(std::nearbyint(want / scale) + zero, lo, hi);
          got = k.dtype == DType::kUInt8 ? input.data_as<uint8_t>()[i] : input.data_as<int8_t>()[i];
        }
        worst = std::max(worst, std::abs(got - expected));
      }
  // Float: summation order only. Quantized: a value on a rounding boundary may land one step off.
  EXPECT_LE(worst, k.dtype == DType::kFloat32 ? 1e-4 : 1.0);
}

TEST(Preprocess, FusedPassMatchesPlainReferenceOnRandomImages) {
  std::mt19937 rng(7);
  const FitMode fits[] = {FitMode::kStretch, FitMode::kCenterCrop, FitMode::kLetterbox};
  const ResizeFilter filters[] = {ResizeFilter::kBilinear, ResizeFilter::kArea, ResizeFilter::kNearest};
  const DType dtypes[] = {DType::kFloat32, DType::kUInt8, DType::kInt8};
  const int channel_counts[] = {1, 2, 3, 4};
  for (uint32_t seed = 0; seed < 60; ++seed) {
    Case k;
    k.frame_w = 1 + int(rng() % 90);
    k.frame_h = 1 + int(rng() % 90);
    k.frame_c = channel_counts[rng() % 4];
    k.input_w = 1 + int(rng() % 40);
    k.input_h = 1 + int(rng() % 40);
    k.input_c = rng() % 4 == 0 ? 1 : 3;
    k.fit = fits[seed % 3];
    k.filter = filters[(seed / 3) % 3];
    k.dtype = dtypes[rng() % 3];
    k.nchw = rng() % 2;
    k.bgr = rng() % 2;
    check_case(k, seed);
  }
}

TEST(Preprocess, LetterboxPadsAndMapsBack) {
  Image wide = Image::blank(200, 100, 3);
  std::fill(wide.pixels.begin(), wide.pixels.end(), 200);
  Tensor input = Tensor::allocate(DType::kUInt8, Shape{1, 50, 50, 3}).value();
  input.quant = QuantParams{{1.0f / 255}, {0}, 0};
  Preprocess spec;
  spec.fit = FitMode::kLetterbox;
  spec.pad = {0, 0, 0};
  auto map = preprocess_image(wide, spec, input);
  ASSERT_TRUE(map.is_ok());
  // 200x100 into 50x50 at 1/4: rows 0-12 and 37-49 pad, 13-36 image.
  EXPECT_DOUBLE_EQ(map->scale_x, 4.0);
  EXPECT_DOUBLE_EQ(map->offset_y, -50.0);
  EXPECT_DOUBLE_EQ(map->to_frame_y(12.5), 0.0);  // the top of the picture
  const uint8_t* d = input.data_as<uint8_t>();
  EXPECT_EQ(d[(5 * 50 + 25) * 3], 0);
  EXPECT_EQ(d[(25 * 50 + 25) * 3], 200);
  EXPECT_EQ(d[(45 * 50 + 25) * 3], 0);
}

TEST(Preprocess, CenterCropKeepsTheMiddle) {
  // Three 100-wide vertical bands, red | green | blue; a square crop is all green.
  Image bands = Image::blank(300, 100, 3);
  for (int y = 0; y < 100; ++y)
    for (int x = 0; x < 300; ++x) bands.at(x, y)[x / 100] = 255;
  Tensor input = Tensor::allocate(DType::kFloat32, Shape{1, 3, 10, 10}).value();
  Preprocess spec;
  spec.fit = FitMode::kCenterCrop;
  spec.filter = ResizeFilter::kArea;
  ASSERT_TRUE(preprocess_image(bands, spec, input).is_ok());  // NCHW by auto, [0, 1]
  const float* d = input.data_as<float>();
  for (int i = 0; i < 100; ++i) {
    EXPECT_NEAR(d[i], 0.0f, 1e-5);        // R
    EXPECT_NEAR(d[100 + i], 1.0f, 1e-5);  // G (area weights sum to 1 within float rounding)
    EXPECT_NEAR(d[200 + i], 0.0f, 1e-5);  // B
  }
}

TEST(Preprocess, RefusesWhatItCannotFeed) {
  const Image image = random_image(8, 8, 3, 1);
  Tensor bad_shape = Tensor::allocate(DType::kFloat32, Shape{1, 8, 8, 5}).value();
  EXPECT_EQ(preprocess_image(image, {}, bad_shape).status().code(), StatusCode::kShapeMismatch);
  Tensor ints = Tensor::allocate(DType::kInt32, Shape{1, 8, 8, 3}).value();
  EXPECT_EQ(preprocess_image(image, {}, ints).status().code(), StatusCode::kUnsupported);
  Tensor unquantized = Tensor::allocate(DType::kUInt8, Shape{1, 8, 8, 3}).value();
  auto r = preprocess_image(image, {}, unquantized);
  EXPECT_EQ(r.status().code(), StatusCode::kUnsupported);
  EXPECT_NE(r.status().message().find("quantization"), std::string::npos);
}

TEST(PreprocessJson, ParsesEveryKeyAndRefusesTheRest) {
  auto p = parse_preprocess(nlohmann::json::parse(R"({"fit": "letterbox", "resize": "area",
      "pad": [1, 2, 3], "channels": "bgr", "layout": "nchw", "mean": 127.5, "std": [1, 2, 3]})"),
                            "test.json");
  ASSERT_TRUE(p.is_ok()) << p.status().message();
  EXPECT_EQ(p->fit, FitMode::kLetterbox);
  EXPECT_EQ(p->filter, ResizeFilter::kArea);
  EXPECT_EQ(p->pad[2], 3);
  EXPECT_TRUE(p->bgr);
  EXPECT_EQ(p->layout, ImageLayout::kNchw);
  EXPECT_FLOAT_EQ(p->mean[1], 127.5f);
  EXPECT_FLOAT_EQ(p->std[2], 3.0f);

  Preprocess base;
  base.fit = FitMode::kCenterCrop;
  auto kept = parse_preprocess(nlohmann::json::object(), "t", base);
  ASSERT_TRUE(kept.is_ok());
  EXPECT_EQ(kept->fit, FitMode::kCenterCrop);  // absent keys keep the base's values

  for (const char* bad : {R"({"fit": "zoom"})", R"({"std": 0})", R"({"mean": [1, 2]})",
                          R"({"pad": 300})", R"({"scale": 1})", R"([1])"}) {
    auto r = parse_preprocess(nlohmann::json::parse(bad), "test.json");
    EXPECT_EQ(r.status().code(), StatusCode::kUsage) << bad;
    EXPECT_NE(r.status().message().find("test.json"), std::string::npos) << bad;
  }
}

}  // namespace
}  // namespace outpost
