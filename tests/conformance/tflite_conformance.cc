// The TFLite conformance suite: single-operator models (tflite_cases.h), checked against TFLite
// itself. It writes every case's model.tflite and input_*.npy under DIR, has TFLite run them
// (tflite_reference.py, with the native interpreter from PyPI in the project's virtual
// environment: its built-in reference kernels give ref_output_*.npy, its default XNNPACK path
// xnnpack_output_*.npy), then runs each case twice in Outpost and classifies it:
//   passed  - `--backend ref` matches TFLite's reference kernels and `auto` matches TFLite's
//             default path, by DESIGN.md's rule: floats within 1e-4 x the largest magnitude of
//             TFLite's output, quantized values at most 1 step apart, other integers and bools
//             exactly;
//   failed  - a wrong answer, or a load error other than kUnsupported;
//   skipped - Outpost reports the case kUnsupported (the table says why), or TFLite refuses
//             the model (a case the suite should not hold; listed).
// Prints one line per failed case and `tflite: N passed, N failed, N skipped` last, writes a
// per-op Markdown table, and exits non-zero when a case failed or when fewer than
// --min-pass-percent (default 95) of the cases passed.
//
//   tflite_conformance DIR REPORT.md --python PYTHON --script tflite_reference.py
//                      [--min-pass-percent N] [--filter TEXT]
// --filter keeps only the cases whose name contains TEXT ("/int16" for one dtype's).
// Exits 77 (ctest's skip) when PYTHON cannot import ai_edge_litert (scripts/setup installs it).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "conformance/tflite_cases.h"
#include "core/npy.h"
#include "outpost/session.h"

namespace fs = std::filesystem;
using namespace outpost;  // NOLINT: a test program

namespace {

enum class Outcome { kPassed, kFailed, kSkipped };

struct CaseResult {
  Outcome outcome = Outcome::kPassed;
  std::string why;
};

struct Args {
  std::string dir, report, python, script, filter;
  double min_pass_percent = 95;
};

bool parse_args(int argc, char** argv, Args& a) {
  std::vector<std::string> positional;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&](std::string& to) {
      if (i + 1 >= argc) return false;
      to = argv[++i];
      return true;
    };
    std::string percent;
    if (arg == "--python") {
      if (!value(a.python)) return false;
    } else if (arg == "--script") {
      if (!value(a.script)) return false;
    } else if (arg == "--filter") {
      if (!value(a.filter)) return false;
    } else if (arg == "--min-pass-percent") {
      if (!value(percent)) return false;
      a.min_pass_percent = std::atof(percent.c_str());
    } else if (arg.rfind("--", 0) == 0) {
      return false;
    } else {
      positional.push_back(arg);
    }
  }
  if (positional.size() != 2 || a.python.empty() || a.script.empty()) return false;
  a.dir = positional[0];
  a.report = positional[1];
  return true;
}

DType dtype_of_tflite(int8_t type) {
  switch (type) {
    case 2: return DType::kInt32;
    case 3: return DType::kUInt8;
    case 4: return DType::kInt64;
    case 6: return DType::kBool;
    case 7: return DType::kInt16;
    case 9: return DType::kInt8;
    case 10: return DType::kFloat64;
    case 15: return DType::kUInt32;
    case 16: return DType::kUInt16;
    default: return DType::kFloat32;
  }
}

// A generated input: uniform in the case's range (whole numbers for integers).
Result<Tensor> make_input(const testing::CaseInput& in, std::mt19937& rng) {
  OUTPOST_ASSIGN_OR_RETURN(Tensor t, Tensor::allocate(dtype_of_tflite(in.type), Shape(in.shape)));
  std::uniform_real_distribution<double> real(in.range.lo, in.range.hi);
  std::uniform_int_distribution<int64_t> whole(static_cast<int64_t>(std::ceil(in.range.lo)),
                                               static_cast<int64_t>(std::floor(in.range.hi)));
  const int64_t n = t.num_elements();
  auto fill = [&](auto* p, bool integral) {
    using T = std::remove_pointer_t<decltype(p)>;
    for (int64_t i = 0; i < n; ++i) p[i] = static_cast<T>(integral ? whole(rng) : real(rng));
  };
  switch (t.dtype()) {
    case DType::kFloat32: fill(t.data_as<float>(), false); break;
    case DType::kInt32: fill(t.data_as<int32_t>(), true); break;
    case DType::kInt64: fill(t.data_as<int64_t>(), true); break;
    case DType::kUInt8: fill(t.data_as<uint8_t>(), true); break;
    case DType::kInt8: fill(t.data_as<int8_t>(), true); break;
    case DType::kInt16: fill(t.data_as<int16_t>(), true); break;
    case DType::kUInt16: fill(static_cast<uint16_t*>(t.data()), true); break;
    case DType::kUInt32: fill(static_cast<uint32_t*>(t.data()), true); break;
    case DType::kFloat64: fill(static_cast<double*>(t.data()), false); break;
    case DType::kBool: {
      std::bernoulli_distribution coin(0.5);
      auto* p = static_cast<bool*>(t.data());
      for (int64_t i = 0; i < n; ++i) p[i] = coin(rng);
      break;
    }
    default: break;
  }
  return t;
}

