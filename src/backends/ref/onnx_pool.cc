// ONNX MaxPool (float32/float64/int8/uint8; the optional Indices output, row- or column-major
// by storage_order), AveragePool (float32/float64; count_include_pad counts the pads inside the
// padded input, never the part of a ceil_mode window past it), GlobalAveragePool and
// GlobalMaxPool; MaxUnpool. Shape inference guarantees every window holds at least one input
// element.
#include "backends/ref/onnx_nn_common.h"
#include "backends/ref/onnx_nn_kernel_factories.h"

namespace outpost {
namespace {

using namespace onnx_ref;  // NOLINT: this file's helpers

template <typename F>
bool visit_max_pool(DType d, F&& f) {
  return visit_float(d, f) || visit_q8(d, f);
}

// The common case, 2-D float MaxPool without dilation or indices (CNN stems and SqueezeNet),
// without the generic loop's per-element range arithmetic: each output row's and column's
// window is clipped once, at creation, into tables. The window's first element starts the
// maximum and only a greater one replaces it, as in the generic loop.
RunFn max_pool_2d_float(const Geometry3& g, int64_t planes) {
  auto clipped = [](int64_t count, int64_t extent, int64_t kernel, int64_t stride, int64_t pad) {
    std::vector<IndexRange> out(static_cast<size_t>(count));
    for (int64_t o = 0; o < count; ++o) {
      const int64_t start = o * stride - pad;
      const IndexRange r = valid_range(extent, kernel, 1, start);
      out[static_cast<size_t>(o)] = {start + r.lo, start + r.hi};
    }
    return out;
  };
  const std::vector<IndexRange> rows = clipped(g.out[1], g.in[1], g.kernel[1], g.stride[1], g.pad[1]);
  const std::vector<IndexRange> cols = clipped(g.out[2], g.in[2], g.kernel[2], g.stride[2], g.pad[2]);
  return [=](std::span<const TensorView> in, std::span<const TensorView> out) {
    const int64_t in_w = g.in[2], is = g.in[1] * g.in[2], os = g.out[1] * g.out[2];
    for (int64_t p = 0; p < planes; ++p) {
      const float* xp = in[0].as<const float>() + p * is;
      float* yp = out[0].as<float>() + p * os;
      for (const IndexRange& r : rows) {
        for (const IndexRange& c : cols) {
          float best = xp[r.lo * in_w + c.lo];
          for (int64_t i = r.lo; i < r.hi; ++i)
            for (int64_t j = c.lo; j < c.hi; ++j)
              if (xp[i * in_w + j] > best) best = xp[i * in_w + j];
          *yp++ = best;
        }
      }
    }
  };
}

Result<std::unique_ptr<Kernel>> make_window_pool(const Node& node, const Graph& graph) {
  const Shape& x = input_of(graph, node, 0).shape;
  OUTPOST_ASSIGN_OR_RETURN(OnnxWindow win, onnx_window(graph, node, x, nullptr));
  Geometry3 g = pad_to_3d(win);
  int64_t pad_end[3] = {0, 0, 0};
  for (size_t d = 0; d < win.dims; ++d) pad_end[kMaxWindowDims - win.dims + d] = win.pad_end[d];
  const int64_t planes = x[0] * x[1];
  const bool is_max = node.op == OpKind::kMaxPool;
  const bool include_pad = node.attrs.get_int("count_include_pad", 0) != 0;
  const bool column_major = node.attrs.get_int("storage_order", 0) != 0;
  const bool indices = node.outputs.size() > 1;
  const DType dt = input_of(graph, node, 0).dtype;
  RunFn fn;
  auto body = [&](auto tag) {
    using T = typename decltype(tag)::type;
    fn = [=](std::span<const TensorView> in, std::span<const TensorView> out) {
      const int64_t is = g.in_size(), os = g.out_size();
      for (int64_t p = 0; p < planes; ++p) {
        const T* xp = in[0].as<const T>() + p * is;
        int64_t o = p * os;
        for (int64_t o0 = 0; o0 < g.out[0]; ++o0) {
          const int64_t s0 = o0 * g.stride[0] - g.pad[0];
          const IndexRange r0 = valid_range(g.in[0], g.kernel[0], g.dilation[0], s0);
          for (int64_t o1 = 0; o1 < g.out[1]; ++o1) {
            const int64_t s1 = o1 * g.stride[1] - g.pad[1];
            const IndexRange r1 = valid_range(g.in[1], g.kernel[1], g.dilation[1], s1);
            for (int64_t o2 = 0; o2 < g.out[2]; ++o2, ++o) {
              const int64_t s2 = o2 * g.stride[2] - g.pad[2];
              const IndexRange r2 = valid_range(g.in[2], g.kernel[2], g.dilation[2], s2);
              T best = T(0);
              int64_t best_at = -1;
              double sum = 0;
              for (int64_t j0 = r0.lo; j0 < r0.hi; ++j0) {
                const int64_t i0 = s0 + j0 * g.dilation[0];
                for (int64_t j1 = r1.lo; j1 < r1.hi; ++j1) {
                  const int64_t i1 = s1 + j1 * g.dilation[1];
                  for (int64_t j2 = r2.lo; j2 < r2.hi; ++j2) {
                    const int64_t i2 = s2 + j2 * g.dilation[2];
                    const T v = xp[(i0 * g.in[1] + i1) * g.in[2] + i2];
                    if (is_max) {
                      if (best_at < 0 || v > best) {
                        best = v;
                        best_at = column_major ? i0 + g.in[0] * (i1 + g.in[1] * i2)
                                               : (i0 * g.in[1] + i1) * g.in[2] + i2;
                      }
                    } else {
                      sum += static_cast<double>(v);
                    }
                  }
                }
              }
              if (is_max) {
                out[0].as<T>()[o] = best;
                if (indices) out[1].as<int64_t>()[o] = p * is + best_at;
                continue;
              }
              int64_t count = (r0.hi - r0.lo) * (r1.hi - r1.lo) * (r2.hi - r2.lo);
              if (include_pad) {
                count = 1;
                const int64_t starts[3] = {s0, s1, s2};
                for (size_t d = 0; d < 3; ++d) {
                  const IndexRange r = valid_range(g.in[d] + g.pad[d] + pad_end[d], g.kernel[d],
                                                   g.dilation[d], starts[d] + g.pad[d]);
                  count *= r.hi - r.lo;
                }
              }
              out[0].as<T>()[o] = static_cast<T>(sum / static_cast<double>(count));
            }
          }
        }
      }
    };
  };
  if (is_max && !indices && win.dims == 2 && dt == DType::kFloat32 && g.dilation[1] == 1 && g.dilation[2] == 1)
    return make_kernel(max_pool_2d_float(g, planes));
  if (!(is_max ? visit_max_pool(dt, body) : visit_float(dt, body)))
    return unsupported_dtype(graph, node, dt);
  return make_kernel(std::move(fn));
}

Result<std::unique_ptr<Kernel>> make_global_pool(const Node& node, const Graph& graph) {
  const Shape& x = input_of(graph, node, 0).shape;
  const int64_t planes = x[0] * x[1];
  int64_t size = 1;
  for (size_t k = 2; k < x.rank(); ++k) size *= x[k];
  const bool is_max = node.op == OpKind::kGlobalMaxPool;
  RunFn fn;
  if (!visit_float(input_of(graph, node, 0).dtype, [&](auto tag) {
        using T = typename decltype(tag)::type;
        fn = [=](std::span<const TensorView> in, std::span<const TensorView> out) {
          for (int64_t p = 0; p < planes; ++p) {
            const T* xp = in[0].as<const T>() + p * size;
            double acc = is_max ? static_cast<double>(xp[0]) : 0.0;
            for (int64_t i = 0; i < size; ++i) {
              const double v = static_cast<double>(xp[i]);
              acc = is_max ? std::max(acc, v) : acc + v;
            }
            out[0].as<T>()[p] = static_cast<T>(is_max ? acc : acc / static_cast<double>(size));
          }
        };
      }))
    return unsupported_dtype(graph, node, input_of(graph, node, 0).dtype);
  return make_kernel(std::move(fn));
}

// MaxUnpool: zeros, and each input element written where its indices entry points: a flat
// index into the natural output shape, whose coordinates are kept in the declared one (as the
// ONNX reference). Entries outside either are ignored: they are the model's run-time data.
Result<std::unique_ptr<Kernel>> make_max_unpool(const Node& node, const Graph& graph) {
  const Shape& x = input_of(graph, node, 0).shape;
  OUTPOST_ASSIGN_OR_RETURN(std::vector<int64_t> natural, onnx_unpool_dims(graph, node, x));
  const std::vector<int64_t> dims = output_of(graph, node).shape.dims();
  const int64_t count = x.num_elements().value_or(0);
  const int64_t out_count = output_of(graph, node).shape.num_elements().value_or(0);
  const int64_t natural_count = Shape(natural).num_elements().value_or(0);
  RunFn fn;
  if (!visit_max_pool(input_of(graph, node, 0).dtype, [&](auto tag) {
        using T = typename decltype(tag)::type;
        fn = [=](std::span<const TensorView> in, std::span<const TensorView> out) {
          T* y = out[0].as<T>();
          std::fill(y, y + out_count, T(0));
          const int64_t* idx = in[1].as<const int64_t>();
          for (int64_t i = 0; i < count; ++i) {
            int64_t rest = idx[i];
            if (rest < 0 || rest >= natural_count) continue;
            int64_t at = 0, scale = 1;
            bool inside = true;
            for (size_t k = natural.size(); k-- > 0;) {
              const int64_t c = rest % natural[k];
              rest /= natural[k];
              inside = inside && c < dims[k];
              at += c * scale;
              scale *= dims[k];
            }
            if (inside) y[at] = in[0].as<const T>()[i];
          }
        };
      }))
    return unsupported_dtype(graph, node, input_of(graph, node, 0).dtype);
  return make_kernel(std::move(fn));
}

}  // namespace

Result<std::unique_ptr<Kernel>> make_onnx_pool(const Node& node, const Graph& graph) {
  if (node.op == OpKind::kMaxUnpool) return make_max_unpool(node, graph);
  if (node.op == OpKind::kGlobalAveragePool || node.op == OpKind::kGlobalMaxPool)
    return make_global_pool(node, graph);
  return make_window_pool(node, graph);
}

}  // namespace outpost
