// ONNX ops that only relabel a shape (Flatten, Squeeze, Unsqueeze, Identity) and ops that generate data from shapes or attributes (Shape, Size,
// ConstantOfShape, Range, EyeLike).
#include <cstring>
#include <type_traits>

#include "backends/ref/onnx_common.h"
#include "backends/ref/onnx_kernel_factories.h"

namespace outpost {
namespace {

using namespace onnx_ref;  // NOLINT: this file's helpers

template <typename T>
void fill(void* dst, int64_t n, T v) {
  T* p = static_cast<T*>(dst);
  for (int64_t i = 0; i < n; ++i) p[i] = v;
}

}  // namespace

Result<std::unique_ptr<Kernel>> make_onnx_copy(const Node& node, const Graph& graph) {
  if (output_of(graph, node).dtype != input_of(graph, node, 0).dtype)
    return not_handled(graph, node, "input and output dtypes differ");
  return make_kernel([](std::span<const TensorView> in, std::span<const TensorView> out) {
    const size_t bytes = static_cast<size_t>(out[0].num_elements()) * dtype_size(out[0].dtype);
    if (out[0].data != in[0].data && bytes) std::memmove(out[0].data, in[0].data, bytes);
  });
}

Result<std::unique_ptr<Kernel>> make_bitcast(const Node& node, const Graph& graph) {
  const Value& x = input_of(graph, node, 0);
  const int64_t bytes =
      x.shape.num_elements().value_or(0) * static_cast<int64_t>(dtype_size(x.dtype));
  const Value& y = output_of(graph, node);
  if (y.shape.num_elements().value_or(0) * static_cast<int64_t>(dtype_size(y.dtype)) != bytes)
    return not_handled(graph, node, "input and output sizes in bytes differ");
  return make_kernel([bytes](std::span<const TensorView> in, std::span<const TensorView> out) {
    if (out[0].data != in[0].data && bytes)
      std::memmove(out[0].data, in[0].data, static_cast<size_t>(bytes));
  });
}

Result<std::unique_ptr<Kernel>> make_onnx_generator(const Node& node, const Graph& graph) {
  const DType d = output_of(graph, node).dtype;
  switch (node.op) {
    case OpKind::kShape: {
      const Shape& x = input_of(graph, node, 0).shape;
      const int64_t rank = static_cast<int64_t>(x.rank());
      int64_t start = node.attrs.get_int("start", 0);
      if (start < 0) start += rank;
      start = std::clamp<int64_t>(start, 0, rank);
      std::vector<int64_t> dims;
      for (int64_t k = 0; k < output_of(graph, node).shape.num_elements().value_or(0); ++k)
        dims.push_back(x[static_cast<size_t>(start + k)]);
      return make_kernel([dims](std::span<const TensorView>, std::span<const TensorView> out) {
        if (!dims.empty()) std::memcpy(out[0].data, dims.data(), dims.size() * 8);
      });
    }
    case OpKind::kSize: {
      const int64_t n = input_of(graph, node, 0).shape.num_elements().value_or(0);
      return make_kernel([n](std::span<const TensorView>, std::span<const TensorView> out) {
        *out[0].as<int64_t>() = n;
      });
    }
    case OpKind::kConstantOfShape: {
      const double fv = node.attrs.get_float("value", 0.0f);
      // A float value saturates into an integer type instead of an undefined cast (fuzz_onnx
      // crash 4a199476: 1.9e34 as int64).
      const int64_t iv = node.attrs.get_int("value_int", from_double<int64_t>(fv));
      RunFn fn;
      auto make = [&](auto tag) {
        using T = typename decltype(tag)::type;
        const T v = std::is_floating_point_v<T> ? static_cast<T>(fv) : static_cast<T>(iv);
        fn = [v](std::span<const TensorView>, std::span<const TensorView> out) {
          fill<T>(out[0].data, out[0].num_elements(), v);
        };
      };
      if (d == DType::kBool) {
        const bool v = iv != 0;
        fn = [v](std::span<const TensorView>, std::span<const TensorView> out) {
          fill<bool>(out[0].data, out[0].num_elements(), v);
        };
      } else if (!visit_numeric(d, make)) {
        return unsupported_dtype(graph, node, d);
      }
      return make_kernel(std::move(fn));
    }
    case OpKind::kRange: {
      RunFn fn;
      if (!visit_numeric(d, [&](auto tag) {
            using T = typename decltype(tag)::type;
            fn = [](std::span<const TensorView> in, std::span<const TensorView> out) {
              const T start = *in[0].as<const T>(), delta = *in[2].as<const T>();
              T* y = out[0].as<T>();
              for (int64_t i = 0, n = out[0].num_elements(); i < n; ++i) {
                if constexpr (std::is_integral_v<T>) {
                  // Wraps like numpy's integer arange instead of overflowing (undefined;
                  // fuzz_onnx crash 4b00f58d). The unsigned type of at least 32 bits also
                  // avoids int16 promotion to a signed int.
                  using U = std::make_unsigned_t<decltype(T() + 0)>;
                  y[i] = static_cast<T>(static_cast<U>(start) +
                                        static_cast<U>(i) * static_cast<U>(delta));
                } else {
                  y[i] = static_cast<T>(start + static_cast<T>(i) * delta);
                }
              }
            };
          }))
        return unsupported_dtype(graph, node, d);
      return make_kernel(std::move(fn));
    }
    default: {  // EyeLike
      const int64_t k = node.attrs.get_int("k", 0);
      const Shape& s = output_of(graph, node).shape;
      const int64_t rows = s[0], cols = s[1];
      const size_t elem = dtype_size(d);
      if (d != DType::kBool && !visit_numeric(d, [](auto) {}))
        return unsupported_dtype(graph, node, d);
      RunFn fn;
      visit_numeric(d, [&](auto tag) {
        using T = typename decltype(tag)::type;
        fn = [=](std::span<const TensorView>, std::span<const TensorView> out) {
          std::memset(out[0].data, 0, static_cast<size_t>(rows * cols) * elem);
          for (int64_t r = 0; r < rows; ++r)
            if (r + k >= 0 && r + k < cols) out[0].as<T>()[r * cols + r + k] = T(1);
        };
      });
      if (d == DType::kBool)
        fn = [=](std::span<const TensorView>, std::span<const TensorView> out) {
          std::memset(out[0].data, 0, static_cast<size_t>(rows * cols));
          for (int64_t r = 0; r < rows; ++r)
            if (r + k >= 0 && r + k < cols) out[0].as<bool>()[r * cols + r + k] = true;
        };
      return make_kernel(std::move(fn));
    }
  }
}

}  // namespace outpost
