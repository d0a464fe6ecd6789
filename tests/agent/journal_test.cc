// The agent's state journal: round trips, corruption detected and the previous copy used, and
// a real child process killed (SIGKILL) at every step of a write, after which the journal reads
// back as the state before the write or the one after it, never neither.
#include "agent/journal.h"

#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "support/test_paths.h"

extern char** environ;

namespace outpost::agent {
namespace {

AgentState state_with(int64_t version, bool in_progress) {
  AgentState s;
  s.last_accepted_version = version;
  s.last_good = DeploymentRef{"lobby", version - 1, std::string(64, 'a')};
  s.current = DeploymentRef{"lobby", version, std::string(64, 'b')};
  if (in_progress)
    s.in_progress =
        InProgress{DeploymentRef{"lobby", version + 1, std::string(64, 'c')}, ApplyStep::kValidate};
  return s;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void spill(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

class JournalTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = testing::make_temp_dir("outpost-journal"); }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string dir_;
};

TEST_F(JournalTest, FirstStartIsEmptyThenRoundTrips) {
  Journal j(dir_);
  auto r = j.read();
  ASSERT_TRUE(r.is_ok()) << r.status().message();
  EXPECT_FALSE(r->found);
  EXPECT_EQ(r->state, AgentState{});
  auto seq = j.write(state_with(3, true));
  ASSERT_TRUE(seq.is_ok()) << seq.status().message();
  EXPECT_EQ(seq.value(), 1u);
  r = j.read();
  ASSERT_TRUE(r.is_ok());
  EXPECT_TRUE(r->found);
  EXPECT_FALSE(r->used_previous);
  AgentState want = state_with(3, true);
  want.sequence = 1;
  EXPECT_EQ(r->state, want);
  EXPECT_EQ(j.write(state_with(4, false)).value(), 2u);
  r = j.read();
  want = state_with(4, false);
  want.sequence = 2;
  EXPECT_EQ(r->state, want);
  // The previous copy is kept beside it, and no temporary file is left.
  EXPECT_TRUE(std::filesystem::exists(j.path() + ".prev"));
  EXPECT_FALSE(std::filesystem::exists(j.path() + ".tmp"));
}

TEST_F(JournalTest, CorruptOrTornCurrentFallsBackToThePreviousCopy) {
  Journal j(dir_);
  ASSERT_TRUE(j.write(state_with(3, false)).is_ok());
  ASSERT_TRUE(j.write(state_with(4, true)).is_ok());
  const std::string good = slurp(j.path());
  AgentState old = state_with(3, false);
  old.sequence = 1;
  const std::vector<std::pair<std::string, std::string>> damages = {
      {"truncated", good.substr(0, good.size() / 2)},
      {"empty", ""},
      {"flipped body byte",
       [&] {
         std::string s = good;
         s[s.size() - 5] ^= 0x04;
         return s;
       }()},
      {"flipped checksum",
       [&] {
         std::string s = good;
         s[25] = s[25] == '0' ? '1' : '0';
         return s;
       }()},
      {"not a journal", "{\"sequence\": 9}"},
  };
  for (const auto& [what, text] : damages) {
    spill(j.path(), text);
    auto r = j.read();
    ASSERT_TRUE(r.is_ok()) << what << ": " << r.status().message();
    EXPECT_TRUE(r->used_previous) << what;
    EXPECT_EQ(r->state, old) << what;
    EXPECT_FALSE(r->note.empty());
  }
  // A write after corruption keeps the good previous copy (the corrupt file is not rotated in).
  spill(j.path(), "garbage");
  ASSERT_TRUE(j.write(state_with(5, false)).is_ok());
  spill(j.path(), "garbage again");
  auto r = j.read();
  ASSERT_TRUE(r.is_ok());
  EXPECT_EQ(r->state, old);
  // Both copies bad: an error naming both, never a guess.
  spill(j.path() + ".prev", "garbage");
  r = j.read();
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidModel);
  EXPECT_NE(r.status().message().find("no valid copy"), std::string::npos) << r.status().message();
}

TEST_F(JournalTest, AChecksummedFileWithBadFieldsIsRefused) {
  AgentState s = state_with(3, false);
  std::string text = journal_file_text(s);
  EXPECT_TRUE(parse_journal_file(text, "j").is_ok());
  auto bad = parse_journal_file(text + "x", "j");
  EXPECT_FALSE(bad.is_ok());
  EXPECT_NE(bad.status().message().find("checksum mismatch"), std::string::npos);
}

TEST_F(JournalTest, AFailedWriteIsAnErrorAndKeepsTheOldState) {
  Journal missing(dir_ + "/no-such-dir");
  auto w = missing.write(state_with(3, false));
  ASSERT_FALSE(w.is_ok());
  EXPECT_EQ(w.status().code(), StatusCode::kIoError);
  EXPECT_NE(w.status().message().find("no-such-dir/state.journal.tmp"), std::string::npos)
      << w.status().message();
  // A directory where the temporary file should go: the write fails, the old state stays.
  Journal j(dir_);
  ASSERT_TRUE(j.write(state_with(3, false)).is_ok());
  std::filesystem::create_directory(j.path() + ".tmp");
  EXPECT_FALSE(j.write(state_with(4, false)).is_ok());
  auto r = j.read();
  ASSERT_TRUE(r.is_ok());
  EXPECT_EQ(r->state.last_accepted_version, 3);
  EXPECT_FALSE(r->used_previous);
}

TEST_F(JournalTest, FaultHookSeesEveryStepInOrder) {
  std::vector<int> steps;
  set_journal_fault_hook_for_testing(
      [&](JournalWriteStep s) { steps.push_back(static_cast<int>(s)); });
  Journal j(dir_);
  const bool ok = j.write(state_with(3, false)).is_ok();
  set_journal_fault_hook_for_testing(nullptr);
  ASSERT_TRUE(ok);
  std::vector<int> want;
  for (int i = 1; i <= kJournalWriteSteps; ++i) want.push_back(i);
  EXPECT_EQ(steps, want);
}

// The child's half of the crash test: runs only when the parent below starts this binary with
// OUTPOST_TEST_JOURNAL_DIR set (and OUTPOST_TEST_JOURNAL_KILL_AT_STEP, which makes the journal
// SIGKILL the process at that step).
TEST(JournalCrashChild, WriteOnce) {
  const char* dir = std::getenv("OUTPOST_TEST_JOURNAL_DIR");
  if (dir == nullptr) GTEST_SKIP() << "run by JournalTest.KilledAtEveryStepReadsOldOrNew";
  const char* version = std::getenv("OUTPOST_TEST_JOURNAL_VERSION");
  ASSERT_NE(version, nullptr);
  Journal j(dir);
  ASSERT_TRUE(j.write(state_with(std::atoll(version), true)).is_ok());
}

// Runs this test binary's JournalCrashChild.WriteOnce in a new process; returns its wait status.
int run_child(const std::string& dir, int64_t version, int kill_at_step) {
  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string v = *e;
    if (v.rfind("OUTPOST_TEST_JOURNAL_", 0) != 0 && v.rfind("GTEST_", 0) != 0)
      env_strings.push_back(v);
  }
  env_strings.push_back("OUTPOST_TEST_JOURNAL_DIR=" + dir);
  env_strings.push_back("OUTPOST_TEST_JOURNAL_VERSION=" + std::to_string(version));
  env_strings.push_back("OUTPOST_TEST_JOURNAL_KILL_AT_STEP=" + std::to_string(kill_at_step));
  std::vector<char*> envp;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::string exe = std::filesystem::read_symlink("/proc/self/exe").string();
  std::string filter = "--gtest_filter=JournalCrashChild.WriteOnce";
  char* argv[] = {exe.data(), filter.data(), nullptr};
  pid_t pid = 0;
  if (posix_spawn(&pid, exe.c_str(), nullptr, nullptr, argv, envp.data()) != 0) return -1;
  int status = 0;
  waitpid(pid, &status, 0);
  return status;
}

