// outpost-agent --config agent.json: the device agent alone (docs/agent.md). The same agent as
// `outpost agent`, in an executable that links no model runtime, kernels or video libraries:
// it never loads a model itself (validation runs `outpost verify` in a child process), so a
// device pays for them only in the modules that use them.
#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iostream>

#include "agentd/agent_daemon.h"
#include "core/log.h"

int main(int argc, char** argv) {
  using namespace outpost;
  set_log_sink([](LogLevel level, std::string_view message) {
    std::cerr << "outpost-agent: " << log_level_name(level) << ": " << message << std::endl;
  });
  CLI::App app{"The Outpost device agent: applies signed deployment manifests, supervises the "
               "modules, rolls back bad deployments (docs/agent.md).",
               "outpost-agent"};
  app.set_version_flag("--version", std::string("outpost-agent ") + OUTPOST_VERSION);
  std::string config, level = std::getenv("OUTPOST_LOG_LEVEL") ? std::getenv("OUTPOST_LOG_LEVEL") : "info";
  app.add_option("--config", config, "Agent configuration file (JSON, docs/agent.md)")->required();
  app.add_option("--log-level", level, "error | warning | info (default) | debug (Env:OUTPOST_LOG_LEVEL)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : static_cast<int>(StatusCode::kUsage);
  }
  const auto parsed = parse_log_level(level);
  if (!parsed) {
    std::cerr << "outpost-agent: error: --log-level '" << level
              << "' is not one of error, warning, info, debug" << std::endl;
    return static_cast<int>(StatusCode::kUsage);
  }
  set_log_level(*parsed);
  const Status s = agentd::run_agent_daemon(config);
  if (!s.is_ok()) std::cerr << "outpost-agent: error: " << s.message() << std::endl;
  return s.exit_code();
}
