// outpost: the command-line interface. Each subcommand lives in its own file; this one wires
// them, speaks for all of them when the arguments do not parse, and turns failures into the
// exit codes of docs/cli.md (and, under --json, into a JSON error on stdout too).
#include <cstring>
#include <iostream>

#include "backends/backend.h"
#include "core/log.h"
#include "outpost/cli_common.h"
#include "outpost/commands.h"
#include "outpost/usage_errors.h"

namespace outpost::cli {

namespace {
Status g_status;
std::string g_log_level = "warning";

// Every leaf command (one that runs an action) gets --log-level, so that no command has its
// own idea of logging.
void add_log_level_flags(CLI::App& app) {
  for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) {
    if (!sub->get_subcommands([](CLI::App*) { return true; }).empty()) {
      add_log_level_flags(*sub);
      continue;
    }
    if (sub->get_option_no_throw("--log-level") != nullptr) continue;
    sub->add_option("--log-level", g_log_level,
                    "How much to log on stderr: error | warning (default) | info | debug")
        ->envname("OUTPOST_LOG_LEVEL")
        ->check(one_of({"error", "warning", "warn", "info", "debug"}));
  }
}

// The deepest subcommand that was parsed (the one that ran).
const CLI::App* parsed_leaf(const CLI::App& app) {
  const CLI::App* cur = &app;
  while (!cur->get_subcommands().empty()) cur = cur->get_subcommands().front();
  return cur;
}

bool json_requested(const CLI::App* leaf) {
  const CLI::Option* json = leaf->get_option_no_throw("--json");
  return json != nullptr && json->count() > 0;
}

int fail(const Status& status, bool json) {
  std::cerr << "outpost: error: " << status.message() << std::endl;
  if (json && !json_error_printed()) print_json(error_json(status));
  return status.exit_code();
}

}  // namespace

void set_action(CLI::App* cmd, CommandAction action) {
  cmd->callback([action = std::move(action)] {
    // An exception escaping a command (from a third-party library) is our bug, but it still
    // ends as exit 1 with the message, in JSON too under --json.
    try {
      g_status = action();
    } catch (const CLI::Error&) {
      throw;
    } catch (const std::exception& e) {
      g_status = internal_error(std::string("unexpected exception: ") + e.what() +
                                " (a bug: please report it)");
    }
  });
}

int run_cli(int argc, char** argv) {
  set_log_sink([](LogLevel level, std::string_view message) {
    std::cerr << "outpost: " << log_level_name(level) << ": " << message << std::endl;
  });
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
  add_manifest_command(app);
#ifdef OUTPOST_WITH_OPTIMIZER
  add_optimize_command(app);
#endif
#ifdef OUTPOST_WITH_SERVER
  add_serve_command(app);
  add_agent_command(app);
  add_status_command(app);
  add_fleet_command(app);
#endif
  add_log_level_flags(app);
  // The level applies before any command's action runs (actions run inside parse()). Read from
  // the command's own --log-level, so that a command that declares the flag itself is obeyed too.
  app.parse_complete_callback([&app] {
    const CLI::Option* opt = parsed_leaf(app)->get_option_no_throw("--log-level");
    if (opt == nullptr || opt->count() == 0 || opt->results().empty()) return;
    if (auto level = parse_log_level(opt->results().front())) set_log_level(*level);
  });
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // The flags did not parse, so --json is looked for in the raw arguments.
    bool json = false;
    for (int i = 1; i < argc; ++i) json = json || std::strcmp(argv[i], "--json") == 0;
    return fail(usage_error(describe_parse_error(app, e)), json);
  }
  if (!g_status.is_ok()) return fail(g_status, json_requested(parsed_leaf(app)));
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