double element(const Tensor& t, int64_t i) {
  switch (t.dtype()) {
    case DType::kFloat32: return t.data_as<float>()[i];
    case DType::kInt32: return t.data_as<int32_t>()[i];
    case DType::kInt64: return static_cast<double>(t.data_as<int64_t>()[i]);
    case DType::kUInt8: return static_cast<const uint8_t*>(t.data())[i];
    case DType::kInt8: return static_cast<const int8_t*>(t.data())[i];
    case DType::kInt16: return static_cast<const int16_t*>(t.data())[i];
    case DType::kUInt16: return static_cast<const uint16_t*>(t.data())[i];
    case DType::kUInt32: return static_cast<const uint32_t*>(t.data())[i];
    case DType::kFloat64: return static_cast<const double*>(t.data())[i];
    case DType::kBool: return static_cast<const bool*>(t.data())[i] ? 1 : 0;
    default: return NAN;
  }
}

// Empty when `got` matches TFLite's `want` by DESIGN.md's rule, else why not. `quantized`:
// the output has a scale, so one step of difference is allowed.
std::string compare(const Tensor& got, const Tensor& want, bool quantized) {
  if (got.dtype() != want.dtype())
    return std::string("dtype ") + dtype_name(got.dtype()) + ", TFLite gives " + dtype_name(want.dtype());
  if (got.shape() != want.shape())
    return "shape " + got.shape().to_string() + ", TFLite gives " + want.shape().to_string();
  double largest = 0;
  for (int64_t i = 0; i < want.num_elements(); ++i)
    if (std::isfinite(element(want, i))) largest = std::max(largest, std::fabs(element(want, i)));
  const bool is_float = got.dtype() == DType::kFloat32 || got.dtype() == DType::kFloat64;
  const double allowed = is_float ? 1e-4 * largest : quantized ? 1 : 0;
  for (int64_t i = 0; i < got.num_elements(); ++i) {
    const double a = element(got, i), b = element(want, i);
    if (a == b || (std::isnan(a) && std::isnan(b))) continue;
    if (std::fabs(a - b) <= allowed) continue;
    std::ostringstream s;
    s << "element " << i << " is " << a << ", TFLite gives " << b << " (allowed difference "
      << allowed << ")";
    return s.str();
  }
  return "";
}

std::string read_text(const fs::path& p) {
  std::ifstream f(p);
  std::stringstream s;
  s << f.rdbuf();
  std::string text = s.str();
  std::replace(text.begin(), text.end(), '\n', ' ');
  return text.substr(0, 300);
}

// Runs one case on one backend against TFLite's outputs of `label` (ref or xnnpack).
// How many times the case runs before its outputs are compared (invocations.txt; 1 without).
int invocations_of(const fs::path& dir) {
  std::ifstream f(dir / "invocations.txt");
  int n = 1;
  if (f) f >> n;
  return std::max(n, 1);
}

