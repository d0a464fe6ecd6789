// Slice, Split, Expand, Tile and Pad (constant, reflect, edge; the general kernel, after
// pad.cc's) as element copies of any dtype: each output element is read from one input position
// (or is the pad value).
#include <algorithm>

#include "backends/ref/onnx_common.h"
#include "backends/ref/onnx_kernel_factories.h"

namespace outpost {
namespace {

using namespace onnx_ref;  // NOLINT: this file's helpers

// For each output element, maps its multi-index to an input offset through `source`, which gets
// the output index per dimension and returns the input offset or -1 for "the pad value".
// A slice whose innermost step is 1 reads whole rows: one memcpy per output row.
template <typename Source>
bool copy_rows(const Shape& out_shape, size_t elem, const Source& source,
               std::span<const TensorView> in, std::span<const TensorView> out) {
  const size_t rank = out_shape.rank();
  if (source.kind != Source::kAffine || rank == 0 || source.in_dims.size() != rank ||
      source.step.back() != 1)
    return false;
  const int64_t row = out_shape[rank - 1];
  if (row <= 0) return true;
  const auto* src = static_cast<const uint8_t*>(in[0].data);
  auto* dst = static_cast<uint8_t*>(out[0].data);
  const size_t row_bytes = static_cast<size_t>(row) * elem;
  const int64_t rows = out[0].num_elements() / row;
  std::array<int64_t, kMaxRank> index{};
  for (int64_t r = 0; r < rows; ++r) {
    std::memcpy(dst + r * static_cast<int64_t>(row_bytes),
                src + source(index) * static_cast<int64_t>(elem), row_bytes);
    for (size_t k = rank - 1; k-- > 0;) {
      if (++index[k] < out_shape[k]) break;
      index[k] = 0;
    }
  }
  return true;
}

template <typename Source>
void copy_via(const Shape& out_shape, size_t elem, const Source& source,
              std::span<const TensorView> in, std::span<const TensorView> out) {
  if (copy_rows(out_shape, elem, source, in, out)) return;
  {
    const auto* src = static_cast<const uint8_t*>(in[0].data);
    auto* dst = static_cast<uint8_t*>(out[0].data);
    const int64_t total = out[0].num_elements();
    std::array<int64_t, kMaxRank> index{};
    // The pad value: input 2 when present, else the attribute form's value, or zero bytes.
    const uint8_t* pad = source.pad_from_input && in.size() > 2 && in[2].data
                             ? static_cast<const uint8_t*>(in[2].data)
                             : nullptr;
    for (int64_t i = 0; i < total; ++i) {
      const int64_t off = source(index);
      if (off >= 0)
        std::memcpy(dst + i * static_cast<int64_t>(elem), src + off * static_cast<int64_t>(elem),
                    elem);
      else if (pad)
        std::memcpy(dst + i * static_cast<int64_t>(elem), pad, elem);
      else
        source.fill(dst + i * static_cast<int64_t>(elem));
      for (size_t k = out_shape.rank(); k-- > 0;) {
        if (++index[k] < out_shape[k]) break;
        index[k] = 0;
      }
    }
  }
}

template <typename Source>
RunFn gather_copy(Shape out_shape, size_t elem, Source source) {
  return
      [out_shape, elem, source](std::span<const TensorView> in, std::span<const TensorView> out) {
        copy_via(out_shape, elem, source, in, out);
      };
}

// Affine maps: input coordinate = start[k] + index[k] * step[k] (Slice), index % dim (Tile),
// 0 if dim == 1 (Expand), index - pad (Pad, with the mode's rule outside the input).
struct Source {
  enum Kind { kAffine, kModulo, kBroadcast, kPadConstant, kPadReflect, kPadEdge } kind = kAffine;
  std::vector<int64_t> in_dims, in_stride, start, step;
  std::vector<uint8_t> fill_bytes;  // the constant pad value of the attribute form

