#include "support/differential.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <sstream>

#include "backends/backend.h"
#include "ir/op_schema.h"

namespace outpost::testing {

Result<OpCase> make_case(OpKind op, const Attributes& attrs, const std::vector<OpInput>& inputs,
                         const std::vector<OpOutput>& outputs) {
  OpCase c;
  Graph& g = c.graph;
  g.source = "differential";
  Node node;
  node.op = op;
  node.name = op_name(op);
  node.attrs = attrs;
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (inputs[i].absent) {
      node.inputs.push_back(kNoValue);
      continue;
    }
    const Tensor& t = inputs[i].tensor;
    Value v;
    v.name = "input" + std::to_string(i);
    v.dtype = t.dtype();
    v.shape = t.shape();
    v.quant = t.quant;
    if (inputs[i].constant) {
      const auto* b = static_cast<const uint8_t*>(t.data());
      set_owned_constant(v, std::vector<uint8_t>(b, b + t.byte_size()));
    }
    const int id = g.add_value(std::move(v));
    if (!inputs[i].constant) {
      g.inputs.push_back(id);
      c.inputs.push_back(t);
    }
    node.inputs.push_back(id);
  }
  for (size_t k = 0; k < outputs.size(); ++k) {
    Value v;
    v.name = "output" + std::to_string(k);
    v.dtype = outputs[k].dtype;
    v.quant = outputs[k].quant;
    const int id = g.add_value(std::move(v));
    node.outputs.push_back(id);
    g.outputs.push_back(id);
  }
  g.nodes.push_back(std::move(node));
  OUTPOST_RETURN_IF_ERROR(g.validate());
  OUTPOST_RETURN_IF_ERROR(infer_shapes(g));
  return c;
}

// ---- The adapter: every call into a backend or a kernel is below, up to run_on's end. ----
namespace {

// A kernel and the backend that made it. Each case gets backends of its own, as each session
// does: a oneDNN backend sizes its shared buffers from every kernel it makes before the first
// bind(), so kernels made later must not share it.
struct Made {
  std::shared_ptr<void> backend;  // destroyed after the kernel
  std::unique_ptr<Kernel> kernel;
};

// One thread, so that the answers do not depend on how a pool splits the work.
Result<Made> make_kernel(const std::string& backend, const Graph& graph) {
  for (const BackendEntry& entry : registered_backends()) {
    if (entry.name != backend) continue;
    OUTPOST_ASSIGN_OR_RETURN(std::shared_ptr<Backend> b, entry.create(1));
    Made made;
    made.backend = b;
    OUTPOST_ASSIGN_OR_RETURN(made.kernel, b->make(graph.nodes.at(0), graph));
    return made;
  }
  return usage_error("no backend '" + backend + "' is built in");
}

// XNNPACK's micro-kernels may read up to 16 bytes past a tensor (XNN_EXTRA_BYTES).
constexpr size_t kSlackBytes = 64;

struct Buffer {
  Tensor storage;  // owns the bytes, slack included
  void* data() { return storage.data(); }
};

Result<Buffer> buffer_for(const Value& v) {
  const size_t bytes =
      static_cast<size_t>(v.shape.num_elements().value_or(0)) * dtype_size(v.dtype);
  OUTPOST_ASSIGN_OR_RETURN(
      Tensor t, Tensor::allocate(DType::kUInt8, Shape{static_cast<int64_t>(bytes + kSlackBytes)}));
  return Buffer{std::move(t)};
}

}  // namespace

const std::vector<std::string>& fast_backends() {
  // The ones this build configured (OUTPOST_CONFIGURED_BACKENDS, from CMake), not a test's
  // stub registered in the same process.
  static const std::vector<std::string> names = [] {
    std::vector<std::string> built_in;
    const std::string configured = std::string(",") + OUTPOST_CONFIGURED_BACKENDS + ",";
    for (const BackendEntry& entry : registered_backends())
      if (entry.name != "ref" && configured.find("," + entry.name + ",") != std::string::npos)
        built_in.push_back(entry.name);
    return built_in;
  }();
  return names;
}

Status backend_takes(const std::string& backend, const Graph& graph) {
  auto made = make_kernel(backend, graph);
  return made.is_ok() ? Status::ok() : made.status();
}

