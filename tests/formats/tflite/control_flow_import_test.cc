// TFLite's IF, WHILE, CALL_ONCE and resource variables imported onto the IR's If, Loop and kept
// state (src/formats/tflite/tflite_control_flow.cc): answers worked out by hand, state carried
// from run to run and reset, and the forms Outpost does not take refused by name. The TFLite
// conformance suite (tflite_cases_control_flow.cc) checks the same against TFLite itself.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "conformance/tflite_case_model.h"
#include "outpost/session.h"

namespace outpost {
namespace {

using namespace testing::conformance;  // NOLINT: the suite's model builder and codes

enum : int32_t { IF = 118, WHILE = 119, CALL_ONCE = 129, VAR_HANDLE = 142, READ_VARIABLE = 143, ASSIGN_VARIABLE = 144 };
enum : uint8_t { kIfOptions = 92, kWhileOptions = 93, kCallOnceOptions = 103, kVarHandleOptions = 111 };

Result<std::unique_ptr<Session>> open(const CaseModel& m) {
  auto owned = std::make_shared<std::vector<uint8_t>>(m.done("X", "y", kF32).model);
  SessionOptions options;
  options.backend = "ref";
  return Session::open_buffer(owned->data(), owned->size(), owned, "control_flow.tflite", options);
}

void expect_refused(const CaseModel& m, const std::string& says) {
  auto s = open(m);
  ASSERT_FALSE(s.is_ok());
  EXPECT_EQ(s.status().code(), StatusCode::kUnsupported) << s.status().message();
  EXPECT_NE(s.status().message().find(says), std::string::npos) << s.status().message();
}

int handle(CaseModel& m, const std::string& name) {
  const int h = m.temp({}, kResource);
  m.op(VAR_HANDLE, {}, {h}, kVarHandleOptions);
  m.strings({{1, name}});
  return h;
}

// CALL_ONCE's subgraph 1 assigns `start` to "acc"; each run adds x to it and gives the sum.
CaseModel accumulator(float start) {
  CaseModel m;
  m.begin_subgraph();
  m.op(ASSIGN_VARIABLE, {handle(m, "acc"), m.floats({2}, {start, 2 * start})}, {});
  m.end_subgraph();
  const int x = m.input({2}, kF32);
  m.op(CALL_ONCE, {}, {}, kCallOnceOptions, {{0, 4, 1}});
  const int h = handle(m, "acc");
  const int r = m.temp({2}, kF32), s = m.output({2}, kF32);
  m.op(READ_VARIABLE, {h}, {r});
  m.op(ADD, {r, x}, {s}, kAddOptions, {{0, 1, 0}});
  m.op(ASSIGN_VARIABLE, {h, s}, {});
  return m;
}

TEST(TfliteControlFlow, AVariableCarriesAcrossRunsFromItsCallOnceStartAndResets) {
  auto s = open(accumulator(1));
  ASSERT_TRUE(s.is_ok()) << s.status().message();
  Session& session = **s;
  auto run = [&](float a, float b) {
    session.input(0).data_as<float>()[0] = a;
    session.input(0).data_as<float>()[1] = b;
    EXPECT_TRUE(session.run().is_ok());
    return std::vector<float>{session.output(0).data_as<float>()[0], session.output(0).data_as<float>()[1]};
  };
  EXPECT_EQ(run(1, 10), (std::vector<float>{2, 12}));
  EXPECT_EQ(run(1, 10), (std::vector<float>{3, 22}));
  EXPECT_EQ(run(0.5f, 0), (std::vector<float>{3.5f, 22}));
  session.reset_state();
  EXPECT_EQ(run(1, 10), (std::vector<float>{2, 12}));
}

// WHILE i < n: i += 1, x *= 2, with n from the input: x * 2^n.
TEST(TfliteControlFlow, WhileRunsAsManyIterationsAsItsInputSays) {
  CaseModel m;
  const int n = m.input({}, kI32);
  const int x = m.input({1}, kF32);
  const int i_out = m.temp({}, kI32), n_out = m.temp({}, kI32);
  m.op(WHILE, {m.ints({}, {0}), n, x}, {i_out, n_out, m.output({1}, kF32)}, kWhileOptions, {{0, 4, 1}, {1, 4, 2}});
  m.begin_subgraph();
  const int ci = m.param({}, kI32), cn = m.param({}, kI32);
  m.param({1}, kF32);
  const int c = m.temp({}, kBool);
  m.op(LESS, {ci, cn}, {c});
  m.result(c);
  m.end_subgraph();
  m.begin_subgraph();
  const int bi = m.param({}, kI32), bn = m.param({}, kI32), bx = m.param({1}, kF32);
  const int i1 = m.temp({}, kI32), x1 = m.temp({1}, kF32);
  m.op(ADD, {bi, m.ints({}, {1})}, {i1}, kAddOptions, {{0, 1, 0}});
  m.op(ADD, {bx, bx}, {x1}, kAddOptions, {{0, 1, 0}});
  m.result(i1);
  m.result(bn);
  m.result(x1);
  m.end_subgraph();
  auto s = open(m);
  ASSERT_TRUE(s.is_ok()) << s.status().message();
  for (const int32_t trips : {0, 1, 5}) {
    (*s)->input(0).data_as<int32_t>()[0] = trips;
    (*s)->input(1).data_as<float>()[0] = 3;
    ASSERT_TRUE((*s)->run().is_ok());
    EXPECT_EQ((*s)->output(0).data_as<float>()[0], 3.0f * static_cast<float>(1 << trips)) << trips;
  }
}

// A WHILE whose body takes its float operand as an int32: the body's kernels are made for its
// own types, so the value would be read and written at the wrong width. Refused at import.
TEST(TfliteControlFlow, AWhileWhoseBodyTakesAnotherTypeIsRefused) {
  CaseModel m;
  const int n = m.input({}, kI32);
  const int x = m.input({1}, kF32);
  const int n_out = m.temp({}, kI32);
  m.op(WHILE, {n, x}, {n_out, m.output({1}, kF32)}, kWhileOptions, {{0, 4, 1}, {1, 4, 2}});
  m.begin_subgraph();
  const int cn = m.param({}, kI32);
  m.param({1}, kF32);
  const int c = m.temp({}, kBool);
  m.op(LESS, {cn, m.ints({}, {3})}, {c});
  m.result(c);
  m.end_subgraph();
  m.begin_subgraph();
  const int bn = m.param({}, kI32), bx = m.param({1}, kI32);
  const int n1 = m.temp({}, kI32), x1 = m.temp({1}, kI32);
  m.op(ADD, {bn, m.ints({}, {1})}, {n1}, kAddOptions, {{0, 1, 0}});
  m.op(ADD, {bx, bx}, {x1}, kAddOptions, {{0, 1, 0}});
  m.result(n1);
  m.result(x1);
  m.end_subgraph();
  auto s = open(m);
  ASSERT_FALSE(s.is_ok());
  EXPECT_EQ(s.status().code(), StatusCode::kInvalidModel) << s.status().message();
  EXPECT_NE(s.status().message().find("body input 1 is float32 on one side and int32 on the other"),
            std::string::npos)
      << s.status().message();
}

// IF x: then subgraph 1 (y + y), else subgraph 2 (y * y).
TEST(TfliteControlFlow, IfRunsTheBranchItsConditionPicks) {
  CaseModel m;
  const int c = m.input({}, kBool);
  const int y = m.input({1}, kF32);
  m.op(IF, {c, y}, {m.output({1}, kF32)}, kIfOptions, {{0, 4, 1}, {1, 4, 2}});
  for (const int32_t code : {ADD, MUL}) {
    m.begin_subgraph();
    const int p = m.param({1}, kF32), r = m.temp({1}, kF32);
    m.op(code, {p, p}, {r}, code == ADD ? kAddOptions : kMulOptions, {{0, 1, 0}});
    m.result(r);
    m.end_subgraph();
  }
  auto s = open(m);
  ASSERT_TRUE(s.is_ok()) << s.status().message();
  for (const bool branch : {true, false}) {
    (*s)->input(0).data_as<bool>()[0] = branch;
    (*s)->input(1).data_as<float>()[0] = 3;
    ASSERT_TRUE((*s)->run().is_ok());
    EXPECT_EQ((*s)->output(0).data_as<float>()[0], branch ? 6.0f : 9.0f);
  }
}

TEST(TfliteControlFlow, AVariableNothingAssignsFirstIsRefused) {
  CaseModel m;
  const int x = m.input({2}, kF32);
  const int r = m.temp({2}, kF32);
  m.op(READ_VARIABLE, {handle(m, "v")}, {r});
  m.op(ADD, {r, x}, {m.output({2}, kF32)}, kAddOptions, {{0, 1, 0}});
  expect_refused(m, "reads variable 'v' before anything assigns it");
}

TEST(TfliteControlFlow, AStartValueTheInitSubgraphComputesIsRefused) {
  CaseModel m;
  m.begin_subgraph();
  const int one = m.floats({2}, {1, 2}), sum = m.temp({2}, kF32);
  m.op(ADD, {one, one}, {sum}, kAddOptions, {{0, 1, 0}});
  m.op(ASSIGN_VARIABLE, {handle(m, "v"), sum}, {});
  m.end_subgraph();
  const int x = m.input({2}, kF32);
  m.op(CALL_ONCE, {}, {}, kCallOnceOptions, {{0, 4, 1}});
  const int r = m.temp({2}, kF32);
  m.op(READ_VARIABLE, {handle(m, "v")}, {r});
  m.op(ADD, {r, x}, {m.output({2}, kF32)}, kAddOptions, {{0, 1, 0}});
  expect_refused(m, "only constants are supported as start values");
}

TEST(TfliteControlFlow, VariablesInsideABranchAndRecursionAreRefusedByName) {
  {
    CaseModel m;
    const int c = m.input({}, kBool);
    const int y = m.input({1}, kF32);
    m.op(IF, {c, y}, {m.output({1}, kF32)}, kIfOptions, {{0, 4, 1}, {1, 4, 1}});
    m.begin_subgraph();
    const int p = m.param({1}, kF32);
    m.op(ASSIGN_VARIABLE, {handle(m, "v"), p}, {});
    m.result(p);
    m.end_subgraph();
    expect_refused(m, "resource variables inside a WHILE or IF subgraph are not supported");
  }
  {
    CaseModel m;  // subgraph 1's branch is an IF that calls subgraph 1 again
    const int c = m.input({}, kBool);
    const int y = m.input({1}, kF32);
    m.op(IF, {c, y}, {m.output({1}, kF32)}, kIfOptions, {{0, 4, 1}, {1, 4, 1}});
    m.begin_subgraph();
    const int p = m.param({1}, kF32), r = m.temp({1}, kF32);
    m.op(IF, {m.ints({}, {1}), p}, {r}, kIfOptions, {{0, 4, 1}, {1, 4, 1}});
    m.result(r);
    m.end_subgraph();
    expect_refused(m, "subgraph 1 calls itself (recursion)");
  }
}

// The signature runs subgraph 1, whose IF calls subgraph 0 (x + x) or subgraph 2 (x + 10): the
// main subgraph is the signature's, and subgraph 0 is one more subgraph to call.
CaseModel signature_on_subgraph_1(int32_t then_branch) {
  CaseModel m;
  const int x = m.input({1}, kF32), twice = m.output({1}, kF32);
  m.op(ADD, {x, x}, {twice}, kAddOptions, {{0, 1, 0}});
  m.begin_subgraph();
  const int c = m.param({}, kBool), y = m.param({1}, kF32), r = m.temp({1}, kF32);
  m.op(IF, {c, y}, {r}, kIfOptions, {{0, 4, then_branch}, {1, 4, 2}});
  m.result(r);
  m.end_subgraph();
  m.begin_subgraph();
  const int p = m.param({1}, kF32), q = m.temp({1}, kF32);
  m.op(ADD, {p, m.floats({1}, {10})}, {q}, kAddOptions, {{0, 1, 0}});
  m.result(q);
  m.end_subgraph();
  m.signature({"run", 1, {{"cond", static_cast<uint32_t>(c)}, {"x", static_cast<uint32_t>(y)}},
               {{"y", static_cast<uint32_t>(r)}}});
  return m;
}

TEST(TfliteControlFlow, ASignaturesSubgraphCallsSubgraphZero) {
  auto s = open(signature_on_subgraph_1(0));
  ASSERT_TRUE(s.is_ok()) << s.status().message();
  Session& session = **s;
  ASSERT_EQ(session.num_inputs(), 2u);
  EXPECT_EQ(session.input(0).name, "cond");
  EXPECT_EQ(session.input(1).name, "x");
  EXPECT_EQ(session.output(0).name, "y");
  for (const bool c : {true, false}) {
    session.input(0).data_as<bool>()[0] = c;
    session.input(1).data_as<float>()[0] = 3;
    ASSERT_TRUE(session.run().is_ok());
    EXPECT_EQ(session.output(0).data_as<float>()[0], c ? 6.0f : 13.0f);
  }
}

TEST(TfliteControlFlow, ASignaturesSubgraphCallingItselfIsRecursion) {
  expect_refused(signature_on_subgraph_1(1), "subgraph 1 calls itself (recursion)");
}

TEST(TfliteControlFlow, NestingThatMultipliesImportsIsRefused) {
  // Subgraph k's IF calls subgraph k + 1 as both branches: 2^13 imports of subgraph 13.
  CaseModel m;
  const int c = m.input({}, kBool);
  const int y = m.input({1}, kF32);
  m.op(IF, {c, y}, {m.output({1}, kF32)}, kIfOptions, {{0, 4, 1}, {1, 4, 1}});
  const int depth = 13;
  for (int k = 1; k <= depth; ++k) {
    m.begin_subgraph();
    const int p = m.param({1}, kF32);
    if (k < depth) {
      const int r = m.temp({1}, kF32);
      m.op(IF, {m.ints({}, {1}), p}, {r}, kIfOptions, {{0, 4, k + 1}, {1, 4, k + 1}});
      m.result(r);
    } else {
      m.result(p);
    }
    m.end_subgraph();
  }
  expect_refused(m, "calls subgraphs more than 4096 times in all");
}

}  // namespace
}  // namespace outpost
