// Helpers shared by the reference kernels of the ONNX tensor ops: a kernel made of a closure,
// dtype dispatch over the element types, numpy broadcasting of up to three operands, and
// reading constant operands.
#pragma once

#include <array>
#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "ir/constant_ints.h"
#include "backends/kernel.h"
#include "core/float16.h"

namespace outpost::onnx_ref {

// A kernel whose run() is a closure made by the factory (the closure holds what the factory
// precomputed; run() allocates nothing).
using RunFn = std::function<void(std::span<const TensorView>, std::span<const TensorView>)>;
class ClosureKernel final : public Kernel {
 public:
  explicit ClosureKernel(RunFn fn) : fn_(std::move(fn)) {}
  Status run(std::span<const TensorView> inputs, std::span<const TensorView> outputs) override {
    fn_(inputs, outputs);
    return Status::ok();
  }

 private:
  RunFn fn_;
};

// A kernel that reads, at run time, an operand the output shape depends on (a window's size, the
// axes of a reduction): the closure returns an error when the value disagrees with the shape the
// model declared and the session planned, rather than write past the output.
using CheckedRunFn =
    std::function<Status(std::span<const TensorView>, std::span<const TensorView>)>;
class CheckedClosureKernel final : public Kernel {
 public:
  explicit CheckedClosureKernel(CheckedRunFn fn) : fn_(std::move(fn)) {}
  Status run(std::span<const TensorView> inputs, std::span<const TensorView> outputs) override {
    return fn_(inputs, outputs);
  }

