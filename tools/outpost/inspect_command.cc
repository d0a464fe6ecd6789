// outpost inspect MODEL: inputs, outputs, op histogram, parameters, MACs, arena size. A model
// that cannot run here (an op we lack, a symbolic input dimension) is still shown, from the
// file's own declarations (formats/model_outline.h), with what is missing marked.
#include <cstdio>
#include <iostream>

#include "bundle/open.h"
#include "core/mapped_file.h"
#include "formats/model_outline.h"
#include "outpost/cli_common.h"
#include "outpost/commands.h"
#include "outpost/metadata_view.h"

namespace outpost::cli {
namespace {

nlohmann::json outline_tensor_json(const OutlineTensor& t) {
  return {{"name", t.name}, {"dtype", t.dtype}, {"shape", t.dims}, {"symbolic", t.symbolic()}};
}

// `why` is the refusal of a model that cannot run; ok for one that runs once its input shapes
// are given.
void print_outline_json(const std::string& model, const ModelOutline& o, const Status& why,
                        const nlohmann::json& metadata) {
  nlohmann::json j;
  j["model"] = model;
  j["format"] = o.format;
  j["version"] = o.version;
  j["runnable"] = why.is_ok();
  if (why.is_ok()) j["input_shapes_given"] = false;
  j["inputs"] = nlohmann::json::array();
  for (const OutlineTensor& t : o.inputs) j["inputs"].push_back(outline_tensor_json(t));
  j["outputs"] = nlohmann::json::array();
  for (const OutlineTensor& t : o.outputs) j["outputs"].push_back(outline_tensor_json(t));
  j["ops"] = nlohmann::json::array();
  for (const OutlineOp& op : o.ops)
    j["ops"].push_back({{"op", op.op}, {"count", op.count}, {"first_node", op.first_node},
                        {"supported", op.translated}});
  j["nodes"] = o.nodes;
  j["metadata"] = metadata;
  if (why.is_ok()) {
    print_json(j);
    return;
  }
  j["error"] = error_json(why)["error"];
  print_json(j);
  set_json_error_printed();
}

void print_outline_tensors(const char* title, const std::vector<OutlineTensor>& tensors) {
  std::cout << title << ":\n";
  for (const OutlineTensor& t : tensors) {
    const bool undeclared = t.dims == std::vector<std::string>{"..."};
    const bool sequence_input = std::string(title) == "inputs" &&
                                t.dtype.find("sequence<") != std::string::npos;
    std::cout << "  " << t.name << ": " << t.dtype << " " << dims_text(t.dims)
              << (undeclared ? "  (shape not declared)" : t.symbolic() ? "  (dimensions set at run time)" : "")
              << (sequence_input ? "  (length: bind with --sequence-length " + t.name + "=N)" : "")
              << "\n";
  }
}

// A sequence or optional input or output (ONNX), as the session bound or resolved it.
std::string composite_text(const CompositeValue& c, bool input) {
  std::string s = c.name + ": " + composite_type_text(c);
  if (c.absent) return s + " (absent)";
  if (c.sequence && c.length < 0)
    return s + " (length: bind with --sequence-length " + c.name + "=N)";
  if (c.sequence && c.length == 0) return s + " (length 0: no " + (input ? "inputs" : "outputs") + ")";
  if (c.sequence)
    return s + " (length " + std::to_string(c.length) + ": the " + (input ? "inputs " : "outputs ") +
           c.name + "[0] ... " + c.name + "[" + std::to_string(c.length - 1) + "])";
  return s + " (present: the " + (input ? "input " : "output ") + c.name + ")";
}

nlohmann::json composite_json(const std::vector<CompositeValue>& values) {
  nlohmann::json j = nlohmann::json::array();
  for (const CompositeValue& c : values)
    j.push_back({{"name", c.name}, {"type", composite_type_text(c)}, {"length", c.length},
                 {"absent", c.absent}});
  return j;
}

void print_outline(const std::string& model, const ModelOutline& o, const Status& why) {
  std::cout << model << " (" << o.format << ", " << o.version << "): "
            << (why.is_ok() ? "runs once its input shapes are given (--input-shape NAME=DIMS)"
                            : "cannot run here")
            << "\n";
  print_outline_tensors("inputs", o.inputs);
  print_outline_tensors("outputs", o.outputs);
  std::cout << "ops (" << o.nodes << (o.nodes == 1 ? " node" : " nodes") << "):\n";
  int missing = 0;
  for (const OutlineOp& op : o.ops) {
    std::printf("  %-28s %5d%s\n", op.op.c_str(), op.count, op.translated ? "" : "  not supported");
    if (!op.translated) ++missing;
  }
  if (missing > 0)
    std::printf("%d of %zu op types not supported (docs/ops.md lists every op of both formats)\n",
                missing, o.ops.size());
  else if (!why.is_ok())
    std::printf("every op type is supported; the reason it cannot run follows on stderr\n");
  else
    std::printf("every op type is supported; MACs and the arena depend on the input shapes\n");
}

// The model as its file declares it, for one that the session refused as unsupported (the
// refusal itself is still the command's result, exit 5, so scripts learn it cannot run), or
// for one whose input shapes vary and were not given (`why` ok: nothing is missing but sizes).
Status show_outline(const ModelFlags& flags, const Status& why) {
  auto file = MappedFile::open(flags.model);
  if (!file.is_ok()) return why;
  auto outline = outline_model((*file)->data(), (*file)->size(), flags.model);
  if (!outline.is_ok()) return why;
  const ModelMetadata metadata = model_metadata(flags.model);
  if (flags.json) {
    print_outline_json(flags.model, *outline, why, metadata_json(metadata));
  } else {
    print_outline(flags.model, *outline, why);
    print_metadata(metadata);
  }
  return why;
}

Status inspect(const ModelFlags& flags) {
  double init_ms = 0;
  auto opened = open_session(flags, &init_ms, true);
  if (!opened.is_ok()) {
    // A bundle's model is encrypted or signed: only the session may read it.
    if (opened.status().code() != StatusCode::kUnsupported || bundle::is_bundle_file(flags.model))
      return opened.status();
    return show_outline(flags, opened.status());
  }
  auto session = std::move(*opened);
  if (!require_input_shapes(*session, flags.model).is_ok() && !bundle::is_bundle_file(flags.model))
    return show_outline(flags, Status::ok());
  const ModelStats& st = session->stats();
  if (flags.json) {
    nlohmann::json j;
    j["model"] = flags.model;
    j["format"] = st.format;
    j["inputs"] = nlohmann::json::array();
    for (size_t i = 0; i < session->num_inputs(); ++i) j["inputs"].push_back(tensor_info_json(session->input(i)));
    j["outputs"] = nlohmann::json::array();
    for (size_t i = 0; i < session->num_outputs(); ++i) j["outputs"].push_back(tensor_info_json(session->output(i)));
    if (!st.composite_inputs.empty()) j["composite_inputs"] = composite_json(st.composite_inputs);
    if (!st.composite_outputs.empty()) j["composite_outputs"] = composite_json(st.composite_outputs);
    j["ops"] = st.op_counts;
    j["parameters"] = st.parameters;
    j["macs"] = st.macs;
    j["arena_bytes"] = st.arena_bytes;
    j["folded_constant_bytes"] = st.folded_constant_bytes;
    j["nodes_executed"] = st.nodes_executed;
    j["nodes_evaluated_per_run"] = st.nodes_evaluated_per_run;
    j["load_ms"] = init_ms;
    j["signatures"] = signatures_json(st);
    if (!st.signature.empty()) j["signature"] = st.signature;
    j["metadata"] = metadata_json(model_metadata(flags.model));
    print_json(j);
    return Status::ok();
  }
  std::cout << flags.model << " (" << st.format << ")\n";
  std::cout << "inputs:\n";
  for (size_t i = 0; i < session->num_inputs(); ++i) std::cout << "  " << describe_tensor(session->input(i)) << "\n";
  for (const CompositeValue& c : st.composite_inputs) std::cout << "  " << composite_text(c, true) << "\n";
  std::cout << "outputs:\n";
  for (size_t i = 0; i < session->num_outputs(); ++i) std::cout << "  " << describe_tensor(session->output(i)) << "\n";
  for (const CompositeValue& c : st.composite_outputs) std::cout << "  " << composite_text(c, false) << "\n";
  std::cout << "ops:\n";
  int total = 0;
  for (const auto& [name, count] : st.op_counts) {
    std::printf("  %-18s %5d\n", name.c_str(), count);
    total += count;
  }
  std::printf("  %-18s %5d (%d run per inference after constant folding)\n", "total", total, st.nodes_executed);
  if (st.nodes_evaluated_per_run > 0)
    std::printf("  %d more evaluated with each run's data on the reference backend (their output sizes "
                "depend on it)\n", st.nodes_evaluated_per_run);
  std::printf("parameters: %lld\n", static_cast<long long>(st.parameters));
  std::printf("MACs: %lld (%.3f G)\n", static_cast<long long>(st.macs), st.macs / 1e9);
  std::printf("arena: %zu bytes (%.2f MiB)\n", st.arena_bytes, st.arena_bytes / 1048576.0);
  std::printf("constants made at load: %zu bytes\n", st.folded_constant_bytes);
  std::printf("load time: %.2f ms\n", init_ms);
  print_signatures(st);
  print_metadata(model_metadata(flags.model));
  return Status::ok();
}

}  // namespace

void add_inspect_command(CLI::App& app) {
  auto flags = std::make_shared<ModelFlags>();
  CLI::App* cmd = app.add_subcommand("inspect", "Show a model's inputs, outputs, ops, parameters, MACs and arena size");
  add_model_flags(cmd, *flags);
  set_action(cmd, [flags] { return inspect(*flags); });
}

}  // namespace outpost::cli
