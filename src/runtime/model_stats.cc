#include "runtime/model_stats.h"

#include <cstdint>
#include <set>

#include "ir/conv_weights.h"

namespace outpost {
namespace {

int64_t elements(const Value& v) { return v.shape.num_elements().value_or(0); }

// a * b, saturating at INT64_MAX: hostile models can declare dimensions whose product
// overflows, and signed overflow must not be undefined behaviour.
int64_t mul_sat(int64_t a, int64_t b) {
  int64_t r = 0;
  if (a < 0 || b < 0) return 0;
  if (__builtin_mul_overflow(a, b, &r)) return INT64_MAX;
  return r;
}

// The product of dims [from, rank) of `s`, saturating.
int64_t tail_product(const Shape& s, size_t from) {
  int64_t p = 1;
  for (size_t k = from; k < s.rank(); ++k) p = mul_sat(p, s[k]);
  return p;
}

int64_t macs_of(const Graph& g, const Node& n) {
  const Value& out = g.value(n.outputs[0]);
  auto shape_of = [&](size_t i) -> const Shape& { return g.value(n.inputs[i]).shape; };
  switch (n.op) {
    // Weights [M, C/group, k...] (OIHW, or TFLite's layouts read as OIHW); each output element
    // reads C/group * prod(k) inputs.
    case OpKind::kConv:
      return mul_sat(elements(out),
                     tail_product(logical_oihw(shape_of(1), weights_layout(n).value_or(
                                                                 WeightsLayout::kOIHW)),
                                  1));
    case OpKind::kConvInteger:
      return mul_sat(elements(out), tail_product(shape_of(1), 1));
    case OpKind::kQLinearConv:
      return mul_sat(elements(out), tail_product(shape_of(3), 1));
    // Weights [C, M/group, k...] (IOHW, or TFLite's OHWI read as IOHW); each input spreads
    // that far.
    case OpKind::kConvTranspose:
      return mul_sat(elements(g.value(n.inputs[0])),
                     tail_product(logical_iohw(shape_of(1), transpose_weights_layout(n).value_or(
                                                                TransposeWeightsLayout::kIOHW)),
                                  1));
    case OpKind::kGemm: {
      const Shape& a = shape_of(0);
      return a.rank() == 2 ? mul_sat(elements(out), n.attrs.get_int("transA", 0) ? a[0] : a[1]) : 0;
    }
    case OpKind::kMatMul:
    case OpKind::kMatMulInteger:
    case OpKind::kQLinearMatMul: {
      const Shape& a = shape_of(0);
      return a.rank() >= 1 ? mul_sat(elements(out), a[a.rank() - 1]) : 0;
    }
    // Pools multiply nothing, but each output reads its whole window: counted as one MAC per
    // read, so a huge window (fuzz_onnx timeout cd41021f: a 60x80 MaxPool, dilated 10x, over
    // 1000x1000 ran 45 s under ASan) counts as the work it is wherever MACs bound the work.
    case OpKind::kMaxPool:
    case OpKind::kAveragePool: {
      int64_t window = 1;
      for (int64_t k : n.attrs.get_ints("kernel_shape")) window = mul_sat(window, k);
      return mul_sat(elements(out), window);
    }
    case OpKind::kGlobalAveragePool:
    case OpKind::kGlobalMaxPool:
      return elements(g.value(n.inputs[0]));
    default:
      return 0;
  }
}

}  // namespace

void count_parameters(const Graph& graph, ModelStats& stats) {
  std::set<int> counted;
  for (const Node& node : graph.nodes) {
    if (node.op == OpKind::kReshape || node.op == OpKind::kPad || node.op == OpKind::kReduceMean ||
        node.op == OpKind::kResize)
      continue;  // shape-like operands, not parameters
    for (int id : node.inputs) {
      if (id == kNoValue || !graph.value(id).is_constant() || !counted.insert(id).second) continue;
      stats.parameters += elements(graph.value(id));
    }
  }
}

void count_node(const Graph& graph, const Node& node, ModelStats& stats) {
  stats.op_counts[op_name(node.op)]++;
  const int64_t macs = macs_of(graph, node);
  stats.macs = stats.macs > INT64_MAX - macs ? INT64_MAX : stats.macs + macs;
}

}  // namespace outpost