Result<std::vector<Tensor>> run_on(const std::string& backend, const Graph& graph,
                                   const std::vector<Tensor>& inputs, int output_over_input) {
  const Node& node = graph.nodes.at(0);
  OUTPOST_ASSIGN_OR_RETURN(Made made, make_kernel(backend, graph));
  Kernel* kernel = made.kernel.get();
  std::vector<Buffer> buffers;  // graph inputs, then outputs; never reallocated below
  buffers.reserve(graph.inputs.size() + node.outputs.size());
  std::vector<TensorView> in_views, out_views;
  for (size_t i = 0; i < node.inputs.size(); ++i) {
    const int id = node.inputs[i];
    if (id == kNoValue) {
      in_views.push_back(TensorView{});
      continue;
    }
    const Value& v = graph.value(id);
    void* data = const_cast<uint8_t*>(v.constant.bytes);
    if (!v.is_constant()) {
      const auto at =
          std::find(graph.inputs.begin(), graph.inputs.end(), id) - graph.inputs.begin();
      if (static_cast<size_t>(at) >= inputs.size())
        return usage_error("no data for input " + std::to_string(i));
      const Tensor& t = inputs[static_cast<size_t>(at)];
      if (t.byte_size() !=
          static_cast<size_t>(v.shape.num_elements().value_or(0)) * dtype_size(v.dtype))
        return usage_error("input " + std::to_string(i) + " has the wrong size");
      OUTPOST_ASSIGN_OR_RETURN(Buffer b, buffer_for(v));
      if (t.byte_size() > 0) std::memcpy(b.data(), t.data(), t.byte_size());
      buffers.push_back(std::move(b));
      data = buffers.back().data();
    }
    in_views.push_back({v.dtype, &v.shape, data, &v.quant});
  }
  for (size_t k = 0; k < node.outputs.size(); ++k) {
    const Value& v = graph.value(node.outputs[k]);
    void* data = nullptr;
    if (k == 0 && output_over_input >= 0) {
      data = in_views.at(static_cast<size_t>(output_over_input)).data;
    } else {
      OUTPOST_ASSIGN_OR_RETURN(Buffer b, buffer_for(v));
      buffers.push_back(std::move(b));
      data = buffers.back().data();
    }
    out_views.push_back({v.dtype, &v.shape, data, &v.quant});
  }
  OUTPOST_RETURN_IF_ERROR(kernel->bind(in_views, out_views));
  OUTPOST_RETURN_IF_ERROR(kernel->run(in_views, out_views));
  // ---- end of the adapter ----
  std::vector<Tensor> results;
  for (size_t k = 0; k < node.outputs.size(); ++k) {
    const Value& v = graph.value(node.outputs[k]);
    OUTPOST_ASSIGN_OR_RETURN(Tensor t, Tensor::allocate(v.dtype, v.shape));
    if (t.byte_size() > 0) std::memcpy(t.data(), out_views[k].data, t.byte_size());
    t.quant = v.quant;
    results.push_back(std::move(t));
  }
  return results;
}

namespace {

// Permutes 4-D data: out[i0, i1, i2, i3] = in[index of (i0, i1, i2, i3) under `from`].
Tensor permute4(const Tensor& in, const Shape& out_shape, const int (&axis_of)[4]) {
  Tensor out = Tensor::allocate(in.dtype(), out_shape).value();
  out.quant = in.quant;
  const size_t elem = dtype_size(in.dtype());
  const Shape& s = in.shape();
  int64_t in_strides[4];
  in_strides[3] = 1;
  for (int d = 2; d >= 0; --d) in_strides[d] = in_strides[d + 1] * s[static_cast<size_t>(d + 1)];
  const auto* src = static_cast<const uint8_t*>(in.data());
  auto* dst = static_cast<uint8_t*>(out.data());
  int64_t o = 0;
  for (int64_t a = 0; a < out_shape[0]; ++a)
    for (int64_t b = 0; b < out_shape[1]; ++b)
      for (int64_t c = 0; c < out_shape[2]; ++c)
        for (int64_t d = 0; d < out_shape[3]; ++d, ++o) {
          const int64_t idx[4] = {a, b, c, d};
          int64_t i = 0;
          for (int k = 0; k < 4; ++k) i += idx[k] * in_strides[axis_of[k]];
          std::memcpy(dst + o * static_cast<int64_t>(elem), src + i * static_cast<int64_t>(elem),
                      elem);
        }
  return out;
}

Shape nhwc_of(const Shape& s) { return Shape{s[0], s[2], s[3], s[1]}; }

Tensor nchw_to_nhwc(const Tensor& nchw) {
  static const int kAxes[4] = {0, 2, 3, 1};  // NHWC dimension k is NCHW dimension kAxes[k]
  return permute4(nchw, nhwc_of(nchw.shape()), kAxes);
}

}  // namespace

