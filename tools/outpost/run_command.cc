// outpost run MODEL --input NAME=FILE.npy ... [--output-dir DIR]: one inference on given tensors.
#include <filesystem>
#include <iostream>
#include <set>

#include "core/npy.h"
#include "outpost/cli_common.h"
#include "outpost/commands.h"
#include "outpost/tensor_summary.h"

namespace outpost::cli {
namespace {

struct RunFlags {
  ModelFlags model;
  std::vector<std::string> inputs;
  std::string output_dir;
};

Status write_outputs(const Session& session, const std::string& dir, std::vector<std::string>& files) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return io_error("cannot create output directory '" + dir + "': " + ec.message());
  std::set<std::string> used;
  for (size_t i = 0; i < session.num_outputs(); ++i) {
    std::string stem = sanitize_file_name(session.output(i).name);
    if (used.count(stem)) stem += "_" + std::to_string(i);
    used.insert(stem);
    const std::string path = (std::filesystem::path(dir) / (stem + ".npy")).string();
    OUTPOST_RETURN_IF_ERROR(save_npy(path, session.output(i)));
    files.push_back(path);
  }
  return Status::ok();
}

Status run(const RunFlags& flags) {
  OUTPOST_ASSIGN_OR_RETURN(auto session, open_session(flags.model, nullptr, true));
  bool filled = false;
  OUTPOST_RETURN_IF_ERROR(feed_inputs(*session, flags.inputs, &filled));
  const double start = now_seconds();
  OUTPOST_RETURN_IF_ERROR(session->run());
  const double latency_ms = (now_seconds() - start) * 1e3;
  std::vector<std::string> files;
  if (!flags.output_dir.empty()) OUTPOST_RETURN_IF_ERROR(write_outputs(*session, flags.output_dir, files));

  if (flags.model.json) {
    nlohmann::json j;
    j["model"] = flags.model.model;
    j["inputs_filled_deterministically"] = filled;
    j["latency_ms"] = latency_ms;
    j["outputs"] = nlohmann::json::array();
    for (size_t i = 0; i < session->num_outputs(); ++i) {
      const TensorSummary s = summarize(session->output(i));
      nlohmann::json o = tensor_info_json(session->output(i));
      o["min"] = s.min;
      o["max"] = s.max;
      o["mean"] = s.mean;
      o["argmax"] = s.argmax;
      if (i < files.size()) o["file"] = files[i];
      j["outputs"].push_back(o);
    }
    print_json(j);
    return Status::ok();
  }
  if (filled) std::cout << "note: no --input given; inputs filled with a fixed deterministic pattern\n";
  std::printf("latency: %.3f ms\n", latency_ms);
  for (size_t i = 0; i < session->num_outputs(); ++i) {
    const TensorSummary s = summarize(session->output(i));
    std::cout << describe_tensor(session->output(i));
    std::printf("  min %.6g max %.6g mean %.6g argmax %lld", s.min, s.max, s.mean, static_cast<long long>(s.argmax));
    if (i < files.size()) std::cout << "  -> " << files[i];
    std::cout << "\n";
  }
  return Status::ok();
}

}  // namespace

void add_run_command(CLI::App& app) {
  auto flags = std::make_shared<RunFlags>();
  CLI::App* cmd = app.add_subcommand("run", "Run one inference on .npy inputs; write or summarize the outputs");
  add_model_flags(cmd, flags->model);
  cmd->add_option("-i,--input", flags->inputs,
                  "Input tensor as NAME=FILE.npy (repeat per input); none: a fixed pattern")
      ->type_name("NAME=FILE.npy");
  // A directory, so not -o/--out: that is always one file, in every command.
  cmd->add_option("--output-dir", flags->output_dir,
                  "Write each output as DIR/<output name>.npy (DIR is created)")
      ->type_name("DIR");
  set_action(cmd, [flags] { return run(*flags); });
}

}  // namespace outpost::cli