TEST_F(JournalTest, KilledAtEveryStepReadsOldOrNew) {
  // Two histories: a journal with a current and a previous copy, and one whose last write was
  // itself interrupted after the current file was moved aside (only the previous copy left).
  for (const bool interrupted_before : {false, true}) {
    for (int step = 1; step <= kJournalWriteSteps; ++step) {
      SCOPED_TRACE("interrupted_before " + std::to_string(interrupted_before) +
                   ", killed at step " + std::to_string(step));
      std::filesystem::remove_all(dir_);
      std::filesystem::create_directories(dir_);
      Journal j(dir_);
      ASSERT_TRUE(j.write(state_with(3, false)).is_ok());
      ASSERT_TRUE(j.write(state_with(4, false)).is_ok());
      if (interrupted_before) {
        const int s = run_child(dir_, 5, static_cast<int>(JournalWriteStep::kKeepPrevious));
        ASSERT_TRUE(WIFSIGNALED(s) && WTERMSIG(s) == SIGKILL) << s;
        ASSERT_FALSE(std::filesystem::exists(j.path()));
      }
      auto before = j.read();
      ASSERT_TRUE(before.is_ok()) << before.status().message();
      const int status = run_child(dir_, 6, step);
      ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
          << "the child was not killed: wait status " << status;
      auto after = j.read();
      ASSERT_TRUE(after.is_ok()) << after.status().message();
      AgentState want_new = state_with(6, true);
      want_new.sequence = before->state.sequence + 1;
      // Committed exactly when the new file has taken the journal's name.
      if (step >= static_cast<int>(JournalWriteStep::kRename))
        EXPECT_EQ(after->state, want_new);
      else
        EXPECT_EQ(after->state, before->state);
      // And the journal goes on working: the next write lands and reads back.
      ASSERT_TRUE(j.write(state_with(7, false)).is_ok());
      auto next = j.read();
      ASSERT_TRUE(next.is_ok());
      EXPECT_EQ(next->state.last_accepted_version, 7);
      EXPECT_FALSE(next->used_previous);
    }
  }
  // The child completes when no step is chosen.
  const int status = run_child(dir_, 8, 0);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  EXPECT_EQ(Journal(dir_).read()->state.last_accepted_version, 8);
}

}  // namespace
}  // namespace outpost::agent
