// The cases of TFLite's control flow and resource variables: models of several subgraphs (IF's
// branches, WHILE's condition and body, CALL_ONCE's init), and variables whose value carries
// from one invocation to the next (the cases invoked more than once compare the last one).
#include "conformance/tflite_case_model.h"

namespace outpost::testing::conformance {
namespace {

enum ControlFlowCode : int32_t {
  IF = 118, WHILE = 119, CALL_ONCE = 129, VAR_HANDLE = 142, READ_VARIABLE = 143, ASSIGN_VARIABLE = 144,
};
enum ControlFlowOptions : uint8_t {
  kIfOptions = 92, kWhileOptions = 93, kCallOnceOptions = 103, kVarHandleOptions = 111,
};

// a + b (or a * b), the arithmetic of a branch or a body, for float32 or int32.
void arithmetic(CaseModel& m, int32_t code, int a, int b, int out) {
  m.op(code, {a, b}, {out}, code == ADD ? kAddOptions : kMulOptions, {{0, 1, 0}});
}

// IF on x > 0 (x a float input whose range picks the branch): then a + b, else a * b.
void if_cases(Cases& out) {
  for (const int8_t type : {kF32, kI32, kU8, kI8})
    for (const bool then : {true, false}) {
      CaseModel m;
      const std::vector<int32_t> shape{2, 3};
      const Quant q = quant_of(type);
      const int c = m.input({}, kF32, {}, then ? InputRange{0.5, 2} : InputRange{-2, -0.5});
      const int a = m.input(shape, type, q), b = m.input(shape, type, q);
      const int cond = m.temp({}, kBool);
      m.op(GREATER, {c, m.floats({}, {0})}, {cond});
      m.op(IF, {cond, a, b}, {m.output(shape, type, q)}, kIfOptions, {{0, 4, 1}, {1, 4, 2}});
      // Quantized branches keep one scale and zero point: the larger and the smaller.
      const bool quantized = q.scale != 0;
      for (const int32_t code : {quantized ? MAXIMUM : ADD, quantized ? MINIMUM : MUL}) {
        m.begin_subgraph();
        const int x = m.param(shape, type, q), y = m.param(shape, type, q);
        const int r = m.temp(shape, type, q);
        if (quantized) m.op(code, {x, y}, {r});
        else arithmetic(m, code, x, y, r);
        m.result(r);
        m.end_subgraph();
      }
      out.push_back(m.done("IF", then ? "then_branch" : "else_branch", type));
    }
}

// WHILE i < n: i += 1, x = x + x (or x * 1.5); n passes through. n is an input (the trip count
// known at run time only) or a constant (the loop unrolled at load).
void while_cases(Cases& out) {
  for (const int8_t type : {kF32, kI32})
    for (const bool n_is_input : {true, false}) {
      CaseModel m;
      const std::vector<int32_t> shape{3};
      const int n = n_is_input ? m.input({}, kI32, {}, {0, 6}) : m.ints({}, {4});
      const int x = m.input(shape, type, {}, {-3, 3});
      const int i0 = m.ints({}, {0});
      const int i_out = m.temp({}, kI32), n_out = m.temp({}, kI32);
      const int x_out = m.output(shape, type);
      m.op(WHILE, {i0, n, x}, {i_out, n_out, x_out}, kWhileOptions, {{0, 4, 1}, {1, 4, 2}});
      m.begin_subgraph();  // 1: the condition
      {
        const int i = m.param({}, kI32), k = m.param({}, kI32);
        m.param(shape, type);
        const int c = m.temp({}, kBool);
        m.op(LESS, {i, k}, {c});
        m.result(c);
      }
      m.end_subgraph();
      m.begin_subgraph();  // 2: the body
      {
        const int i = m.param({}, kI32), k = m.param({}, kI32), v = m.param(shape, type);
        const int i1 = m.temp({}, kI32), v1 = m.temp(shape, type);
        arithmetic(m, ADD, i, m.ints({}, {1}), i1);
        if (type == kF32) arithmetic(m, MUL, v, m.floats({1}, {1.5f}), v1);
        else arithmetic(m, ADD, v, v, v1);
        m.result(i1);
        m.result(k);
        m.result(v1);
      }
      m.end_subgraph();
      out.push_back(m.done("WHILE", n_is_input ? "trip_count_from_input" : "constant_trip_count", type));
    }
}

// WHILE i < n: x = IF(i < 2, x) (then subgraph 3: x + x, else subgraph 4: x * 1.5), i += 1:
// an IF nested in a loop body, each iteration its own copy.
void nested_cases(Cases& out) {
  CaseModel m;
  const std::vector<int32_t> shape{3};
  const int n = m.input({}, kI32, {}, {3, 5});
  const int x = m.input(shape, kF32);
  const int i_out = m.temp({}, kI32), n_out = m.temp({}, kI32);
  m.op(WHILE, {m.ints({}, {0}), n, x}, {i_out, n_out, m.output(shape, kF32)}, kWhileOptions, {{0, 4, 1}, {1, 4, 2}});
  m.begin_subgraph();  // 1: the condition
  {
    const int i = m.param({}, kI32), k = m.param({}, kI32);
    m.param(shape, kF32);
    const int c = m.temp({}, kBool);
    m.op(LESS, {i, k}, {c});
    m.result(c);
  }
  m.end_subgraph();
  m.begin_subgraph();  // 2: the body
  {
    const int i = m.param({}, kI32), k = m.param({}, kI32), v = m.param(shape, kF32);
    const int early = m.temp({}, kBool), v1 = m.temp(shape, kF32), i1 = m.temp({}, kI32);
    m.op(LESS, {i, m.ints({}, {2})}, {early});
    m.op(IF, {early, v}, {v1}, kIfOptions, {{0, 4, 3}, {1, 4, 4}});
    arithmetic(m, ADD, i, m.ints({}, {1}), i1);
    m.result(i1);
    m.result(k);
    m.result(v1);
  }
  m.end_subgraph();
  for (const bool then : {true, false}) {
    m.begin_subgraph();  // 3 and 4: the branches
    const int v = m.param(shape, kF32), r = m.temp(shape, kF32);
    if (then) arithmetic(m, ADD, v, v, r);
    else arithmetic(m, MUL, v, m.floats({1}, {1.5f}), r);
    m.result(r);
    m.end_subgraph();
  }
  out.push_back(m.done("WHILE", "if_in_body", kF32));
}

// VAR_HANDLE of `name` in the current subgraph: the resource tensor.
int handle(CaseModel& m, const std::string& name) {
  const int h = m.temp({}, kResource);
  m.op(VAR_HANDLE, {}, {h}, kVarHandleOptions);
  m.strings({{1, name}});
  return h;
}

// Subgraph 1, CALL_ONCE's init: assigns each variable its start value (a constant it makes).
template <typename MakeStart>
void init_subgraph(CaseModel& m, const std::vector<std::string>& names, MakeStart start) {
  m.begin_subgraph();
  for (size_t k = 0; k < names.size(); ++k) m.op(ASSIGN_VARIABLE, {handle(m, names[k]), start(k)}, {});
  m.end_subgraph();
}

// Variables that carry from one invocation to the next, started by CALL_ONCE.
void variable_cases(Cases& out) {
  const std::vector<int32_t> shape{2, 3};
  {  // acc += x each invocation: start + 3x after three.
    CaseModel m;
    init_subgraph(m, {"acc"}, [&](size_t) { return m.floats(shape, {1, -2, 3, 0.5f, 0, -1}); });
    const int x = m.input(shape, kF32);
    m.op(CALL_ONCE, {}, {}, kCallOnceOptions, {{0, 4, 1}});
    const int h = handle(m, "acc");
    const int r = m.temp(shape, kF32), s = m.output(shape, kF32);
    m.op(READ_VARIABLE, {h}, {r});
    arithmetic(m, ADD, r, x, s);
    m.op(ASSIGN_VARIABLE, {h, s}, {});
    out.push_back(m.done("CALL_ONCE", "accumulate_over_3_invocations", kF32));
    out.back().invocations = 3;
  }
  {  // read, never assigned: the start value in every invocation.
    CaseModel m;
    init_subgraph(m, {"scale"}, [&](size_t) { return m.floats(shape, {2, 0.5f, -1, 3, 1, 0.25f}); });
    const int x = m.input(shape, kF32);
    m.op(CALL_ONCE, {}, {}, kCallOnceOptions, {{0, 4, 1}});
    const int r = m.temp(shape, kF32);
    m.op(READ_VARIABLE, {handle(m, "scale")}, {r});
    arithmetic(m, MUL, r, x, m.output(shape, kF32));
    out.push_back(m.done("READ_VARIABLE", "read_only_over_2_invocations", kF32));
    out.back().invocations = 2;
  }
  {  // a counter (read, add one, assign) and a variable assigned before it is read.
    CaseModel m;
    init_subgraph(m, {"count"}, [&](size_t) { return m.ints({}, {0}); });
    const int x = m.input(shape, kI32);
    m.op(CALL_ONCE, {}, {}, kCallOnceOptions, {{0, 4, 1}});
    const int count = handle(m, "count");
    const int c = m.temp({}, kI32), c1 = m.output({}, kI32);
    m.op(READ_VARIABLE, {count}, {c});
    arithmetic(m, ADD, c, m.ints({}, {1}), c1);
    m.op(ASSIGN_VARIABLE, {count, c1}, {});
    const int last = handle(m, "last");
    m.op(ASSIGN_VARIABLE, {last, x}, {});
    const int r = m.temp(shape, kI32);
    m.op(READ_VARIABLE, {last}, {r});
    arithmetic(m, MUL, r, c1, m.output(shape, kI32));
    out.push_back(m.done("ASSIGN_VARIABLE", "counter_and_assign_then_read_over_3_invocations", kI32));
    out.back().invocations = 3;
  }
  for (const int8_t type : {kU8, kI8}) {  // a quantized running maximum: m = max(m, x)
    CaseModel m;
    const Quant q = quant_of(type);
    init_subgraph(m, {"max"}, [&](size_t) {
      return m.raw(shape, type, q, type == kU8 ? std::vector<uint8_t>{0, 128, 200, 255, 30, 140}
                                               : std::vector<uint8_t>{0x80, 0, 100, 0x7f, 0xf0, 12});
    });
    const int x = m.input(shape, type, q);
    m.op(CALL_ONCE, {}, {}, kCallOnceOptions, {{0, 4, 1}});
    const int h = handle(m, "max");
    const int r = m.temp(shape, type, q), s = m.output(shape, type, q);
    m.op(READ_VARIABLE, {h}, {r});
    m.op(MAXIMUM, {r, x}, {s});
    m.op(ASSIGN_VARIABLE, {h, s}, {});
    out.push_back(m.done("ASSIGN_VARIABLE", "running_maximum_over_2_invocations", type));
    out.back().invocations = 2;
  }
  {  // two variables that swap: a <- b + x, b <- a, each invocation.
    CaseModel m;
    init_subgraph(m, {"a", "b"}, [&](size_t k) {
      return m.floats(shape, k == 0 ? std::vector<float>{1, 2, 3, 4, 5, 6} : std::vector<float>{-1, 0, 1, 0, -1, 2});
    });
    const int x = m.input(shape, kF32);
    m.op(CALL_ONCE, {}, {}, kCallOnceOptions, {{0, 4, 1}});
    const int a = handle(m, "a"), b = handle(m, "b");
    const int ra = m.temp(shape, kF32), rb = m.temp(shape, kF32), sum = m.temp(shape, kF32);
    m.op(READ_VARIABLE, {a}, {ra});
    m.op(READ_VARIABLE, {b}, {rb});
    arithmetic(m, ADD, rb, x, sum);
    m.op(ASSIGN_VARIABLE, {a, sum}, {});
    m.op(ASSIGN_VARIABLE, {b, ra}, {});
    const int y = m.output(shape, kF32);
    arithmetic(m, MUL, ra, rb, y);
    out.push_back(m.done("VAR_HANDLE", "two_variables_swapped_over_3_invocations", kF32));
    out.back().invocations = 3;
  }
}

}  // namespace

void control_flow_cases(Cases& out) {
  if_cases(out);
  while_cases(out);
  nested_cases(out);
  variable_cases(out);
}

}  // namespace outpost::testing::conformance
