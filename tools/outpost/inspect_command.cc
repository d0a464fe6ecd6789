// outpost inspect MODEL: inputs, outputs, op histogram, parameters, MACs, arena size.
#include <cstdio>
#include <iostream>

#include "outpost/cli_common.h"
#include "outpost/commands.h"

namespace outpost::cli {
namespace {

Status inspect(const ModelFlags& flags) {
  double init_ms = 0;
  OUTPOST_ASSIGN_OR_RETURN(auto session, open_session(flags, &init_ms));
  const ModelStats& st = session->stats();
  if (flags.json) {
    nlohmann::json j;
    j["model"] = flags.model;
    j["format"] = st.format;
    j["inputs"] = nlohmann::json::array();
    for (size_t i = 0; i < session->num_inputs(); ++i) j["inputs"].push_back(tensor_info_json(session->input(i)));
    j["outputs"] = nlohmann::json::array();
    for (size_t i = 0; i < session->num_outputs(); ++i) j["outputs"].push_back(tensor_info_json(session->output(i)));
    j["ops"] = st.op_counts;
    j["parameters"] = st.parameters;
    j["macs"] = st.macs;
    j["arena_bytes"] = st.arena_bytes;
    j["folded_constant_bytes"] = st.folded_constant_bytes;
    j["nodes_executed"] = st.nodes_executed;
    j["load_ms"] = init_ms;
    print_json(j);
    return Status::ok();
  }
  std::cout << flags.model << " (" << st.format << ")\n";
  std::cout << "inputs:\n";
  for (size_t i = 0; i < session->num_inputs(); ++i) std::cout << "  " << describe_tensor(session->input(i)) << "\n";
  std::cout << "outputs:\n";
  for (size_t i = 0; i < session->num_outputs(); ++i) std::cout << "  " << describe_tensor(session->output(i)) << "\n";
  std::cout << "ops:\n";
  int total = 0;
  for (const auto& [name, count] : st.op_counts) {
    std::printf("  %-18s %5d\n", name.c_str(), count);
    total += count;
  }
  std::printf("  %-18s %5d (%d run per inference after constant folding)\n", "total", total, st.nodes_executed);
  std::printf("parameters: %lld\n", static_cast<long long>(st.parameters));
  std::printf("MACs: %lld (%.3f G)\n", static_cast<long long>(st.macs), st.macs / 1e9);
  std::printf("arena: %zu bytes (%.2f MiB)\n", st.arena_bytes, st.arena_bytes / 1048576.0);
  std::printf("constants made at load: %zu bytes\n", st.folded_constant_bytes);
  std::printf("load time: %.2f ms\n", init_ms);
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