CaseResult run_on(const fs::path& dir, size_t inputs, const std::string& backend,
                  const std::string& label) {
  SessionOptions options;
  options.backend = backend;
  options.threads = 1;
  auto session = Session::open((dir / "model.tflite").string(), options);
  if (!session.is_ok()) {
    const Status& s = session.status();
    return {s.code() == StatusCode::kUnsupported ? Outcome::kSkipped : Outcome::kFailed,
            std::string(status_code_name(s.code())) + ": " + s.message()};
  }
  Session& sess = **session;
  for (size_t i = 0; i < inputs; ++i) {
    auto x = load_npy((dir / ("input_" + std::to_string(i) + ".npy")).string());
    if (!x.is_ok()) return {Outcome::kFailed, x.status().message()};
    const Status st = sess.set_input(i, *x);
    if (!st.is_ok()) return {Outcome::kFailed, st.message()};
  }
  for (int k = 0; k < invocations_of(dir); ++k) {
    const Status st = sess.run();
    if (!st.is_ok()) return {Outcome::kFailed, std::string(status_code_name(st.code())) + ": " + st.message()};
  }
  for (size_t i = 0; i < sess.num_outputs(); ++i) {
    auto want = load_npy((dir / (label + "_output_" + std::to_string(i) + ".npy")).string());
    if (!want.is_ok()) return {Outcome::kFailed, "no TFLite output " + std::to_string(i)};
    const bool quantized = !sess.output(i).quant.empty();
    const std::string diff = compare(sess.output(i), *want, quantized);
    if (!diff.empty())
      return {Outcome::kFailed, backend + ": output " + std::to_string(i) + ": " + diff};
  }
  return {};
}

bool refused(const fs::path& dir, const std::string& label) {
  return fs::exists(dir / (label + "_refused.txt"));
}

// Whether TFLite's two paths give one answer for the case, by the rule compare() applies.
bool tflite_agrees_with_itself(const fs::path& dir) {
  for (size_t i = 0;; ++i) {
    const std::string file = "_output_" + std::to_string(i) + ".npy";
    if (!fs::exists(dir / ("ref" + file))) return true;
    auto a = load_npy((dir / ("ref" + file)).string());
    auto b = load_npy((dir / ("xnnpack" + file)).string());
    if (!a.is_ok() || !b.is_ok() || !compare(*a, *b, is_quantized_integer(a->dtype())).empty())
      return false;
  }
}

// The case on both backends. Where TFLite's reference resolver lacks the op, or TFLite's two
// paths disagree and Outpost's reference backend gives the default path's answer, both backends
// are held to the default path (what TFLite's users run), and `note` says so.
CaseResult run_case(const fs::path& dir, size_t inputs, std::string& note) {
  if (refused(dir, "xnnpack"))
    return {Outcome::kSkipped, "TFLite refuses the model: " + read_text(dir / "xnnpack_refused.txt")};
  std::string ref_label = "ref";
  if (refused(dir, "ref")) {
    ref_label = "xnnpack";
    note = "TFLite's reference resolver lacks the op (" + read_text(dir / "ref_refused.txt") +
           "); both backends are checked against its default path";
  }
  CaseResult ref = run_on(dir, inputs, "ref", ref_label);
  if (ref.outcome == Outcome::kFailed && ref_label == "ref" && !tflite_agrees_with_itself(dir)) {
    CaseResult against_default = run_on(dir, inputs, "ref", "xnnpack");
    if (against_default.outcome == Outcome::kPassed)
      note = "TFLite's reference kernel and its default path disagree (" + ref.why +
             "); Outpost's reference backend gives the default path's answer";
    ref = against_default;
  }
  if (ref.outcome != Outcome::kPassed) return ref;
  return run_on(dir, inputs, "auto", "xnnpack");
}

// Writes the case's model and its inputs, seeded by the case's name.
Status write_case(const testing::TfliteCase& c, const fs::path& dir) {
  fs::create_directories(dir);
  {
    std::ofstream f(dir / "model.tflite", std::ios::binary);
    f.write(reinterpret_cast<const char*>(c.model.data()), static_cast<std::streamsize>(c.model.size()));
    if (!f) return internal_error("cannot write " + (dir / "model.tflite").string());
  }
  if (c.invocations > 1) {
    std::ofstream f(dir / "invocations.txt");
    f << c.invocations << "\n";
    if (!f) return internal_error("cannot write " + (dir / "invocations.txt").string());
  }
  std::seed_seq seed(c.name.begin(), c.name.end());
  std::mt19937 rng(seed);
  for (size_t i = 0; i < c.inputs.size(); ++i) {
    OUTPOST_ASSIGN_OR_RETURN(Tensor x, make_input(c.inputs[i], rng));
    OUTPOST_RETURN_IF_ERROR(save_npy((dir / ("input_" + std::to_string(i) + ".npy")).string(), x));
  }
  return Status::ok();
}

struct Counts {
  int passed = 0, failed = 0, skipped = 0;
  void add(Outcome o) { (o == Outcome::kPassed ? passed : o == Outcome::kFailed ? failed : skipped) += 1; }
  int total() const { return passed + failed + skipped; }
};

