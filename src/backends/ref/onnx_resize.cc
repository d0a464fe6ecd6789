// ONNX Resize and Upsample on float32/float64, following the ONNX reference
// implementation: per dimension, an output index maps to an input coordinate by
// coordinate_transformation_mode, and the value is a weighted sum of neighbours (nearest: by
// nearest_mode; linear: 2 taps; cubic: 4 taps with cubic_coeff_a, exclude_outside), with edge
// replication outside the input. The dimensions are resized one at a time (the reference's
// recursion, innermost first, up to rounding: every dimension's weights sum to 1), shrinking
// ones first so that no intermediate is larger than the input or the output. Scales and roi
// may be run-time inputs, so the taps are
// computed in run() into buffers sized by the factory. Upsample and Resize-10 use asymmetric
// coordinates with ONNX Runtime's "simple" nearest rounding (floor, or ceil when downscaling).
#include <array>
#include <vector>

#include "backends/ref/onnx_nn_common.h"
#include "backends/ref/onnx_nn_kernel_factories.h"

namespace outpost {
namespace {

using namespace onnx_ref;  // NOLINT: this file's helpers

enum class Coord {
  kHalfPixel,
  kPytorchHalfPixel,
  kAlignCorners,
  kAsymmetric,
  kTfHalfPixelForNn,
  kTfCropAndResize
};
enum class Nearest { kRoundPreferFloor, kRoundPreferCeil, kFloor, kCeil, kSimple };
enum class Mode { kNearest, kLinear, kCubic };

struct ResizeConfig {
  Mode mode = Mode::kNearest;
  Coord coord = Coord::kHalfPixel;
  Nearest nearest = Nearest::kRoundPreferFloor;
  double cubic_a = -0.75;
  bool exclude_outside = false;
  double extrapolation = 0;
  size_t rank = 0;
  std::vector<int64_t> in, out;
  // Where the operands are: -1 when absent.
  int roi_input = -1, scales_input = -1;
  std::vector<double> attr_scales;  // Upsample-7's scales attribute
};

constexpr int kMaxTaps = 4;

struct Taps {
  std::vector<int64_t> index;  // [out][kMaxTaps]
  std::vector<double> weight;  // [out][kMaxTaps]
  std::vector<int> count;      // [out]; 0: extrapolate
};

void cubic_coeffs(double r, double a, double* c) {
  c[0] = ((a * (r + 1) - 5 * a) * (r + 1) + 8 * a) * (r + 1) - 4 * a;
  c[1] = ((a + 2) * r - (a + 3)) * r * r + 1;
  c[2] = ((a + 2) * (1 - r) - (a + 3)) * (1 - r) * (1 - r) + 1;
  c[3] = ((a * ((1 - r) + 1) - 5 * a) * ((1 - r) + 1) + 8 * a) * ((1 - r) + 1) - 4 * a;
}

// The taps of dimension d for its `scale`, and roi [start, end] (tf_crop_and_resize).
void compute_taps(const ResizeConfig& cfg, size_t d, double scale, double start, double end,
                  Taps& t) {
  const int64_t in = cfg.in[d];
  const double in_f = static_cast<double>(in);
  const double out_width = scale * in_f;
  for (int64_t o = 0; o < cfg.out[d]; ++o) {
    const double of = static_cast<double>(o);
    double x = 0;
    switch (cfg.coord) {
      case Coord::kAlignCorners:
        x = out_width == 1 ? 0.0 : of * (in_f - 1) / (out_width - 1);
        break;
      case Coord::kAsymmetric:
        x = of / scale;
        break;
      case Coord::kTfCropAndResize:
        x = out_width == 1 ? (end - start) * (in_f - 1) / 2
                           : of * (end - start) * (in_f - 1) / (out_width - 1);
        x += start * (in_f - 1);
        break;
      case Coord::kPytorchHalfPixel:
        x = out_width == 1 ? -0.5 : (of + 0.5) / scale - 0.5;
        break;
      case Coord::kHalfPixel:
        x = (of + 0.5) / scale - 0.5;
        break;
      case Coord::kTfHalfPixelForNn:
        x = (of + 0.5) / scale;
        break;
    }
    int* count = &t.count[static_cast<size_t>(o)];
    int64_t* idx = &t.index[static_cast<size_t>(o) * kMaxTaps];
    double* w = &t.weight[static_cast<size_t>(o) * kMaxTaps];
    if (cfg.coord == Coord::kTfCropAndResize && !(x >= 0 && x <= in_f - 1)) {
      *count = 0;
      continue;
    }
    if (!std::isfinite(x)) x = 0;
    x = std::clamp(x, -4.0, in_f + 4.0);  // only hostile scales reach beyond the edge taps
    double base = std::floor(x), r = x - base;
    if (r == 0) {  // an integer coordinate: the reference's ratio 1 from the left neighbour
      base -= 1;
      r = 1;
    }
    double c[kMaxTaps] = {0, 0, 0, 0};
    int n = 2;
    int64_t first = static_cast<int64_t>(base);
    switch (cfg.mode) {
      case Mode::kNearest: {
        bool right = true;
        if (r != 1) {
          switch (cfg.nearest) {
            case Nearest::kRoundPreferFloor:
              right = r > 0.5;
              break;
            case Nearest::kRoundPreferCeil:
              right = r >= 0.5;
              break;
            case Nearest::kFloor:
              right = false;
              break;
            case Nearest::kCeil:
              right = true;
              break;
            case Nearest::kSimple:
              right = scale < 1;
              break;
          }
        }
        c[0] = right ? 0 : 1;
        c[1] = right ? 1 : 0;
        break;
      }
      case Mode::kLinear:
        c[0] = 1 - r;
        c[1] = r;
        break;
      case Mode::kCubic:
        n = 4;
        first -= 1;
        cubic_coeffs(r, cfg.cubic_a, c);
        break;
    }
    if (cfg.exclude_outside) {
      double sum = 0;
      for (int k = 0; k < n; ++k) {
        if (first + k < 0 || first + k >= in) c[k] = 0;
        sum += c[k];
      }
      if (sum != 0)
        for (int k = 0; k < n; ++k) c[k] /= sum;
    }
    *count = 0;
    for (int k = 0; k < n; ++k) {
      if (c[k] == 0) continue;
      idx[*count] = std::clamp<int64_t>(first + k, 0, in - 1);
      w[*count] = c[k];
      ++*count;
    }
    if (*count == 0) {  // every weight zero (exclude_outside of an all-outside window)
      idx[0] = std::clamp<int64_t>(first, 0, in - 1);
      w[0] = 0;
      *count = 1;
    }
  }
}

Result<ResizeConfig> resize_config(const Node& node, const Graph& graph) {
  ResizeConfig cfg;
  const std::string mode = node.attrs.get_string("mode", "nearest");
  cfg.mode = mode == "nearest" ? Mode::kNearest : mode == "cubic" ? Mode::kCubic : Mode::kLinear;
  const std::string coord = node.attrs.get_string("coordinate_transformation_mode", "half_pixel");
  const std::pair<const char*, Coord> coords[] = {
      {"half_pixel", Coord::kHalfPixel},
      {"pytorch_half_pixel", Coord::kPytorchHalfPixel},
      {"align_corners", Coord::kAlignCorners},
      {"asymmetric", Coord::kAsymmetric},
      {"tf_half_pixel_for_nn", Coord::kTfHalfPixelForNn},
      {"tf_crop_and_resize", Coord::kTfCropAndResize}};
  bool known = false;
  for (const auto& [name, c] : coords)
    if (coord == name) {
      cfg.coord = c;
      known = true;
    }
  if (!known) return not_handled(graph, node, "coordinate_transformation_mode '" + coord + "'");
  const std::string nearest = node.attrs.get_string("nearest_mode", "round_prefer_floor");
  cfg.nearest = nearest == "simple"              ? Nearest::kSimple
                : nearest == "round_prefer_ceil" ? Nearest::kRoundPreferCeil
                : nearest == "floor"             ? Nearest::kFloor
                : nearest == "ceil"              ? Nearest::kCeil
                                                 : Nearest::kRoundPreferFloor;
  cfg.cubic_a = node.attrs.get_float("cubic_coeff_a", -0.75f);
  cfg.exclude_outside = node.attrs.get_int("exclude_outside", 0) != 0;
  cfg.extrapolation = node.attrs.get_float("extrapolation_value", 0.0f);
  const Shape& x = input_of(graph, node, 0).shape;
  cfg.rank = x.rank();
  cfg.in = x.dims();
  cfg.out = output_of(graph, node).shape.dims();
  auto given = [&](size_t i) {
    return has_input(node, i) && input_of(graph, node, i).shape.num_elements().value_or(0) > 0;
  };
  if (given(2)) cfg.scales_input = 2;
  if (cfg.coord == Coord::kTfCropAndResize) cfg.roi_input = 1;
  if (node.attrs.has("scales"))
    for (const auto& [name, value] : node.attrs.items())
      if (name == "scales" && std::holds_alternative<std::vector<float>>(value))
        for (float f : std::get<std::vector<float>>(value)) cfg.attr_scales.push_back(f);
  return cfg;
}

}  // namespace

Result<std::unique_ptr<Kernel>> make_onnx_resize(const Node& node, const Graph& graph) {
  OUTPOST_ASSIGN_OR_RETURN(ResizeConfig cfg, resize_config(node, graph));
  // The order of the passes: shrinking dimensions, then the others, each innermost first.
  std::vector<size_t> order;
  for (size_t d = cfg.rank; d-- > 0;)
    if (cfg.out[d] < cfg.in[d]) order.push_back(d);
  for (size_t d = cfg.rank; d-- > 0;)
    if (cfg.out[d] >= cfg.in[d]) order.push_back(d);
  // Scratch: the input and every intermediate shape, in double.
  int64_t scratch = 1;
  for (size_t d = 0; d < cfg.rank; ++d) scratch *= cfg.in[d];
  {
    std::vector<int64_t> cur = cfg.in;
    for (size_t d : order) {
      cur[d] = cfg.out[d];
      int64_t size = 1;
      for (int64_t e : cur) size *= e;
      scratch = std::max(scratch, size);
    }
  }
  // Two scratch buffers of doubles: an upsampling to the size of a 4K RGB image fits, a hostile
  // model's billions of elements (fuzz_tflite oom-dfe6952c) do not.
  constexpr int64_t kMaxScratchBytes = int64_t{1} << 30;
  if (scratch > kMaxScratchBytes / static_cast<int64_t>(2 * sizeof(double)))
    return not_handled(graph, node,
                       "a resize through " + std::to_string(scratch) +
                           " elements needs more than the reference kernel's 1 GiB of scratch");
  std::vector<Taps> taps(cfg.rank);
  for (size_t d = 0; d < cfg.rank; ++d) {
    const size_t n = static_cast<size_t>(cfg.out[d]);
    taps[d].index.assign(n * kMaxTaps, 0);
    taps[d].weight.assign(n * kMaxTaps, 0.0);
    taps[d].count.assign(n, 0);
  }
  RunFn fn;
  auto build = [&](auto tag) {
        using T = typename decltype(tag)::type;
        fn = [cfg, taps, order, a = std::vector<double>(static_cast<size_t>(scratch)),
              b = std::vector<double>(static_cast<size_t>(scratch))](
                 std::span<const TensorView> in, std::span<const TensorView> out) mutable {
          const size_t r = cfg.rank;
          for (size_t d = 0; d < r; ++d) {
            double scale = static_cast<double>(cfg.out[d]) / static_cast<double>(cfg.in[d]);
            if (cfg.scales_input >= 0)
              scale = in[static_cast<size_t>(cfg.scales_input)].as<const float>()[d];
            else if (!cfg.attr_scales.empty())
              scale = cfg.attr_scales[d];
            if (!(scale > 0) || !std::isfinite(scale))
              scale = static_cast<double>(cfg.out[d]) / static_cast<double>(cfg.in[d]);
            double start = 0, end = 1;
            if (cfg.roi_input >= 0) {
              const float* roi = in[static_cast<size_t>(cfg.roi_input)].as<const float>();
              start = roi[d];
              end = roi[r + d];
            }
            compute_taps(cfg, d, scale, start, end, taps[d]);
          }
          const T* x = in[0].as<const T>();
          int64_t total = 1;
          for (size_t d = 0; d < r; ++d) total *= cfg.in[d];
          for (int64_t i = 0; i < total; ++i) a[static_cast<size_t>(i)] = static_cast<double>(x[i]);
          int64_t cur[kMaxRank] = {};
          for (size_t d = 0; d < r; ++d) cur[d] = cfg.in[d];
          for (size_t d : order) {
            int64_t outer = 1, inner = 1;
            for (size_t k = 0; k < d; ++k) outer *= cur[k];
            for (size_t k = d + 1; k < r; ++k) inner *= cur[k];
            const int64_t n_in = cur[d], n_out = cfg.out[d];
            const Taps& t = taps[d];
            for (int64_t o = 0; o < outer; ++o)
              for (int64_t j = 0; j < n_out; ++j) {
                double* dst = &b[static_cast<size_t>((o * n_out + j) * inner)];
                const int cnt = t.count[static_cast<size_t>(j)];
                if (cnt == 0) {
                  std::fill(dst, dst + inner, cfg.extrapolation);
                  continue;
                }
                std::fill(dst, dst + inner, 0.0);
                for (int k = 0; k < cnt; ++k) {
                  const size_t tk = static_cast<size_t>(j) * kMaxTaps + static_cast<size_t>(k);
                  const double w = t.weight[tk];
                  const double* src = &a[static_cast<size_t>((o * n_in + t.index[tk]) * inner)];
                  for (int64_t i = 0; i < inner; ++i) dst[i] += w * src[i];
                }
              }
            cur[d] = n_out;
            std::swap(a, b);
          }
          const int64_t count = out[0].num_elements();
          for (int64_t i = 0; i < count; ++i)
            out[0].as<T>()[i] = static_cast<T>(a[static_cast<size_t>(i)]);
        };
      };
  // Nearest neighbour only copies values (one tap of weight 1, exact in double for every
  // integer up to 2^53): any numeric dtype, quantized ones with their parameters unchanged.
  const bool copies = cfg.mode == Mode::kNearest && cfg.coord != Coord::kTfCropAndResize;
  const DType dtype = input_of(graph, node, 0).dtype;
  if (!(copies ? visit_numeric(dtype, build) : visit_float(dtype, build)))
    return unsupported_dtype(graph, node, dtype);
  return make_kernel(std::move(fn));
}

}  // namespace outpost
