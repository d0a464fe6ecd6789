// outpost: the command-line interface. Each subcommand lives in its own file; this one wires
// them and turns failures into the exit codes of docs/cli.md.
#include <iostream>

#include "backends/backend.h"
#include "outpost/cli_common.h"
#include "outpost/commands.h"

namespace outpost::cli {

namespace {
Status g_status;
}

void set_action(CLI::App* cmd, CommandAction action) {
  cmd->callback([action = std::move(action)] { g_status = action(); });
}

int run_cli(int argc, char** argv) {
  CLI::App app{"Outpost: run TFLite and ONNX models on edge CPUs, from plain files or signed bundles.", "outpost"};
  app.set_version_flag("--version", std::string("outpost ") + OUTPOST_VERSION + " (backends: " + registered_backend_names() + ")");
  app.require_subcommand(1);
  add_inspect_command(app);
  add_run_command(app);
  add_bench_command(app);
  add_classify_command(app);
  add_detect_command(app);
  add_segment_command(app);
  add_landmarks_command(app);
  add_pipeline_command(app);
  add_keys_command(app);
  add_pack_command(app);
  add_verify_command(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return static_cast<int>(StatusCode::kUsage);
  }
  if (!g_status.is_ok()) {
    std::cerr << "outpost: error: " << g_status.message() << std::endl;
    return g_status.exit_code();
  }
  return 0;
}

}  // namespace outpost::cli

int main(int argc, char** argv) {
  try {
    return outpost::cli::run_cli(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "outpost: internal error: " << e.what() << std::endl;
    return static_cast<int>(outpost::StatusCode::kInternal);
  }
}