  int64_t operator()(const std::array<int64_t, kMaxRank>& index) const {
    const size_t rank = in_dims.size();
    int64_t off = 0;
    const size_t shift = out_rank - rank;  // Expand may add leading dimensions
    for (size_t k = 0; k < rank; ++k) {
      int64_t i = index[k + shift];
      const int64_t d = in_dims[k];
      switch (kind) {
        case kAffine:
          i = start[k] + i * step[k];
          break;
        case kModulo:
          i = d ? i % d : 0;
          break;
        case kBroadcast:
          i = d == 1 ? 0 : i;
          break;
        default:
          i -= start[k];
          if (i < 0 || i >= d) {
            if (kind == kPadConstant || d == 0) return -1;
            if (kind == kPadEdge)
              i = std::clamp<int64_t>(i, 0, d - 1);
            else {  // reflect without repeating the edge: period 2 * (d - 1)
              const int64_t period = 2 * (d - 1);
              if (period == 0)
                i = 0;
              else {
                i = ((i % period) + period) % period;
                if (i >= d) i = period - i;
              }
            }
          }
      }
      off += i * in_stride[k];
    }
    return off;
  }
  void fill(uint8_t* dst) const {
    if (!fill_bytes.empty())
      std::memcpy(dst, fill_bytes.data(), fill_bytes.size());
    else
      std::memset(dst, 0, elem);
  }
  size_t out_rank = 0;
  size_t elem = 0;
  bool pad_from_input = false;
};

Source source_for(const Shape& in, const Shape& out, size_t elem) {
  Source s;
  s.in_dims = in.dims();
  s.in_stride = strides_of(in);
  s.start.assign(in.rank(), 0);
  s.step.assign(in.rank(), 1);
  s.out_rank = out.rank();
  s.elem = elem;
  return s;
}

// A slice whose starts/axes/steps come at run time: the declared output shape is fixed, so the
// kernel recomputes starts and steps each run and clamps every coordinate into the input.
RunFn runtime_slice(const Shape& x, const Shape& out_shape, size_t elem) {
  Source src = source_for(x, out_shape, elem);
  return [x, out_shape, elem, src](std::span<const TensorView> in,
                                   std::span<const TensorView> out) mutable {
    auto read = [&](size_t i, std::array<int64_t, kMaxRank>& dst) {
      const int64_t n =
          i < in.size() && in[i].data ? std::min<int64_t>(in[i].num_elements(), kMaxRank) : 0;
      for (int64_t k = 0; k < n; ++k)
        dst[static_cast<size_t>(k)] = int_at(in[i].dtype, in[i].data, k);
      return n;
    };
    std::array<int64_t, kMaxRank> starts{}, axes{}, steps{};
    const int64_t ns = read(1, starts), na = read(3, axes), nt = read(4, steps);
    std::fill(src.start.begin(), src.start.end(), 0);
    std::fill(src.step.begin(), src.step.end(), 1);
    for (int64_t k = 0; k < ns; ++k) {
      int64_t a = k < na ? axes[static_cast<size_t>(k)] : k;
      if (a < 0) a += static_cast<int64_t>(x.rank());
      if (a < 0 || a >= static_cast<int64_t>(x.rank())) continue;
      const int64_t step =
          k < nt && steps[static_cast<size_t>(k)] != 0 ? steps[static_cast<size_t>(k)] : 1;
      const int64_t dim = x[static_cast<size_t>(a)];
      int64_t s = starts[static_cast<size_t>(k)] < 0 ? starts[static_cast<size_t>(k)] + dim
                                                     : starts[static_cast<size_t>(k)];
      s = step > 0 ? std::clamp<int64_t>(s, 0, dim) : std::clamp<int64_t>(s, -1, dim - 1);
      // Keep the last element read inside the input whatever the operands say; a step so large
      // that the last coordinate overflows int64 is outside it too.
      int64_t last = 0;
      const bool overflows =
          __builtin_mul_overflow(out_shape[static_cast<size_t>(a)] - 1, step, &last) ||
          __builtin_add_overflow(last, s, &last);
      if (out_shape[static_cast<size_t>(a)] > 0 &&
          (overflows || s < 0 || s >= dim || last < 0 || last >= dim)) {
        s = 0;
        src.step[static_cast<size_t>(a)] = 1;
      } else {
        src.step[static_cast<size_t>(a)] = step;
      }
      src.start[static_cast<size_t>(a)] = s;
    }
    copy_via(out_shape, elem, src, in, out);
  };
}

Result<std::unique_ptr<Kernel>> make_slice(const Node& node, const Graph& graph, size_t elem) {
  const Shape& x = input_of(graph, node, 0).shape;
  bool runtime = false;
  for (size_t i = 1; i < node.inputs.size(); ++i) {
    if (!has_input(node, i)) continue;
    const DType d = input_of(graph, node, i).dtype;
    if (d != DType::kInt32 && d != DType::kInt64)
      return not_handled(graph, node, "slice operands must be int32/int64");
    runtime |= !input_of(graph, node, i).is_constant();
  }
  if (runtime) return make_kernel(runtime_slice(x, output_of(graph, node).shape, elem));
  Source src = source_for(x, output_of(graph, node).shape, elem);
  std::vector<int64_t> starts, axes, steps;
  if (attribute_form(node)) {
    starts = node.attrs.get_ints("starts");
    axes = node.attrs.get_ints("axes");
  } else {
    OUTPOST_ASSIGN_OR_RETURN(starts, constant_int_values(graph, node, 1));
    if (has_input(node, 3)) {
      OUTPOST_ASSIGN_OR_RETURN(axes, constant_int_values(graph, node, 3));
    }
    if (has_input(node, 4)) {
      OUTPOST_ASSIGN_OR_RETURN(steps, constant_int_values(graph, node, 4));
    }
  }
  if (axes.empty())
    for (size_t k = 0; k < starts.size(); ++k) axes.push_back(static_cast<int64_t>(k));
  if (steps.empty()) steps.assign(starts.size(), 1);
  if (axes.size() != starts.size() || steps.size() != starts.size())
    return not_handled(graph, node, "bad slice operands");
  for (size_t k = 0; k < starts.size(); ++k) {
    int64_t a = axes[k] < 0 ? axes[k] + static_cast<int64_t>(x.rank()) : axes[k];
    if (a < 0 || a >= static_cast<int64_t>(x.rank())) return not_handled(graph, node, "bad axis");
    const int64_t dim = x[static_cast<size_t>(a)];
    int64_t s = starts[k] < 0 ? starts[k] + dim : starts[k];
    s = steps[k] > 0 ? std::clamp<int64_t>(s, 0, dim) : std::clamp<int64_t>(s, -1, dim - 1);
    src.start[static_cast<size_t>(a)] = s;
    src.step[static_cast<size_t>(a)] = steps[k];
  }
  return make_kernel(gather_copy(output_of(graph, node).shape, elem, src));
}

Result<std::unique_ptr<Kernel>> make_pad(const Node& node, const Graph& graph, size_t elem) {
  const Shape& x = input_of(graph, node, 0).shape;
  const DType d = input_of(graph, node, 0).dtype;
  Source src = source_for(x, output_of(graph, node).shape, elem);
  std::vector<int64_t> pads;
  // Real 0 of quantized data is its zero point, which pad.cc writes; zero bytes would not be.
  const bool zero_value =
      node.attrs.get_string("mode", "constant") == "constant" &&
      (attribute_form(node) ? node.attrs.get_float("value", 0.0f) == 0.0f : !has_input(node, 2));
  if (zero_value && !input_of(graph, node, 0).quant.empty())
    return not_handled(graph, node, "quantized data pads with its zero point");
  if (!attribute_form(node) && input_of(graph, node, 1).dtype != DType::kInt64)
    return not_handled(graph, node, "pads must be int64");
  if (!attribute_form(node) && !input_of(graph, node, 1).is_constant()) {
    // Pads given at run time (constant mode; the output shape is the declared one): begin pads
    // are read each run, clamped so that reads stay inside the input.
    const std::string mode = node.attrs.get_string("mode", "constant");
    src.kind = mode == "reflect" ? Source::kPadReflect
               : mode == "edge"  ? Source::kPadEdge
                                 : Source::kPadConstant;
    src.pad_from_input = true;
    const Shape out_shape = output_of(graph, node).shape;
    return make_kernel([x, out_shape, elem, src](std::span<const TensorView> in,
                                                 std::span<const TensorView> out) mutable {
      for (size_t k = 0; k < x.rank(); ++k) {
        const int64_t pad = static_cast<int64_t>(k) < in[1].num_elements()
                                ? int_at(in[1].dtype, in[1].data, static_cast<int64_t>(k))
                                : 0;
        // Bounded so that index - pad cannot overflow: every pad beyond the input and output
        // extents reads the same elements (reflection repeats with period 2 * (dim - 1)).
        const int64_t dim = x[k], period = 2 * (dim - 1);
        src.start[k] = src.kind == Source::kPadReflect && period > 0
                           ? (pad % period + period) % period
                           : std::clamp<int64_t>(pad, -dim, out_shape[k]);
      }
      copy_via(out_shape, elem, src, in, out);
    });
  }
  if (attribute_form(node)) {
    pads = node.attrs.get_ints("pads");
    const float v = node.attrs.get_float("value", 0.0f);
    if (v != 0.0f) {
      if (d == DType::kFloat32) {
        src.fill_bytes.resize(4);
        std::memcpy(src.fill_bytes.data(), &v, 4);
      } else if (d == DType::kFloat64) {
        const double dv = v;
        src.fill_bytes.resize(8);
        std::memcpy(src.fill_bytes.data(), &dv, 8);
      } else {
        return not_handled(graph, node, "a non-zero pad value on " + std::string(dtype_name(d)));
      }
    }
  } else {
    OUTPOST_ASSIGN_OR_RETURN(pads, constant_int_values(graph, node, 1));
    if (has_input(node, 2) && input_of(graph, node, 2).dtype != d)
      return not_handled(graph, node, "constant_value has a different dtype from the data");
  }
  if (pads.size() != 2 * x.rank()) return not_handled(graph, node, "bad pads");
  for (size_t k = 0; k < x.rank(); ++k) src.start[k] = pads[k];
  src.pad_from_input = !attribute_form(node);
  const std::string mode = node.attrs.get_string("mode", "constant");
  src.kind = mode == "reflect" ? Source::kPadReflect
             : mode == "edge"  ? Source::kPadEdge
                               : Source::kPadConstant;
  return make_kernel(gather_copy(output_of(graph, node).shape, elem, src));
}

Result<std::unique_ptr<Kernel>> make_split(const Node& node, const Graph& graph, size_t elem) {
  const Shape& x = input_of(graph, node, 0).shape;
  int64_t axis = node.attrs.get_int("axis", 0);
  if (axis < 0) axis += static_cast<int64_t>(x.rank());
  int64_t outer = 1, inner = static_cast<int64_t>(elem);
  for (size_t k = 0; k < x.rank(); ++k) {
    if (static_cast<int64_t>(k) < axis) outer *= x[k];
    if (static_cast<int64_t>(k) > axis) inner *= x[k];
  }
  std::vector<int64_t> chunk;  // bytes per outer index of each output
  for (size_t o = 0; o < node.outputs.size(); ++o)
    chunk.push_back(graph.value(node.outputs[o]).shape[static_cast<size_t>(axis)] * inner);
  const int64_t row = x[static_cast<size_t>(axis)] * inner;
  return make_kernel(
      [outer, chunk, row](std::span<const TensorView> in, std::span<const TensorView> out) {
        const auto* src = static_cast<const uint8_t*>(in[0].data);
        for (int64_t o = 0; o < outer; ++o) {
          int64_t at = o * row;
          for (size_t k = 0; k < chunk.size(); ++k) {
            if (chunk[k])
              std::memcpy(static_cast<uint8_t*>(out[k].data) + o * chunk[k], src + at,
                          static_cast<size_t>(chunk[k]));
            at += chunk[k];
          }
        }
      });
}

}  // namespace

Result<std::unique_ptr<Kernel>> make_onnx_slice(const Node& node, const Graph& graph) {
  const DType d = input_of(graph, node, 0).dtype;
  const size_t elem = dtype_size(d);
  OUTPOST_RETURN_IF_ERROR(check_rank(graph, node, output_of(graph, node).shape));
  if (output_of(graph, node).dtype != d)
    return not_handled(graph, node, "input and output dtypes differ");
  switch (node.op) {
    case OpKind::kSlice:
      return make_slice(node, graph, elem);
    case OpKind::kPad:
      return make_pad(node, graph, elem);
    case OpKind::kSplit:
      return make_split(node, graph, elem);
    default: {
      Source src = source_for(input_of(graph, node, 0).shape, output_of(graph, node).shape, elem);
      src.kind = node.op == OpKind::kTile ? Source::kModulo : Source::kBroadcast;
      return make_kernel(gather_copy(output_of(graph, node).shape, elem, src));
    }
  }
}

}  // namespace outpost
