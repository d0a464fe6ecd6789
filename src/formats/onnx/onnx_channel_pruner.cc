#include "formats/onnx/onnx_channel_pruner.h"

#include <onnx/onnx_pb.h>

#include <algorithm>
#include <cmath>
#include <exception>
#include <map>
#include <numeric>
#include <optional>
#include <set>

#include "formats/onnx/onnx_graph_index.h"
#include "formats/onnx/onnx_tensor.h"

namespace outpost {
namespace {

int64_t group_of(const onnx::NodeProto& n) {
  for (const auto& a : n.attribute())
    if (a.name() == "group" && a.type() == onnx::AttributeProto::INT) return a.i();
  return 1;
}

void set_group(onnx::NodeProto& n, int64_t group) {
  for (auto& a : *n.mutable_attribute())
    if (a.name() == "group") a.set_i(group);
}

bool is_activation(const onnx::NodeProto& n) {
  return onnx_default_domain(n.domain()) && (n.op_type() == "Relu" || n.op_type() == "Clip") && n.output_size() == 1;
}

// A chain found in the graph, by node index.
struct Chain {
  size_t producer = 0, reader = 0;
  std::optional<size_t> depthwise;
  int64_t channels = 0;
  std::vector<std::string> tensors;  // those between the producer and the reader: pruned too
};

class Pruner {
 public:
  Pruner(const onnx::GraphProto& g, const std::string& source) : g_(g), index_(g), source_(source) {}

  // The float weights of a Conv (rank 4, an initializer only this node reads), or why not.
  std::string conv_weights(size_t k, const onnx::TensorProto** w) const {
    const auto& n = g_.node(static_cast<int>(k));
    if (!onnx_default_domain(n.domain()) || n.op_type() != "Conv" || n.input_size() < 2 || n.output_size() < 1)
      return "not a Conv with weights and an output";
    const onnx::TensorProto* t = index_.initializer(n.input(1));
    if (!t || t->data_type() != onnx::TensorProto::FLOAT || t->dims_size() != 4)
      return "its weights are not a float32 constant of rank 4";
    if (index_.readers(n.input(1)).size() != 1) return "its weights are shared with another node";
    if (n.input_size() > 2 && !n.input(2).empty()) {
      const onnx::TensorProto* b = index_.initializer(n.input(2));
      if (!b || index_.readers(n.input(2)).size() != 1) return "its bias is not a constant of its own";
    }
    *w = t;
    return "";
  }

  // The one node that reads `tensor`, when it is not a graph output and exactly one node reads it.
  std::optional<size_t> sole_reader(const std::string& tensor) const {
    if (index_.graph_outputs.count(tensor)) return std::nullopt;
    const auto& r = index_.readers(tensor);
    if (r.size() != 1) return std::nullopt;
    if (g_.node(static_cast<int>(r[0])).input(0) != tensor) return std::nullopt;  // read as x, nothing else
    return r[0];
  }

  // The chain that starts at Conv `k`, or why there is none.
  std::string chain_from(size_t k, Chain& chain) const {
    const onnx::TensorProto* w = nullptr;
    if (std::string why = conv_weights(k, &w); !why.empty()) return why;
    const auto& p = g_.node(static_cast<int>(k));
    if (group_of(p) != 1) return "it is a grouped convolution";
    chain.producer = k;
    chain.channels = w->dims(0);
    std::string t = p.output(0);
    for (int steps = 0; steps < 16; ++steps) {
      chain.tensors.push_back(t);
      const auto next = sole_reader(t);
      if (!next) return "its output is read by more than one node, or is a graph output";
      const auto& n = g_.node(static_cast<int>(*next));
      if (is_activation(n)) {
        t = n.output(0);
        continue;
      }
      const onnx::TensorProto* nw = nullptr;
      if (!conv_weights(*next, &nw).empty()) return "its output reaches a " + n.op_type() + ", not a convolution";
      if (group_of(n) == chain.channels && chain.channels > 1 && nw->dims(0) == chain.channels && nw->dims(1) == 1 &&
          !chain.depthwise) {
        chain.depthwise = *next;
        t = n.output(0);
        continue;
      }
      if (group_of(n) != 1 || nw->dims(1) != chain.channels) return "its reader is a grouped convolution";
      chain.reader = *next;
      return "";
    }
    return "too many activations between it and its reader";
  }

  std::vector<Chain> chains(std::string& first_refusal) const {
    std::vector<Chain> found;
    for (int k = 0; k < g_.node_size(); ++k) {
      if (g_.node(k).op_type() != "Conv") continue;
      Chain c;
      const std::string why = chain_from(static_cast<size_t>(k), c);
      if (why.empty())
        found.push_back(c);
      else if (first_refusal.empty())
        first_refusal = onnx_node_text(g_.node(k), static_cast<size_t>(k)) + ": " + why;
    }
    return found;
  }

 private:
  const onnx::GraphProto& g_;
  const OnnxGraphIndex index_;
  const std::string source_;
};

// How many of `channels` a chain keeps at `sparsity`.
int64_t channels_kept(int64_t channels, double sparsity) {
  int64_t kept = static_cast<int64_t>(std::ceil((1.0 - sparsity) * static_cast<double>(channels)));
  kept = (kept + 7) / 8 * 8;
  return std::clamp<int64_t>(kept, std::min<int64_t>(8, channels), channels);
}

// The output channels of the producer's filters with the largest L1 norms, in order.
std::vector<int64_t> strongest_channels(const Tensor& w, int64_t kept) {
  const int64_t channels = w.shape().dims()[0];
  const int64_t per = w.num_elements() / channels;
  std::vector<double> norm(static_cast<size_t>(channels), 0.0);
  for (int64_t c = 0; c < channels; ++c)
    for (int64_t i = 0; i < per; ++i) norm[static_cast<size_t>(c)] += std::fabs(w.data_as<float>()[c * per + i]);
  std::vector<int64_t> order(static_cast<size_t>(channels));
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return norm[a] > norm[b]; });
  order.resize(static_cast<size_t>(kept));
  std::sort(order.begin(), order.end());
  return order;
}

