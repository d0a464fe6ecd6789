// Add, Sub, Mul, Div on float32 with numpy broadcasting (up to rank 6) and a fused activation.
#include <array>

#include "backends/ref/activation.h"
#include "backends/ref/float_kernel_factories.h"

namespace outpost {
namespace {

constexpr size_t kMaxRank = 6;

// The broadcast, simplified at creation: dimensions of size 1 dropped and neighbours with the
// same broadcast pattern merged, so [1,H,W,C] + [C] runs as [H*W, C] with b's outer stride 0.
struct BroadcastPlan {
  size_t rank = 0;
  std::array<int64_t, kMaxRank> dims{};
  std::array<int64_t, kMaxRank> a_stride{};  // 0 where `a` is broadcast
  std::array<int64_t, kMaxRank> b_stride{};
};

BroadcastPlan plan_broadcast(const Shape& a, const Shape& b, const Shape& out) {
  const size_t rank = out.rank();
  auto padded = [rank](const Shape& s, size_t k) {
    return k < rank - s.rank() ? int64_t{1} : s[k - (rank - s.rank())];
  };
  struct Dim {
    int64_t size;
    bool a_bcast, b_bcast;
  };
  std::vector<Dim> dims;
  for (size_t k = 0; k < rank; ++k) {
    if (out[k] == 1) continue;
    const Dim d{out[k], padded(a, k) == 1, padded(b, k) == 1};
    if (!dims.empty() && dims.back().a_bcast == d.a_bcast && dims.back().b_bcast == d.b_bcast) {
      dims.back().size *= d.size;
    } else {
      dims.push_back(d);
    }
  }
  BroadcastPlan plan;
  plan.rank = dims.size();
  int64_t a_run = 1, b_run = 1;
  for (size_t k = dims.size(); k-- > 0;) {
    plan.dims[k] = dims[k].size;
    plan.a_stride[k] = dims[k].a_bcast ? 0 : a_run;
    plan.b_stride[k] = dims[k].b_bcast ? 0 : b_run;
    if (!dims[k].a_bcast) a_run *= dims[k].size;
    if (!dims[k].b_bcast) b_run *= dims[k].size;
  }
  return plan;
}

struct AddOp {
  float operator()(float x, float y) const { return x + y; }
};
struct SubOp {
  float operator()(float x, float y) const { return x - y; }
};
struct MulOp {
  float operator()(float x, float y) const { return x * y; }
};
struct DivOp {
  float operator()(float x, float y) const { return x / y; }
};

// One innermost row; the stride cases are split so the common ones stay contiguous loops.
template <typename Op>
void row(const float* a, int64_t sa, const float* b, int64_t sb, float* out, int64_t n) {
  const Op op;
  if (sa == 1 && sb == 1) {
    for (int64_t i = 0; i < n; ++i) out[i] = op(a[i], b[i]);
  } else if (sa == 1 && sb == 0) {
    const float y = b[0];
    for (int64_t i = 0; i < n; ++i) out[i] = op(a[i], y);
  } else if (sa == 0 && sb == 1) {
    const float x = a[0];
    for (int64_t i = 0; i < n; ++i) out[i] = op(x, b[i]);
  } else {
    for (int64_t i = 0; i < n; ++i) out[i] = op(a[i * sa], b[i * sb]);
  }
}

template <typename Op>
void run_broadcast(const BroadcastPlan& p, FusedActivation act, const float* a, const float* b,
                   float* out) {
  if (p.rank == 0) {  // every dimension is 1: a single element
    out[0] = apply_activation(act, Op()(a[0], b[0]));
    return;
  }
  const size_t inner = p.rank - 1;
  const int64_t n = p.dims[inner];
  int64_t rows = 1;
  for (size_t k = 0; k < inner; ++k) rows *= p.dims[k];
  std::array<int64_t, kMaxRank> index{};  // odometer over the outer dimensions
  int64_t a_off = 0, b_off = 0;
  for (int64_t r = 0; r < rows; ++r) {
    float* out_row = out + r * n;
    row<Op>(a + a_off, p.a_stride[inner], b + b_off, p.b_stride[inner], out_row, n);
    apply_activation(act, out_row, n);
    for (size_t k = inner; k-- > 0;) {
      a_off += p.a_stride[k];
      b_off += p.b_stride[k];
      if (++index[k] < p.dims[k]) break;
      a_off -= p.a_stride[k] * p.dims[k];
      b_off -= p.b_stride[k] * p.dims[k];
      index[k] = 0;
    }
  }
}

class BinaryKernel final : public Kernel {
 public:
  BinaryKernel(OpKind op, FusedActivation act, BroadcastPlan plan)
      : op_(op), act_(act), plan_(plan) {}

  Status run(std::span<const TensorView> inputs, std::span<const TensorView> outputs) override {
    const float* a = inputs[0].as<const float>();
    const float* b = inputs[1].as<const float>();
    float* out = outputs[0].as<float>();
    switch (op_) {
      case OpKind::kAdd:
        run_broadcast<AddOp>(plan_, act_, a, b, out);
        break;
      case OpKind::kSub:
        run_broadcast<SubOp>(plan_, act_, a, b, out);
        break;
      case OpKind::kMul:
        run_broadcast<MulOp>(plan_, act_, a, b, out);
        break;
      default:
        run_broadcast<DivOp>(plan_, act_, a, b, out);
        break;
    }
    return Status::ok();
  }

 private:
  OpKind op_;
  FusedActivation act_;
  BroadcastPlan plan_;
};

}  // namespace

Result<std::unique_ptr<Kernel>> make_binary_float(const Node& node, const Graph& graph) {
  OUTPOST_RETURN_IF_ERROR(expect_float32(graph, node, {0, 1}));
  OUTPOST_ASSIGN_OR_RETURN(FusedActivation act, parse_activation(node, graph));
  const Shape& out = output_of(graph, node).shape;
  if (out.rank() > kMaxRank)
    return not_handled(graph, node,
                       "broadcasting supports rank up to 6, output is " + out.to_string());
  const BroadcastPlan plan =
      plan_broadcast(input_of(graph, node, 0).shape, input_of(graph, node, 1).shape, out);
  return std::unique_ptr<Kernel>(std::make_unique<BinaryKernel>(node.op, act, plan));
}

}  // namespace outpost