void write_report(const Args& args, const std::map<std::string, Counts>& per_op, const Counts& total,
                  const std::vector<std::pair<std::string, CaseResult>>& not_passed,
                  const std::vector<std::pair<std::string, std::string>>& notes) {
  std::ofstream md(args.report);
  md << "# TFLite conformance (single-operator models against TFLite itself)\n\n"
     << "References: ai-edge-litert's built-in reference kernels for `--backend ref`, its default "
        "XNNPACK path for `auto`. Floats within 1e-4 x the largest magnitude of TFLite's output, "
        "quantized values within 1 step, other integers and bools exact.\n\n"
     << total.passed << " passed, " << total.failed << " failed, " << total.skipped
     << " skipped of " << total.total() << ".\n\n| op | passed | failed | skipped |\n|---|---|---|---|\n";
  for (const auto& [op, c] : per_op)
    md << "| " << op << " | " << c.passed << " | " << c.failed << " | " << c.skipped << " |\n";
  md << "\n## Cases not passed\n\n";
  for (const auto& [name, r] : not_passed) {
    std::string why = r.why.substr(0, 400);
    std::replace(why.begin(), why.end(), '\n', ' ');
    std::replace(why.begin(), why.end(), '|', '/');
    md << "- " << (r.outcome == Outcome::kFailed ? "FAILED " : "skipped ") << name << ": " << why << "\n";
  }
  md << "\n## Cases checked against TFLite's default path only\n\n";
  for (const auto& [name, note] : notes) md << "- " << name << ": " << note << "\n";
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  if (!parse_args(argc, argv, args)) {
    std::fprintf(stderr,
                 "usage: tflite_conformance DIR REPORT.md --python PYTHON --script tflite_reference.py "
                 "[--min-pass-percent N] [--filter TEXT]\n");
    return 2;
  }
  const std::string probe = "'" + args.python + "' -c 'import ai_edge_litert.interpreter' 2>/dev/null";
  if (std::system(probe.c_str()) != 0) {
    std::printf("skipping: %s cannot import ai_edge_litert (PyPI's native TFLite); run scripts/setup\n",
                args.python.c_str());
    return 77;
  }
  auto cases = testing::tflite_conformance_cases();
  std::erase_if(cases, [&](const testing::TfliteCase& c) {
    return c.name.find(args.filter) == std::string::npos;
  });
  fs::remove_all(args.dir);
  for (const auto& c : cases) {
    const Status st = write_case(c, fs::path(args.dir) / c.name);
    if (!st.is_ok()) {
      std::fprintf(stderr, "%s: %s\n", c.name.c_str(), st.message().c_str());
      return 1;
    }
  }
  const std::string reference = "'" + args.python + "' '" + args.script + "' '" + args.dir + "'";
  if (std::system(reference.c_str()) != 0) {
    std::fprintf(stderr, "the TFLite reference run failed: %s\n", reference.c_str());
    return 1;
  }
  std::map<std::string, Counts> per_op;
  std::vector<std::pair<std::string, CaseResult>> not_passed;
  std::vector<std::pair<std::string, std::string>> notes;
  Counts total;
  for (const auto& c : cases) {
    std::string note;
    const CaseResult r = run_case(fs::path(args.dir) / c.name, c.inputs.size(), note);
    if (!note.empty() && r.outcome == Outcome::kPassed) notes.emplace_back(c.name, note);
    per_op[c.op].add(r.outcome);
    total.add(r.outcome);
    if (r.outcome == Outcome::kFailed) std::printf("FAILED %s: %s\n", c.name.c_str(), r.why.c_str());
    if (r.outcome != Outcome::kPassed) not_passed.emplace_back(c.name, r);
  }
  write_report(args, per_op, total, not_passed, notes);
  const double percent = total.total() ? 100.0 * total.passed / total.total() : 0;
  std::printf("per-op table: %s; %.1f%% of %d cases passed (at least %.0f%% required)\n",
              args.report.c_str(), percent, total.total(), args.min_pass_percent);
  // The summary stays the last line: the Makefile prints it from every log.
  std::printf("tflite: %d passed, %d failed, %d skipped\n", total.passed, total.failed, total.skipped);
  return total.failed == 0 && percent >= args.min_pass_percent ? 0 : 1;
}
