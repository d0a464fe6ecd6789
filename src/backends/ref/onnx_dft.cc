// DFT and STFT: discrete Fourier transforms by their definition, in double precision,
//   X[k] = sum over t of x[t] e^(-2 pi i k t / n)   (inverse: +, and divided by n),
// one output bin at a time (O(n^2), the plain reference; a fast kernel would use an FFT).
// Signals are real ([..., 1]) or complex ([..., 2]: real, imaginary); outputs are complex. The
// lengths and steps may be run-time operands: each run checks them against the planned shape.
#include <algorithm>
#include <complex>
#include <numbers>

#include "backends/ref/onnx_common.h"
#include "backends/ref/onnx_kernel_factories.h"

namespace outpost {
namespace {

using namespace onnx_ref;  // NOLINT: this file's helpers

using Complex = std::complex<double>;

// put(k, X[k]) for k < count, X the length-point transform of sample(t), t < n (n <= length;
// the samples past n are zeros).
template <typename Sample, typename Put>
void transform(int64_t length, int64_t n, int64_t count, bool inverse, Sample sample, Put put) {
  const double turn = (inverse ? 2 : -2) * std::numbers::pi / static_cast<double>(length);
  const double scale = inverse ? 1 / static_cast<double>(length) : 1;
  for (int64_t k = 0; k < count; ++k) {
    Complex sum = 0;
    const int64_t step = k % length;
    int64_t phase = 0;  // k * t modulo length, exact, so that large k * t lose no precision
    for (int64_t t = 0; t < n; ++t) {
      sum += sample(t) * std::polar(1.0, turn * static_cast<double>(phase));
      phase += step;
      if (phase >= length) phase -= length;
    }
    put(k, sum * scale);
  }
}

// Sample j of a signal of `channels` (1: real, 2: complex) values per sample.
template <typename T>
Complex sample_at(const T* x, int64_t j, int64_t channels) {
  const double re = static_cast<double>(x[j * channels]);
  return {re, channels == 2 ? static_cast<double>(x[j * channels + 1]) : 0.0};
}

template <typename T>
void put_at(T* y, int64_t j, Complex v) {
  y[2 * j] = static_cast<T>(v.real());
  y[2 * j + 1] = static_cast<T>(v.imag());
}

// DFT along `axis` of x [outer, n_in (axis), inner, channels] into y [outer, n_out, inner, 2].
Result<std::unique_ptr<Kernel>> make_dft(const Node& node, const Graph& graph) {
  const Shape& x = input_of(graph, node, 0).shape;
  const Shape& y = output_of(graph, node).shape;
  int64_t axis = node.attrs.get_int("axis", 1);
  if (axis < 0) axis += static_cast<int64_t>(x.rank());
  int64_t outer = 1, inner = 1;
  for (int64_t k = 0; k + 1 < static_cast<int64_t>(x.rank()); ++k) {
    if (k < axis) outer *= x[static_cast<size_t>(k)];
    if (k > axis) inner *= x[static_cast<size_t>(k)];
  }
  const int64_t n_in = x[static_cast<size_t>(axis)], n_out = y[static_cast<size_t>(axis)];
  const int64_t channels = x[x.rank() - 1];
  const bool inverse = node.attrs.get_int("inverse", 0) != 0,
             onesided = node.attrs.get_int("onesided", 0) != 0, given = has_input(node, 1);
  const std::string where = where_of(graph, node);
  CheckedRunFn fn;
  if (!visit_float(input_of(graph, node, 0).dtype, [&](auto tag) {
        using T = typename decltype(tag)::type;
        fn = [=](std::span<const TensorView> in, std::span<const TensorView> out) {
          const int64_t length = given ? int_at(in[1].dtype, in[1].data, 0) : n_in;
          const int64_t bins = onesided ? length / 2 + 1 : length;
          if (length < 1 || bins != n_out)
            return extent_mismatch(where, "the output bins", bins, n_out);
          const T* src = in[0].as<const T>();
          T* dst = out[0].as<T>();
          for (int64_t o = 0; o < outer; ++o)
            for (int64_t i = 0; i < inner; ++i)
              transform(
                  length, std::min(length, n_in), n_out, inverse,
                  [&](int64_t t) { return sample_at(src, (o * n_in + t) * inner + i, channels); },
                  [&](int64_t k, Complex v) { put_at(dst, (o * n_out + k) * inner + i, v); });
          return Status::ok();
        };
      }))
    return unsupported_dtype(graph, node, input_of(graph, node, 0).dtype);
  return make_checked_kernel(std::move(fn));
}

// STFT of signal [batch, length, channels] into y [batch, frames, bins, 2]: frame f is the
// frame_length samples from f * frame_step, times the window when there is one.
Result<std::unique_ptr<Kernel>> make_stft(const Node& node, const Graph& graph) {
  const Shape& s = input_of(graph, node, 0).shape;
  const Shape& y = output_of(graph, node).shape;
  const int64_t batch = s[0], samples = s[1], channels = s[2], frames = y[1], bins = y[2];
  const bool onesided = node.attrs.get_int("onesided", 1) != 0,
             has_window = has_input(node, 2), has_length = has_input(node, 3);
  const int64_t window_length = has_window ? input_of(graph, node, 2).shape[0] : 0;
  const std::string where = where_of(graph, node);
  CheckedRunFn fn;
  if (!visit_float(input_of(graph, node, 0).dtype, [&](auto tag) {
        using T = typename decltype(tag)::type;
        fn = [=](std::span<const TensorView> in, std::span<const TensorView> out) {
          const int64_t step = int_at(in[1].dtype, in[1].data, 0);
          const int64_t length = has_length ? int_at(in[3].dtype, in[3].data, 0) : window_length;
          if (has_window && length != window_length)
            return extent_mismatch(where, "frame_length", length, window_length);
          if (step < 1 || length < 1 || length > samples)
            return shape_mismatch(where + ": frame_step " + std::to_string(step) +
                                  " and frame_length " + std::to_string(length) +
                                  " do not frame a signal of " + std::to_string(samples) +
                                  " samples");
          if ((samples - length) / step + 1 != frames)
            return extent_mismatch(where, "the frame count", (samples - length) / step + 1, frames);
          const int64_t want_bins = onesided ? length / 2 + 1 : length;
          if (want_bins != bins) return extent_mismatch(where, "the bin count", want_bins, bins);
          const T* src = in[0].as<const T>();
          const T* window = has_window ? in[2].as<const T>() : nullptr;
          T* dst = out[0].as<T>();
          for (int64_t b = 0; b < batch; ++b)
            for (int64_t f = 0; f < frames; ++f) {
              const T* frame = src + (b * samples + f * step) * channels;
              transform(
                  length, length, bins, false,
                  [&](int64_t t) {
                    const Complex v = sample_at(frame, t, channels);
                    return window ? v * static_cast<double>(window[t]) : v;
                  },
                  [&](int64_t k, Complex v) { put_at(dst, (b * frames + f) * bins + k, v); });
            }
          return Status::ok();
        };
      }))
    return unsupported_dtype(graph, node, input_of(graph, node, 0).dtype);
  return make_checked_kernel(std::move(fn));
}

}  // namespace

Result<std::unique_ptr<Kernel>> make_onnx_dft(const Node& node, const Graph& graph) {
  return node.op == OpKind::kSTFT ? make_stft(node, graph) : make_dft(node, graph);
}

}  // namespace outpost
