#include "optimize/optimize_report.h"

#include <cstdio>

namespace outpost::optimize {
namespace {


std::string what_was_done(const OptimizeRequest& request, const Outcome& o) {
  if (o.pruned) {
    const std::string pruning = "channels pruned (" + std::to_string(static_cast<int>(request.prune * 100 + 0.5)) +
                                "%, structured)";
    if (request.quantize == "none") return pruning;
    OptimizeRequest rest = request;
    rest.prune = 0;
    Outcome unpruned = o;
    unpruned.pruned.reset();
    return pruning + ", then " + what_was_done(rest, unpruned);
  }
  if (request.quantize == "fp16") return "fp16 weights (computed in float32)";
  if (request.quantize == "dynamic") return "int8 weights, float activations (no calibration)";
  if (o.tflite) return "int8 (TFLite), " + request.method + " calibration on " + std::to_string(o.calibration_samples) + " inputs";
  return "int8 (QDQ), " + request.method + " calibration on " + std::to_string(o.calibration_samples) + " inputs";
}

nlohmann::json quantized_json(const QuantizedOnnx& q, const std::map<std::string, std::string>& backends) {
  nlohmann::json nodes = nlohmann::json::array();
  for (const auto& n : q.analysis.nodes) {
    nlohmann::json j{{"node", n.node}, {"op", n.op}, {"dtype", "int8"},
                     {"weights", q.summary.weights_per_channel && n.weight_axis >= 0 ? "per-channel" : "per-tensor"}};
    if (q.analysis.activations.empty()) j["activations"] = "float32";
    if (!n.absorbed.empty()) j["absorbed"] = n.absorbed;
    auto b = backends.find(n.name);
    if (b != backends.end()) j["backend"] = b->second;
    nodes.push_back(j);
  }
  for (const auto& s : q.analysis.kept_float) nodes.push_back({{"node", s.node}, {"dtype", "float32"}, {"reason", s.reason}});
  nlohmann::json activations = nlohmann::json::array();
  for (const auto& name : q.analysis.activations) {
    const auto& p = q.activation_params.at(name);
    activations.push_back({{"name", name},
                           {"min", q.ranges.at(name).min},
                           {"max", q.ranges.at(name).max},
                           {"scale", p.scale[0]},
                           {"zero_point", p.zero_point[0]}});
  }
  return {{"rewrite",
           {{"quantized_nodes", q.summary.quantized_nodes},
            {"absorbed_activations", q.summary.absorbed_activations},
            {"quantize_linear", q.summary.quantize_nodes},
            {"dequantize_linear", q.summary.dequantize_nodes}}},
          {"nodes", nodes},
          {"activations", activations}};
}

// Each quantized node in graph order: the error of its output and its time in both models.
nlohmann::json layers_json(const QuantizedOnnx& q, const ModelComparison& c) {
  std::map<std::string, const ActivationError*> errors;
  for (const auto& a : c.activations) errors[a.name] = &a;
  nlohmann::json layers = nlohmann::json::array();
  for (const auto& n : q.analysis.nodes) {
    nlohmann::json l{{"node", n.node}, {"output", n.output}};
    auto e = errors.find(n.output);
    if (e != errors.end()) {
      l["cosine"] = e->second->cosine;
      l["relative_rms"] = e->second->relative_rms;
    }
    auto before = c.original_node_ms.find(n.name);
    if (before != c.original_node_ms.end()) l["original_ms"] = before->second;
    auto after = c.optimized_node_ms.find(n.name);
    if (after != c.optimized_node_ms.end()) l["optimized_ms"] = after->second;
    layers.push_back(l);
  }
  return layers;
}

// The node whose output `activation` is, for a --keep-float suggestion.
std::string writer_of(const Outcome& o, const std::string& activation) {
  if (!o.quantized) return "";
  for (const auto& n : o.quantized->analysis.nodes)
    if (n.output == activation) return n.name.empty() ? n.op : n.name;
  return "";
}

}  // namespace

nlohmann::json report_json(const OptimizeRequest& request, const Outcome& o, size_t original_bytes,
                           const std::map<std::string, std::string>& backends,
                           const std::optional<ModelComparison>& comparison) {
  nlohmann::json j{{"model", request.model},
                   {"output", request.out},
                   {"quantize", request.quantize},
                   {"size", {{"original_bytes", original_bytes}, {"optimized_bytes", o.bytes.size()}}}};
  if (request.quantize == "int8") {
    j["method"] = request.method;
    j["calibration_samples"] = o.calibration_samples;
  }
  if (o.quantized) j.update(quantized_json(*o.quantized, backends));
  if (o.tflite) {
    const auto& q = *o.tflite;
    j["rewrite"] = {{"quantized_operators", q.summary.quantized_operators},
                    {"convolutions", q.analysis.convolutions},
                    {"folded_float16_dequantize", q.summary.folded_dequantize},
                    {"fused_activations", q.fused_activations},
                    {"activation_groups", q.analysis.tied.size()}};
    nlohmann::json nodes = nlohmann::json::array();
    for (const auto& op : q.analysis.quantized_ops) nodes.push_back({{"node", op}, {"dtype", "int8"}});
    j["nodes"] = nodes;
  }
  if (o.pruned) {
    nlohmann::json chains = nlohmann::json::array();
    for (const auto& c : o.pruned->summary.chains) {
      nlohmann::json cj{{"producer", c.producer}, {"reader", c.reader}, {"channels_before", c.channels_before},
                        {"channels_after", c.channels_after}};
      if (!c.depthwise.empty()) cj["depthwise"] = c.depthwise;
      chains.push_back(cj);
    }
    j["prune"] = {{"sparsity", request.prune},
                  {"structured", true},
                  {"chains", chains},
                  {"parameters_before", o.pruned->summary.parameters_before},
                  {"parameters_after", o.pruned->summary.parameters_after}};
  }
  if (o.fp16)
    j["fp16"] = {{"converted", o.fp16->summary.converted},
                 {"kept_float32", o.fp16->summary.kept},
                 {"largest_relative_error", o.fp16->summary.largest_relative_error}};
  if (comparison) {
    const auto& c = *comparison;
    nlohmann::json worst = nlohmann::json::array();
    for (size_t k = 0; k < c.activations.size() && k < 5; ++k)
      worst.push_back({{"name", c.activations[k].name}, {"cosine", c.activations[k].cosine},
                       {"relative_rms", c.activations[k].relative_rms}});
    j["validation"] = {{"samples", c.samples}, {"output_cosine", c.output_cosine}, {"worst_activations", worst}};
    if (c.top1_agreement >= 0) j["validation"]["top1_agreement"] = c.top1_agreement;
    if (c.best_box_iou >= 0) {
      j["validation"]["best_box_iou"] = c.best_box_iou;
      j["validation"]["samples_with_boxes"] = c.samples_with_boxes;
    }
    j["latency"] = {{"original_ms", c.original_ms}, {"optimized_ms", c.optimized_ms},
                    {"ratio", c.optimized_ms / c.original_ms}, {"runs", c.latency_runs},
                    {"threads", request.threads}};
    if (o.quantized) j["layers"] = layers_json(*o.quantized, c);
  }
  return j;
}


std::string report_text(const OptimizeRequest& request, const Outcome& o, const nlohmann::json& j,
                        const std::optional<ModelComparison>& comparison) {
  std::string t;
  char line[512];
  std::snprintf(line, sizeof line, "%s -> %s: %s\n", request.model.c_str(), request.out.c_str(), what_was_done(request, o).c_str());
  t += line;
  const double before = j["size"]["original_bytes"].get<double>(), after = j["size"]["optimized_bytes"].get<double>();
  std::snprintf(line, sizeof line, "size: %.2f MB -> %.2f MB (%.2fx)\n", before / 1e6, after / 1e6, after / before);
  t += line;
  if (o.quantized) {
    const auto& q = *o.quantized;
    std::snprintf(line, sizeof line, "%s: %d (%d activations absorbed, weights %s); in float: %zu\n",
                  q.analysis.activations.empty() ? "nodes with int8 weights" : "nodes in int8", q.summary.quantized_nodes, q.summary.absorbed_activations,
                  q.summary.weights_per_channel ? "per channel" : "per tensor", q.analysis.kept_float.size());
    t += line;
    for (const auto& s : q.analysis.kept_float) t += "  float: " + s.node + ": " + s.reason + "\n";
  }
  if (o.pruned) {
    int64_t before = 0, after = 0;
    for (const auto& c : o.pruned->summary.chains) {
      before += c.channels_before;
      after += c.channels_after;
    }
    std::snprintf(line, sizeof line,
                  "pruned: %zu chains of convolutions, %lld channels -> %lld; their weights %lld -> %lld parameters\n",
                  o.pruned->summary.chains.size(), static_cast<long long>(before), static_cast<long long>(after),
                  static_cast<long long>(o.pruned->summary.parameters_before),
                  static_cast<long long>(o.pruned->summary.parameters_after));
    t += line;
  }
  if (o.tflite) {
    std::snprintf(line, sizeof line,
                  "operators in int8: %d (%d convolutions, weights per channel; %d float16 weight DEQUANTIZE folded, "
                  "%d activations fused); input and output float\n",
                  o.tflite->summary.quantized_operators, o.tflite->analysis.convolutions, o.tflite->summary.folded_dequantize,
                  o.tflite->fused_activations);
    t += line;
  }
  if (o.fp16) {
    std::snprintf(line, sizeof line, "weights in float16: %d (largest rounding error %.2g of a tensor's largest weight)\n",
                  o.fp16->summary.converted, o.fp16->summary.largest_relative_error);
    t += line;
    for (const auto& name : o.fp16->summary.kept) t += "  float32: '" + name + "': a value beyond float16's range\n";
  }
  if (!comparison) {
    t += "no held-out comparison (give --validate DIR or FILES for agreement and latency)\n";
    return t;
  }
  const auto& c = *comparison;
  std::snprintf(line, sizeof line, "latency (%d runs, median, %d thread%s): %.3f ms -> %.3f ms (%.2fx)\n",
                c.latency_runs, request.threads, request.threads == 1 ? "" : "s", c.original_ms, c.optimized_ms,
                c.optimized_ms / c.original_ms);
  t += line;
  if (c.top1_agreement >= 0) {
    std::snprintf(line, sizeof line, "top-1 agreement on %zu held-out inputs: %.4f\n", c.samples, c.top1_agreement);
    t += line;
  }
  if (c.best_box_iou >= 0) {
    std::snprintf(line, sizeof line, "best face's IoU on the %zu held-out inputs with a face: %.4f\n",
                  c.samples_with_boxes, c.best_box_iou);
    t += line;
  }
  std::snprintf(line, sizeof line, "output cosine similarity (mean over %zu inputs): %.5f\n", c.samples, c.output_cosine);
  t += line;
  for (size_t k = 0; k < c.activations.size() && k < 3; ++k) {
    const auto& a = c.activations[k];
    const std::string node = writer_of(o, a.name);
    std::snprintf(line, sizeof line, "  loses most: '%s' cosine %.5f, relative RMS error %.4f%s%s\n", a.name.c_str(),
                  a.cosine, a.relative_rms, node.empty() ? "" : "; try --keep-float ", node.c_str());
    t += line;
  }
  return t;
}


}  // namespace outpost::optimize