// `t` (float32) with only the indices `keep` of `axis`, written back in place as raw data.
Status keep_along(onnx::TensorProto& t, int axis, const std::vector<int64_t>& keep, const std::string& where) {
  OUTPOST_ASSIGN_OR_RETURN(Tensor w, onnx_tensor_to_tensor(t, where));
  const auto& dims = w.shape().dims();
  int64_t outer = 1, inner = 1;
  for (int k = 0; k < axis; ++k) outer *= dims[static_cast<size_t>(k)];
  for (size_t k = static_cast<size_t>(axis) + 1; k < dims.size(); ++k) inner *= dims[k];
  const int64_t along = dims[static_cast<size_t>(axis)];
  std::vector<float> out;
  out.reserve(static_cast<size_t>(outer * static_cast<int64_t>(keep.size()) * inner));
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t c : keep)
      for (int64_t i = 0; i < inner; ++i) out.push_back(w.data_as<float>()[(o * along + c) * inner + i]);
  t.clear_float_data();
  t.set_data_location(onnx::TensorProto::DEFAULT);
  t.set_raw_data(out.data(), out.size() * sizeof(float));
  t.set_dims(axis, static_cast<int64_t>(keep.size()));
  return Status::ok();
}

int64_t elements(const onnx::TensorProto& t) { return std::max<int64_t>(0, onnx_element_count(t)); }

}  // namespace

Result<std::string> prune_onnx_channels(const onnx::ModelProto& model, double sparsity, const std::string& source,
                                        OnnxPruneSummary* summary) {
  if (!(sparsity > 0 && sparsity < 1))
    return usage_error("--prune: the share of channels to remove must be between 0 and 1 (exclusive), not " +
                       std::to_string(sparsity));
  try {
    std::string first_refusal;
    const std::vector<Chain> chains = Pruner(model.graph(), source).chains(first_refusal);
    onnx::ModelProto out = model;
    onnx::GraphProto& g = *out.mutable_graph();
    std::map<std::string, onnx::TensorProto*> initializers;
    for (auto& t : *g.mutable_initializer()) initializers[t.name()] = &t;
    OnnxPruneSummary s;
    std::set<std::string> reshaped;  // tensors whose channel count changed: their value_info is stale
    std::set<std::string> touched;   // weights counted in the summary
    auto count_before = [&](const std::string& name) {
      if (touched.insert(name).second) s.parameters_before += elements(*initializers.at(name));
    };
    for (const Chain& c : chains) {
      const int64_t kept = channels_kept(c.channels, sparsity);
      if (kept >= c.channels) continue;
      const onnx::NodeProto& p = g.node(static_cast<int>(c.producer));
      const onnx::NodeProto& r = g.node(static_cast<int>(c.reader));
      for (const auto* n : {&p, &r}) count_before(n->input(1));
      OUTPOST_ASSIGN_OR_RETURN(Tensor pw, onnx_tensor_to_tensor(*initializers.at(p.input(1)), p.input(1)));
      const std::vector<int64_t> keep = strongest_channels(pw, kept);
      OUTPOST_RETURN_IF_ERROR(keep_along(*initializers.at(p.input(1)), 0, keep, p.input(1)));
      if (p.input_size() > 2 && !p.input(2).empty())
        OUTPOST_RETURN_IF_ERROR(keep_along(*initializers.at(p.input(2)), 0, keep, p.input(2)));
      PrunedChain pruned{onnx_node_text(p, c.producer), "", onnx_node_text(r, c.reader), c.channels, kept};
      if (c.depthwise) {
        onnx::NodeProto& d = *g.mutable_node(static_cast<int>(*c.depthwise));
        count_before(d.input(1));
        OUTPOST_RETURN_IF_ERROR(keep_along(*initializers.at(d.input(1)), 0, keep, d.input(1)));
        if (d.input_size() > 2 && !d.input(2).empty())
          OUTPOST_RETURN_IF_ERROR(keep_along(*initializers.at(d.input(2)), 0, keep, d.input(2)));
        set_group(d, kept);
        pruned.depthwise = onnx_node_text(d, *c.depthwise);
      }
      OUTPOST_RETURN_IF_ERROR(keep_along(*initializers.at(r.input(1)), 1, keep, r.input(1)));
      reshaped.insert(c.tensors.begin(), c.tensors.end());
      s.chains.push_back(pruned);
    }
    if (s.chains.empty())
      return unsupported(source + ": no convolution whose channels can be pruned" +
                         (first_refusal.empty() ? std::string(" (it has no Conv)") : " (" + first_refusal + ")"));
    for (const auto& name : touched) s.parameters_after += elements(*initializers.at(name));
    auto* info = g.mutable_value_info();
    info->erase(std::remove_if(info->begin(), info->end(),
                               [&](const onnx::ValueInfoProto& v) { return reshaped.count(v.name()) > 0; }),
                info->end());
    std::string bytes;
    if (!out.SerializeToString(&bytes)) return internal_error("the pruned ONNX model could not be serialized");
    if (summary) *summary = s;
    return bytes;
  } catch (const std::exception& e) {
    return internal_error(std::string("pruning the ONNX model failed: ") + e.what());
  }
}

}  // namespace outpost
