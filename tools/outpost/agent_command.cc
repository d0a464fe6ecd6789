// outpost agent --config agent.json: the device agent (docs/agent.md), the same as the smaller
// `outpost-agent` executable (tools/outpost-agent) that devices run under systemd.
#include <cstdlib>

#include "agentd/agent_daemon.h"
#include "core/log.h"
#include "outpost/cli_common.h"
#include "outpost/commands.h"

namespace outpost::cli {

void add_agent_command(CLI::App& app) {
  auto config = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand(
      "agent",
      "Run the device agent: apply signed manifests, supervise modules, roll back (docs/agent.md)");
  cmd->add_option("--config", *config, "Agent configuration file (JSON, docs/agent.md)")
      ->required();
  set_action(cmd, [config, cmd] {
    // A daemon's log is the story of what it did: accepted manifests, switches, verdicts are
    // logged at info unless a level was asked for.
    const CLI::Option* level = cmd->get_option_no_throw("--log-level");
    if ((level == nullptr || level->count() == 0) && std::getenv("OUTPOST_LOG_LEVEL") == nullptr)
      set_log_level(LogLevel::kInfo);
    return agentd::run_agent_daemon(*config);
  });
}

}  // namespace outpost::cli
