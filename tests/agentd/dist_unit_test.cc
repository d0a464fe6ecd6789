// dist/outpost-agent.service: the settings the agent relies on (sd_notify, the watchdog, who
// kills its modules) are there.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "support/test_paths.h"

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

// systemd's own parser, where this machine has it: no unknown key, no value it cannot parse.
TEST(DistUnit, AgentServicePassesSystemdAnalyzeVerify) {
  const char* analyze = "/usr/bin/systemd-analyze";
  if (access(analyze, X_OK) != 0) GTEST_SKIP() << "no " << analyze;
  std::string unit = unit_file();
  // The binary is not installed here, which verify would report; /bin/true stands in for it.
  const size_t at = unit.find("\nExecStart=");
  ASSERT_NE(at, std::string::npos);
  const size_t program = at + std::string("\nExecStart=").size();
  unit.replace(program, unit.find(' ', program) - program, "/bin/true");
  const std::string dir = testing::make_temp_dir("outpost-unit");
  const std::string path = dir + "/outpost-agent.service";
  std::ofstream(path) << unit;
  std::string said;
  if (FILE* out = popen((std::string(analyze) + " verify '" + path + "' 2>&1").c_str(), "r")) {
    char buffer[512];
    for (size_t n; (n = fread(buffer, 1, sizeof(buffer), out)) > 0;) said.append(buffer, n);
    EXPECT_EQ(pclose(out), 0);
  }
  EXPECT_EQ(said, "") << "systemd-analyze verify: " << said;
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace outpost::agentd
