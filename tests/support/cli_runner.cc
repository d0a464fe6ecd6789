#include "support/cli_runner.h"

#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace outpost::testing {
namespace {

std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

CliResult run_outpost(const std::vector<std::string>& args) {
  return run_outpost_within(0, args);
}

CliResult run_outpost_within(double seconds, const std::vector<std::string>& args) {
  const std::string dir = make_temp_dir("outpost-cli");
  // -k: SIGKILL a second later if SIGTERM is not enough (a process stuck in a blocking open).
  std::string cmd = seconds > 0 ? "timeout -k 1 " + std::to_string(seconds) + " " : "";
  cmd += shell_quote(OUTPOST_CLI_PATH);
  for (const auto& a : args) cmd += " " + shell_quote(a);
  cmd += " >" + shell_quote(dir + "/out") + " 2>" + shell_quote(dir + "/err") + " </dev/null";
  const int status = std::system(cmd.c_str());
  CliResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = slurp(dir + "/out");
  r.err = slurp(dir + "/err");
  std::filesystem::remove_all(dir);
  return r;
}

}  // namespace outpost::testing
