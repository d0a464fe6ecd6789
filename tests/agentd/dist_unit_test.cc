// dist/outpost-agent.service: the settings the agent relies on (sd_notify, the watchdog, who
// kills its modules) are there.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

namespace outpost::agentd {
namespace {

std::string unit_file() {
  std::ifstream in(std::string(OUTPOST_SOURCE_DIR) + "/dist/outpost-agent.service");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(DistUnit, AgentServiceIsANotifyServiceWithAWatchdog) {
  const std::string unit = unit_file();
  ASSERT_FALSE(unit.empty()) << "dist/outpost-agent.service is missing";
  for (const char* line : {"\nType=notify\n", "\nNotifyAccess=main\n", "\nWatchdogSec=30\n",
                           "\nKillMode=mixed\n", "\nRestart=on-failure\n",
                           "\nExecStart=/usr/bin/outpost-agent --config /etc/outpost/agent.json\n",
                           "\nProtectSystem=strict\n", "\nReadWritePaths=/var/lib/outpost\n",
                           "\nNoNewPrivileges=yes\n"})
    EXPECT_NE(unit.find(line), std::string::npos) << "missing: " << line;
}

}  // namespace
}  // namespace outpost::agentd
