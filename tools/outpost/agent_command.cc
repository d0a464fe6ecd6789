// outpost agent --config agent.json: the device agent (docs/agent.md). It applies the signed
// manifests that appear in its manifest directory, supervises the modules they describe, and
// runs until SIGTERM or SIGINT, when it stops its modules and exits 0.
#include <signal.h>

#include <atomic>
#include <iostream>

#include "agentd/agent.h"
#include "core/log.h"
#include "outpost/cli_common.h"
#include "outpost/commands.h"

namespace outpost::cli {
namespace {

std::atomic<bool> g_stop{false};

void on_stop_signal(int) { g_stop = true; }

// The first SIGTERM/SIGINT asks the agent to stop its modules and exit; a second one while it
// does kills it at once (the modules die with it: their parent-death signal).
void install_stop_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sa.sa_flags = SA_RESETHAND;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
}

Status run_agent(const std::string& config_path) {
  OUTPOST_ASSIGN_OR_RETURN(agentd::AgentConfig config, agentd::load_agent_config(config_path));
  auto source = std::make_unique<agentd::DirectorySource>(config.manifest_dir);
  OUTPOST_LOG_INFO("agent: state in '" << config.state_dir << "', manifests from "
                                       << source->describe() << ", trust store '"
                                       << config.trust_dir << "'");
  install_stop_handlers();
  agentd::Agent agent(std::move(config), std::move(source));
  return agent.run(g_stop);
}

}  // namespace

void add_agent_command(CLI::App& app) {
  auto config = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand(
      "agent",
      "Run the device agent: apply signed manifests, supervise modules, roll back (docs/agent.md)");
  cmd->add_option("--config", *config, "Agent configuration file (JSON, docs/agent.md)")
      ->required();
  set_action(cmd, [config] { return run_agent(*config); });
}

}  // namespace outpost::cli