 private:
  CheckedRunFn fn_;
};

// "model.onnx: node 3 (HannWindow 'w')", the start of a kernel's run-time error message.
inline std::string where_of(const Graph& g, const Node& n) {
  return g.source + ": " + n.describe();
}

// The error of a run-time operand whose value asks for another output extent than the planned one.
inline Status extent_mismatch(const std::string& where, const std::string& what, int64_t got,
                              int64_t planned) {
  return shape_mismatch(where + ": " + what + " is " + std::to_string(got) +
                        " at run time, but the output was planned from the model's declared "
                        "shape for " + std::to_string(planned));
}

// A double as T: bool is v != 0; for integer T, NaN becomes 0 and values beyond T's range
// saturate (a plain cast of those is undefined: Pow on int32 and ConstantOfShape's value
// overflowed in fuzz/fuzz_onnx); floats convert as C++ does.
template <typename T>
inline T from_double(double v) {
  if constexpr (std::is_same_v<T, bool>) {
    return v != 0;
  } else if constexpr (std::is_integral_v<T>) {
    if (std::isnan(v)) return T(0);
    if (v <= static_cast<double>(std::numeric_limits<T>::lowest())) return std::numeric_limits<T>::lowest();
    if (v >= static_cast<double>(std::numeric_limits<T>::max())) return std::numeric_limits<T>::max();
    return static_cast<T>(v);
  } else {
    return static_cast<T>(v);
  }
}

// Integer arithmetic wraps on two's complement, as numpy's does. In C++ signed overflow (and
// uint16 * uint16 promoted to int) is undefined, and hostile inputs reach it (fuzz/fuzz_onnx),
// so it is done in an unsigned type at least as wide as unsigned int.
template <typename T, typename F>
inline T wrapping(T a, T b, F f) {
  if constexpr (std::is_integral_v<T>) {
    using W = std::conditional_t<(sizeof(T) < sizeof(unsigned)), unsigned, std::make_unsigned_t<T>>;
    return static_cast<T>(f(static_cast<W>(a), static_cast<W>(b)));
  } else {
    return T(f(a, b));
  }
}

inline Result<std::unique_ptr<Kernel>> make_kernel(RunFn fn) {
  return std::unique_ptr<Kernel>(std::make_unique<ClosureKernel>(std::move(fn)));
}
inline Result<std::unique_ptr<Kernel>> make_checked_kernel(CheckedRunFn fn) {
  return std::unique_ptr<Kernel>(std::make_unique<CheckedClosureKernel>(std::move(fn)));
}

template <typename T>
struct Tag {
  using type = T;
};

// Calls f(Tag<T>{}) for the C++ type of `dtype`; false if the dtype is not in the set.
template <typename F>
bool visit_float(DType d, F&& f) {
  switch (d) {
    case DType::kFloat32:
      f(Tag<float>{});
      return true;
    case DType::kFloat64:
      f(Tag<double>{});
      return true;
    default:
      return false;
  }
}
template <typename F>
bool visit_int(DType d, F&& f) {
  switch (d) {
    case DType::kInt8:
      f(Tag<int8_t>{});
      return true;
    case DType::kInt16:
      f(Tag<int16_t>{});
      return true;
    case DType::kInt32:
      f(Tag<int32_t>{});
      return true;
    case DType::kInt64:
      f(Tag<int64_t>{});
      return true;
    case DType::kUInt8:
      f(Tag<uint8_t>{});
      return true;
    case DType::kUInt16:
      f(Tag<uint16_t>{});
      return true;
    case DType::kUInt32:
      f(Tag<uint32_t>{});
      return true;
    case DType::kUInt64:
      f(Tag<uint64_t>{});
      return true;
    default:
      return false;
  }
}
template <typename F>
bool visit_numeric(DType d, F&& f) {
  return visit_float(d, f) || visit_int(d, f);
}

constexpr size_t kMaxRank = 8;

// Numpy broadcasting of up to three operands against the output shape: per operand, element
// strides over the output's dimensions (0 where the operand is broadcast).
struct Broadcast {
  size_t rank = 0;
  size_t operands = 0;
  std::array<int64_t, kMaxRank> dims{};
  std::array<std::array<int64_t, kMaxRank>, 3> strides{};
  int64_t total = 1;
};

inline Broadcast plan_broadcast(const Shape& out, std::initializer_list<const Shape*> ins) {
  Broadcast b;
  b.rank = out.rank();
  b.operands = ins.size();
  for (size_t k = 0; k < b.rank; ++k) {
    b.dims[k] = out[k];
    b.total *= out[k];
  }
  size_t i = 0;
  for (const Shape* s : ins) {
    int64_t stride = 1;
    for (size_t k = s->rank(); k-- > 0;) {
      const size_t o = b.rank - s->rank() + k;
      b.strides[i][o] = (*s)[k] == 1 ? 0 : stride;
      stride *= (*s)[k];
    }
    ++i;
  }
  return b;
}

// Calls f(out_index, offset0, offset1, offset2) for each output element in row-major order.
template <typename F>
void for_each_broadcast(const Broadcast& b, F&& f) {
  std::array<int64_t, kMaxRank> index{};
  std::array<int64_t, 3> off{};
  for (int64_t i = 0; i < b.total; ++i) {
    f(i, off[0], off[1], off[2]);
    for (size_t k = b.rank; k-- > 0;) {
      for (size_t o = 0; o < b.operands; ++o) off[o] += b.strides[o][k];
      if (++index[k] < b.dims[k]) break;
      for (size_t o = 0; o < b.operands; ++o) off[o] -= b.strides[o][k] * b.dims[k];
      index[k] = 0;
    }
  }
}

inline Status check_rank(const Graph& g, const Node& n, const Shape& s) {
  if (s.rank() > kMaxRank)
    return not_handled(g, n, "rank " + std::to_string(s.rank()) + " exceeds 8");
  return Status::ok();
}

// Row-major strides of a shape, in elements. An empty tensor (a dimension 0) addresses no
// element, and its other dimensions may multiply past int64 (fuzz_tflite crash-d2f67257): its
// strides are all 0.
inline std::vector<int64_t> strides_of(const Shape& s) {
  std::vector<int64_t> st(s.rank(), 1);
  for (int64_t d : s.dims())
    if (d == 0) return std::vector<int64_t>(s.rank(), 0);
  for (size_t k = s.rank(); k-- > 1;) st[k - 1] = st[k] * s[k];
  return st;
}

// Reads element i of a constant or tensor as int64 (int32/int64 only).
inline int64_t int_at(DType d, const void* data, int64_t i) {
  if (d == DType::kInt32) return static_cast<const int32_t*>(data)[i];
  return static_cast<const int64_t*>(data)[i];
}

// The values of a constant integer operand; kUnsupported if it is not one.
inline Result<std::vector<int64_t>> constant_int_values(const Graph& g, const Node& n, size_t i) {
  const Value& v = input_of(g, n, i);
  if (!v.is_constant() || (v.dtype != DType::kInt32 && v.dtype != DType::kInt64))
    return not_handled(g, n, "input " + std::to_string(i) + " must be an int32/int64 constant");
  return constant_ints(v);
}

// Slice and Pad in their older attribute form hold their operands (starts, ends, axes; pads,
// value) as attributes, and such a node has its one input; the input form needs more.
inline bool attribute_form(const Node& n) { return n.inputs.size() == 1; }

inline Status unsupported_dtype(const Graph& g, const Node& n, DType d) {
  return not_handled(
      g, n, std::string("dtype ") + dtype_name(d) + " is not supported by the reference kernel");
}

}  // namespace outpost::onnx_ref
