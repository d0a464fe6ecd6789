// Gather, GatherElements, GatherND, ScatterElements, ScatterND and OneHot. Indices are int32 or
// int64, negative ones count from the end; an index out of range (hostile data, read at run
// time) yields zeros or is skipped, never a read or write outside the tensors.
#include <algorithm>
#include <functional>

#include "backends/ref/onnx_common.h"
#include "backends/ref/onnx_kernel_factories.h"

namespace outpost {
namespace {

using namespace onnx_ref;  // NOLINT: this file's helpers

// Index i of an indices tensor normalized against `dim`, or -1 when out of range.
inline int64_t index_at(const TensorView& t, int64_t i, int64_t dim) {
  int64_t v = int_at(t.dtype, t.data, i);
  if (v < 0) v += dim;
  return v >= 0 && v < dim ? v : -1;
}

Status check_indices(const Graph& g, const Node& n, size_t i) {
  const DType d = input_of(g, n, i).dtype;
  if (d != DType::kInt32 && d != DType::kInt64)
    return not_handled(g, n, std::string("indices are ") + dtype_name(d));
  return Status::ok();
}

Result<std::unique_ptr<Kernel>> make_gather(const Node& node, const Graph& graph, size_t elem) {
  const Shape& x = input_of(graph, node, 0).shape;
  int64_t axis = node.attrs.get_int("axis", 0);
  if (axis < 0) axis += static_cast<int64_t>(x.rank());
  int64_t outer = 1, inner = static_cast<int64_t>(elem);
  for (size_t k = 0; k < x.rank(); ++k) {
    if (static_cast<int64_t>(k) < axis) outer *= x[k];
    if (static_cast<int64_t>(k) > axis) inner *= x[k];
  }
  const int64_t dim = x[static_cast<size_t>(axis)];
  return make_kernel([=](std::span<const TensorView> in, std::span<const TensorView> out) {
    const auto* src = static_cast<const uint8_t*>(in[0].data);
    auto* dst = static_cast<uint8_t*>(out[0].data);
    const int64_t count = in[1].num_elements();
    for (int64_t o = 0; o < outer; ++o) {
      for (int64_t j = 0; j < count; ++j) {
        const int64_t idx = index_at(in[1], j, dim);
        uint8_t* to = dst + (o * count + j) * inner;
        if (idx < 0)
          std::memset(to, 0, static_cast<size_t>(inner));
        else
          std::memcpy(to, src + (o * dim + idx) * inner, static_cast<size_t>(inner));
      }
    }
  });
}

// GatherElements and ScatterElements: the element at position p of indices/updates maps to the
// data position p with its axis coordinate replaced by the index.
struct ElementMap {
  Shape idx_shape;
  std::vector<int64_t> data_stride;
  std::vector<int64_t> data_dims;
  size_t axis = 0;
  template <typename F>
  void each(const TensorView& indices, F f) const {
    std::array<int64_t, kMaxRank> index{};
    const int64_t total = idx_shape.num_elements().value_or(0);
    for (int64_t i = 0; i < total; ++i) {
      int64_t off = 0;
      bool ok = true;
      for (size_t k = 0; k < idx_shape.rank(); ++k) {
        int64_t c = index[k];
        if (k == axis) {
          c = index_at(indices, i, data_dims[k]);
          ok = ok && c >= 0;
        } else if (c >= data_dims[k]) {
          ok = false;
        }
        off += c * data_stride[k];
      }
      f(i, ok ? off : -1);
      for (size_t k = idx_shape.rank(); k-- > 0;) {
        if (++index[k] < idx_shape[k]) break;
        index[k] = 0;
      }
    }
  }
};

// Scatter's reductions: 0 none (the update replaces), 1 add, 2 mul, 3 max, 4 min (max and min
// from opset 18).
// Integer sums and products wrap (onnx_common.h's wrapping): TFLite's segment sums reach here
// with int32 data, and a hostile model's overflow must not be undefined (fuzz_tflite 64e7c665).
template <typename T>
void reduce_into(T& dst, T v, int reduction) {
  if (reduction == 1)
    dst = wrapping(dst, v, std::plus<>());
  else if (reduction == 2)
    dst = wrapping(dst, v, std::multiplies<>());
  else if (reduction == 3)
    dst = std::max(dst, v);
  else if (reduction == 4)
    dst = std::min(dst, v);
  else
    dst = v;
}

Result<int> reduction_of(const Node& node, const Graph& graph) {
  const std::string r = node.attrs.get_string("reduction", "none");
  if (r == "none") return 0;
  if (r == "add") return 1;
  if (r == "mul") return 2;
  if (r == "max") return 3;
  if (r == "min") return 4;
  return Status(not_handled(graph, node, "reduction '" + r + "' is not supported"));
}

Result<std::unique_ptr<Kernel>> make_scatter(const Node& node, const Graph& graph) {
  const DType d = input_of(graph, node, 0).dtype;
  const Shape& x = input_of(graph, node, 0).shape;
  OUTPOST_ASSIGN_OR_RETURN(int reduction, reduction_of(node, graph));
  const size_t bytes = static_cast<size_t>(x.num_elements().value_or(0)) * dtype_size(d);
  RunFn fn;
  if (node.op == OpKind::kScatterElements) {
    int64_t axis = node.attrs.get_int("axis", 0);
    if (axis < 0) axis += static_cast<int64_t>(x.rank());
    const ElementMap map{input_of(graph, node, 1).shape, strides_of(x), x.dims(),
                         static_cast<size_t>(axis)};
    if (!visit_numeric(d, [&](auto tag) {
          using T = typename decltype(tag)::type;
          fn = [=](std::span<const TensorView> in, std::span<const TensorView> out) {
            if (bytes) std::memcpy(out[0].data, in[0].data, bytes);
            const T* upd = in[2].as<const T>();
            T* y = out[0].as<T>();
            map.each(in[1], [&](int64_t i, int64_t off) {
              if (off >= 0) reduce_into(y[off], upd[i], reduction);
            });
          };
        }))
      return unsupported_dtype(graph, node, d);
    return make_kernel(std::move(fn));
  }
  // ScatterND: indices [..., q] address slices of `slice` elements.
  const Shape& idx = input_of(graph, node, 1).shape;
  const size_t q = static_cast<size_t>(idx[idx.rank() - 1]);
  const std::vector<int64_t> stride = strides_of(x);
  const int64_t slice = q < x.rank() ? stride[q - 1] : 1;
  const int64_t tuples = idx.num_elements().value_or(0) / static_cast<int64_t>(q);
  const std::vector<int64_t> dims = x.dims();
  // Bools are only written, never reduced: as bytes.
  const DType as = d == DType::kBool && reduction == 0 ? DType::kUInt8 : d;
  if (!visit_numeric(as, [&](auto tag) {
        using T = typename decltype(tag)::type;
        fn = [=](std::span<const TensorView> in, std::span<const TensorView> out) {
          if (bytes) std::memcpy(out[0].data, in[0].data, bytes);
          const T* upd = in[2].as<const T>();
          T* y = out[0].as<T>();
          for (int64_t t = 0; t < tuples; ++t) {
            int64_t off = 0;
            bool ok = true;
            for (size_t k = 0; k < q; ++k) {
              const int64_t c =
                  index_at(in[1], t * static_cast<int64_t>(q) + static_cast<int64_t>(k), dims[k]);
              ok = ok && c >= 0;
              off += c * stride[k];
            }
            if (!ok) continue;
            for (int64_t e = 0; e < slice; ++e)
              reduce_into(y[off + e], upd[t * slice + e], reduction);
          }
        };
      }))
    return unsupported_dtype(graph, node, d);
  return make_kernel(std::move(fn));
}

Result<std::unique_ptr<Kernel>> make_gather_nd(const Node& node, const Graph& graph, size_t elem) {
  const Shape& x = input_of(graph, node, 0).shape;
  const Shape& idx = input_of(graph, node, 1).shape;
  const int64_t b = node.attrs.get_int("batch_dims", 0);
  const size_t q = static_cast<size_t>(idx[idx.rank() - 1]);
  const std::vector<int64_t> stride = strides_of(x);
  int64_t batch = 1;
  for (int64_t k = 0; k < b; ++k) batch *= x[static_cast<size_t>(k)];
  const int64_t batch_stride = b > 0 ? stride[static_cast<size_t>(b - 1)] : 0;
  const int64_t slice =
      static_cast<size_t>(b) + q < x.rank() ? stride[static_cast<size_t>(b) + q - 1] : 1;
  const int64_t tuples_per_batch = idx.num_elements().value_or(0) / static_cast<int64_t>(q) / batch;
  const std::vector<int64_t> dims = x.dims();
  return make_kernel([=](std::span<const TensorView> in, std::span<const TensorView> out) {
    const auto* src = static_cast<const uint8_t*>(in[0].data);
    auto* dst = static_cast<uint8_t*>(out[0].data);
    const int64_t e = static_cast<int64_t>(elem);
    for (int64_t bi = 0; bi < batch; ++bi) {
      for (int64_t t = 0; t < tuples_per_batch; ++t) {
        const int64_t tuple = bi * tuples_per_batch + t;
        int64_t off = bi * batch_stride;
        bool ok = true;
        for (size_t k = 0; k < q; ++k) {
          const int64_t c =
              index_at(in[1], tuple * static_cast<int64_t>(q) + static_cast<int64_t>(k),
                       dims[static_cast<size_t>(b) + k]);
          ok = ok && c >= 0;
          off += c * stride[static_cast<size_t>(b) + k];
        }
        uint8_t* to = dst + tuple * slice * e;
        if (ok)
          std::memcpy(to, src + off * e, static_cast<size_t>(slice * e));
        else
          std::memset(to, 0, static_cast<size_t>(slice * e));
      }
    }
  });
}

Result<std::unique_ptr<Kernel>> make_one_hot(const Node& node, const Graph& graph) {
  const Shape& out_shape = output_of(graph, node).shape;
  int64_t axis = node.attrs.get_int("axis", -1);
  if (axis < 0) axis += static_cast<int64_t>(out_shape.rank());
  const int64_t depth = out_shape[static_cast<size_t>(axis)];
  int64_t outer = 1, inner = 1;
  for (size_t k = 0; k < out_shape.rank(); ++k) {
    if (static_cast<int64_t>(k) < axis) outer *= out_shape[k];
    if (static_cast<int64_t>(k) > axis) inner *= out_shape[k];
  }
  const DType id = input_of(graph, node, 0).dtype;
  const size_t elem = dtype_size(output_of(graph, node).dtype);
  RunFn fn;
  if (!visit_numeric(id, [&](auto tag) {
        using I = typename decltype(tag)::type;
        fn = [=](std::span<const TensorView> in, std::span<const TensorView> out) {
          const I* idx = in[0].as<const I>();
          const auto* values = static_cast<const uint8_t*>(in[2].data);
          auto* dst = static_cast<uint8_t*>(out[0].data);
          for (int64_t o = 0; o < outer; ++o)
            for (int64_t k = 0; k < depth; ++k)
              for (int64_t i = 0; i < inner; ++i) {
                int64_t v = static_cast<int64_t>(idx[o * inner + i]);
                if (v < 0) v += depth;
                std::memcpy(dst + ((o * depth + k) * inner + i) * static_cast<int64_t>(elem),
                            values + (v == k ? elem : 0), elem);
              }
        };
      }))
    return unsupported_dtype(graph, node, id);
  return make_kernel(std::move(fn));
}

}  // namespace

Result<std::unique_ptr<Kernel>> make_onnx_gather(const Node& node, const Graph& graph) {
  const DType d = input_of(graph, node, 0).dtype;
  const size_t elem = dtype_size(d);
  OUTPOST_RETURN_IF_ERROR(check_rank(graph, node, input_of(graph, node, 0).shape));
  OUTPOST_RETURN_IF_ERROR(check_rank(graph, node, output_of(graph, node).shape));
  if (node.op == OpKind::kOneHot) return make_one_hot(node, graph);
  OUTPOST_RETURN_IF_ERROR(check_indices(graph, node, 1));
  switch (node.op) {
    case OpKind::kGather:
      return make_gather(node, graph, elem);
    case OpKind::kGatherND:
      return make_gather_nd(node, graph, elem);
    case OpKind::kGatherElements: {
      const Shape& x = input_of(graph, node, 0).shape;
      int64_t axis = node.attrs.get_int("axis", 0);
      if (axis < 0) axis += static_cast<int64_t>(x.rank());
      const ElementMap map{input_of(graph, node, 1).shape, strides_of(x), x.dims(),
                           static_cast<size_t>(axis)};
      return make_kernel(
          [map, elem](std::span<const TensorView> in, std::span<const TensorView> out) {
            const auto* src = static_cast<const uint8_t*>(in[0].data);
            auto* dst = static_cast<uint8_t*>(out[0].data);
            const int64_t e = static_cast<int64_t>(elem);
            map.each(in[1], [&](int64_t i, int64_t off) {
              if (off >= 0)
                std::memcpy(dst + i * e, src + off * e, elem);
              else
                std::memset(dst + i * e, 0, elem);
            });
          });
    }
    default:
      return make_scatter(node, graph);
  }
}

}  // namespace outpost