Tensor nhwc_to_nchw(const Tensor& nhwc) {
  static const int kAxes[4] = {0, 3, 1, 2};
  const Shape& s = nhwc.shape();
  return permute4(nhwc, Shape{s[0], s[3], s[1], s[2]}, kAxes);
}

OpCase to_channels_last(const OpCase& nchw) {
  OpCase c = nchw;
  Node& node = c.graph.nodes.at(0);
  node.attrs.set("channels_last", int64_t{1});
  for (int id : {node.inputs.at(0), node.outputs.at(0)}) {
    Value& v = c.graph.value(id);
    if (v.shape.rank() == 4) v.shape = nhwc_of(v.shape);
  }
  for (size_t i = 0; i < c.graph.inputs.size(); ++i)
    if (c.graph.inputs[i] == node.inputs[0] && c.inputs[i].shape().rank() == 4)
      c.inputs[i] = nchw_to_nhwc(c.inputs[i]);
  return c;
}

Tensor random_floats(const Shape& shape, float lo, float hi, Rng& rng) {
  Tensor t = Tensor::allocate(DType::kFloat32, shape).value();
  std::uniform_real_distribution<float> d(lo, hi);
  float* p = t.data_as<float>();
  for (int64_t i = 0; i < t.num_elements(); ++i) p[i] = d(rng);
  return t;
}

Tensor random_ints(DType dtype, const Shape& shape, int64_t lo, int64_t hi,
                   const QuantParams& quant, Rng& rng) {
  Tensor t = Tensor::allocate(dtype, shape).value();
  t.quant = quant;
  std::uniform_int_distribution<int64_t> d(lo, hi);
  for (int64_t i = 0; i < t.num_elements(); ++i) {
    const int64_t v = d(rng);
    switch (dtype) {
      case DType::kUInt8:
        t.data_as<uint8_t>()[i] = static_cast<uint8_t>(v);
        break;
      case DType::kInt8:
        t.data_as<int8_t>()[i] = static_cast<int8_t>(v);
        break;
      case DType::kInt32:
        t.data_as<int32_t>()[i] = static_cast<int32_t>(v);
        break;
      default:
        std::abort();  // a bug in the test itself
    }
  }
  return t;
}

float uniform(float lo, float hi, Rng& rng) {
  return std::uniform_real_distribution<float>(lo, hi)(rng);
}
int64_t uniform_int(int64_t lo, int64_t hi, Rng& rng) {
  return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
}

QuantParams per_tensor(float scale, int64_t zero_point) {
  QuantParams q;
  q.scale = {scale};
  q.zero_point = {zero_point};
  return q;
}

namespace {

double element(const Tensor& t, int64_t i) {
  switch (t.dtype()) {
    case DType::kFloat32:
      return t.data_as<float>()[i];
    case DType::kUInt8:
      return t.data_as<uint8_t>()[i];
    case DType::kInt8:
      return t.data_as<int8_t>()[i];
    case DType::kInt32:
      return t.data_as<int32_t>()[i];
    default:
      std::abort();  // a dtype no fast backend claims: add it here with its tolerance
  }
}

}  // namespace

Difference compare_outputs(const Tensor& got, const Tensor& want) {
  Difference d;
  if (got.dtype() != want.dtype() || got.shape() != want.shape()) {
    d.mismatch = std::string(dtype_name(got.dtype())) + " " + got.shape().to_string() +
                 ", expected " + dtype_name(want.dtype()) + " " + want.shape().to_string();
    return d;
  }
  const bool is_float = want.dtype() == DType::kFloat32;
  for (int64_t i = 0; i < want.num_elements(); ++i)
    d.ref_magnitude = std::max(d.ref_magnitude, std::fabs(element(want, i)));
  const double allowed = is_float ? kFloatTolerance * d.ref_magnitude : kQuantizedSteps;
  for (int64_t i = 0; i < want.num_elements(); ++i) {
    const double a = element(got, i), b = element(want, i);
    const double diff = std::isnan(a) || std::isnan(b) ? INFINITY : std::fabs(a - b);
    d.max_abs = std::max(d.max_abs, diff);
    if (diff > allowed && d.mismatch.empty()) {
      std::ostringstream s;
      s << "element " << i << " is " << a << ", expected " << b << " (allowed difference "
        << allowed << ")";
      d.mismatch = s.str();
    }
  }
  return d;
}

}  // namespace outpost::testing
