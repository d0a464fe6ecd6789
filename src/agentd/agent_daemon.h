// The agent as a process (`outpost agent`, `outpost-agent`): reads the configuration, starts
// the agent on its local-directory source and runs it until SIGTERM or SIGINT (the first asks
// it to stop its modules and exit 0; a second ends it at once).
#pragma once

#include <string>

#include "outpost/status.h"

namespace outpost::agentd {

Status run_agent_daemon(const std::string& config_path);

}  // namespace outpost::agentd
