#include "agentd/agent_daemon.h"

#include <signal.h>

#include <atomic>

#include "agentd/agent.h"
#include "core/log.h"

namespace outpost::agentd {
namespace {

std::atomic<bool> g_stop{false};

void on_stop_signal(int) { g_stop = true; }

// SA_RESETHAND: the handler runs once; a second signal takes the default action (the modules
// then end with the agent, through their parent-death signal).
void install_stop_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sa.sa_flags = SA_RESETHAND;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
}

}  // namespace

Status run_agent_daemon(const std::string& config_path) {
  OUTPOST_ASSIGN_OR_RETURN(AgentConfig config, load_agent_config(config_path));
  auto source = std::make_unique<DirectorySource>(config.manifest_dir);
  OUTPOST_LOG_INFO("agent: state in '" << config.state_dir << "', manifests from "
                                       << source->describe() << ", trust store '"
                                       << config.trust_dir << "'");
  install_stop_handlers();
  Agent agent(std::move(config), std::move(source));
  return agent.run(g_stop);
}

}  // namespace outpost::agentd
