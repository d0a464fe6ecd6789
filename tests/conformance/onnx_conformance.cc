// The ONNX backend conformance suite (Debian's libonnx-testdata): loads every case's model.onnx
// through Session::open, feeds test_data_set_*/input_*.pb, compares output_*.pb with the suite's
// tolerances (|a - b| <= atol + rtol * |b|, rtol 1e-3, atol 1e-7; NaN equals NaN) and classifies
// each case:
//   passed  - every data set matches;
//   failed  - an op we claim (the model loads) gives a wrong answer, or loading fails with an
//             error other than kUnsupported, or a kUnsupported message that names no op/opset;
//   skipped - loading fails with kUnsupported naming the op (or the opset) we do not claim, or
//             a run does, where the data decides (training-mode Dropout with a non-zero ratio
//             fed as an input: random draws Outpost cannot reproduce), or the case is one of
//             kContradictingData below: its reference data was not made by what its model says.
// Prints one line per failed case, `N passed, N failed, N skipped` as the last line, and writes a
// per-op Markdown table. Exits non-zero if any case failed (or, below, a listed case regressed).
//
// A skipped case fails nothing by itself, so a case that used to pass and now is skipped (a
// kernel registration lost, an importer that stopped taking an attribute) would go unnoticed.
// With --passing LIST the run also compares its passing cases with LIST, the committed cases
// that passed before (tests/conformance/onnx_passing.txt, one "folder/test_name" per line,
// sorted, '#' comments): a listed case that now fails or is skipped fails the run, named
// as REGRESSED; a case that passes but is not listed is reported as NEW PASS, to be added to the
// list, and fails nothing. --write-passing LIST writes this run's passing cases as such a list
// (with its header): how the list is made and regenerated after a change that passes more.
//
//   onnx_conformance [report.md [auto|xnnpack|onednn|ref]] [--passing LIST] [--write-passing LIST]
//   (defaults conformance-onnx.md, auto); OUTPOST_ONNX_TESTDATA overrides the data folder
//   (/usr/include/onnx/backend/test/data). Exits 77 (ctest's skip) when that folder is absent.
#include <onnx/onnx_pb.h>
// after onnx_pb.h, which defines the ONNX_API it uses
#include <onnx/onnx-data_pb.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "core/bfloat16.h"
#include "core/float16.h"
#include "formats/onnx/onnx_tensor.h"
#include "outpost/session.h"

namespace fs = std::filesystem;
using namespace outpost;  // NOLINT: a test program

namespace {

constexpr double kRtol = 1e-3, kAtol = 1e-7;

enum class Outcome { kPassed, kFailed, kSkipped };

struct CaseResult {
  Outcome outcome = Outcome::kPassed;
  std::string why;
  std::vector<std::string> ops;  // the ops the result is counted under
};

std::string read_file(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

Result<Tensor> read_tensor(const fs::path& p) {
  const std::string bytes = read_file(p);
  onnx::TensorProto t;
  if (!t.ParseFromString(bytes)) return invalid_model(p.string() + ": not a TensorProto");
  return onnx_tensor_to_tensor(t, p.string());
}

double element(const Tensor& t, int64_t i) {
  const void* d = t.data();
  switch (t.dtype()) {
    case DType::kFloat32:
      return static_cast<const float*>(d)[i];
    case DType::kFloat64:
      return static_cast<const double*>(d)[i];
    case DType::kFloat16:
      return half_to_float(static_cast<const uint16_t*>(d)[i]);
    case DType::kBFloat16:
      return bfloat16_to_float(static_cast<const uint16_t*>(d)[i]);
    case DType::kInt8:
      return static_cast<const int8_t*>(d)[i];
    case DType::kInt16:
      return static_cast<const int16_t*>(d)[i];
    case DType::kInt32:
      return static_cast<const int32_t*>(d)[i];
    case DType::kInt64:
      return static_cast<double>(static_cast<const int64_t*>(d)[i]);
    case DType::kUInt8:
      return static_cast<const uint8_t*>(d)[i];
    case DType::kUInt16:
      return static_cast<const uint16_t*>(d)[i];
    case DType::kUInt32:
      return static_cast<const uint32_t*>(d)[i];
    case DType::kUInt64:
      return static_cast<double>(static_cast<const uint64_t*>(d)[i]);
    case DType::kBool:
      return static_cast<const bool*>(d)[i] ? 1 : 0;
  }
  return 0;
}

// Empty when `got` matches `want`, else why not.
std::string compare(const Tensor& got, const Tensor& want) {
  if (got.dtype() != want.dtype())
    return std::string("dtype ") + dtype_name(got.dtype()) + ", expected " +
           dtype_name(want.dtype());
  if (got.shape() != want.shape() && got.num_elements() != want.num_elements())
    return "shape " + got.shape().to_string() + ", expected " + want.shape().to_string();
  if (got.shape() != want.shape() && !(got.shape().rank() == 0 || want.shape().rank() == 0))
    return "shape " + got.shape().to_string() + ", expected " + want.shape().to_string();
  const bool exact = got.dtype() != DType::kFloat32 && got.dtype() != DType::kFloat64 &&
                     got.dtype() != DType::kFloat16 && got.dtype() != DType::kBFloat16;
  if (exact && (got.dtype() == DType::kInt64 || got.dtype() == DType::kUInt64)) {
    if (got.byte_size() && std::memcmp(got.data(), want.data(), got.byte_size()) != 0)
      return "integer values differ";
    return "";
  }
  for (int64_t i = 0; i < got.num_elements(); ++i) {
    const double a = element(got, i), b = element(want, i);
    if (std::isnan(a) && std::isnan(b)) continue;
    const bool ok = exact ? a == b : (a == b || std::fabs(a - b) <= kAtol + kRtol * std::fabs(b));
    if (!ok) {
      std::ostringstream s;
      s << "element " << i << " is " << a << ", expected " << b;
      return s.str();
    }
  }
  return "";
}

std::vector<std::string> model_ops(const fs::path& model) {
  onnx::ModelProto m;
  std::set<std::string> ops;
  if (m.ParseFromString(read_file(model)))
    for (const auto& n : m.graph().node()) ops.insert(n.op_type());
  return {ops.begin(), ops.end()};
}

// The op a kUnsupported load message names ("op 'X' (domain ..., opset N)"), or "" if none.
std::string named_op(const std::string& message) {
  const std::string key = "op '";
  const size_t at = message.find(key);
  if (at == std::string::npos) return message.find("opset") != std::string::npos ? "(opset)" : "";
  const size_t end = message.find('\'', at + key.size());
  if (end == std::string::npos || message.find("opset", end) == std::string::npos) return "";
  return message.substr(at + key.size(), end - at - key.size());
}

std::vector<fs::path> sorted_entries(const fs::path& dir, const std::string& prefix) {
  std::vector<fs::path> r;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().filename().string().rfind(prefix, 0) == 0) r.push_back(e.path());
  std::sort(r.begin(), r.end(), [](const fs::path& a, const fs::path& b) {
    const std::string x = a.filename().string(), y = b.filename().string();
    return x.size() != y.size() ? x.size() < y.size() : x < y;  // input_2 before input_10
  });
  return r;
}

// A case whose load or run failed: skipped when the error is kUnsupported naming the op, else
// failed.
CaseResult refused_or_failed(const Status& s, std::vector<std::string> ops) {
  CaseResult r;
  r.ops = std::move(ops);
  const std::string op = named_op(s.message());
  if (s.code() == StatusCode::kUnsupported && !op.empty()) {
    r.outcome = Outcome::kSkipped;
    r.ops = {op};
  } else {
    r.outcome = Outcome::kFailed;
  }
  r.why = std::string(status_code_name(s.code())) + ": " + s.message();
  return r;
}

// Cases whose expected outputs contradict their own model (checked by recomputing them with
// ONNX's definition, and against ONNX Runtime): not run, and counted as skipped with the reason,
// under the op whose data is wrong. Neither a pass nor a failure of ours.
struct ContradictingData {
  const char* name;  // "folder/test_name"
  const char* op;
  const char* why;
};
constexpr ContradictingData kContradictingData[] = {
    {"node/test_adam_multiple", "Adam",
     "the expected outputs were made with epsilon 1e-2, but the model's Adam has no epsilon "
     "attribute, so its epsilon is the default 1e-6 (ONNX 1.12's adam.py passes 1e-2 to its "
     "reference and not to the node); with 1e-6 X1_new is 0.75596, the data says 0.75914"},
    {"node/test_cast_FLOAT_to_BFLOAT16", "Cast",
     "the expected bfloat16 values are the float32 inputs truncated (ONNX 1.12's cast.py keeps "
     "the upper 16 bits), where Cast rounds to nearest even (ONNX Runtime 1.30 does too: "
     "0x3ef5eeb0 -> 0x3ef6, the data says 0x3ef5)"},
    {"node/test_castlike_FLOAT_to_BFLOAT16", "CastLike",
     "as node/test_cast_FLOAT_to_BFLOAT16: truncated, not rounded to nearest even"},
    {"node/test_castlike_FLOAT_to_BFLOAT16_expanded", "Cast",
     "as node/test_cast_FLOAT_to_BFLOAT16: truncated, not rounded to nearest even"},
    {"node/test_castlike_BFLOAT16_to_FLOAT", "CastLike",
     "its data feeds input 'like' a tensor of shape [1], where the model declares [3, 4]"},
    {"node/test_castlike_BFLOAT16_to_FLOAT_expanded", "CastLike",
     "its data feeds input 'like' a tensor of shape [1], where the model declares [3, 4]"},
};

// One reference value of a sequence- or optional-typed graph input or output, read as the
// model declares its type: the tensors a session has for it ("NAME" for a tensor, "NAME[k]" for
// a sequence's elements), and whether it is a sequence or an empty optional.
struct CompositeData {
  bool sequence = false, absent = false;
  std::vector<std::pair<std::string, Tensor>> tensors;
};

bool is_composite(const onnx::TypeProto& type) {
  return type.has_sequence_type() || type.has_optional_type();
}

Result<CompositeData> read_composite(const fs::path& p, const onnx::TypeProto& type,
                                     const std::string& name) {
  const std::string bytes = read_file(p);
  CompositeData d;
  const onnx::SequenceProto* seq = nullptr;
  const onnx::TensorProto* tensor = nullptr;
  onnx::TensorProto t;
  onnx::SequenceProto s;
  onnx::OptionalProto o;
  if (type.has_tensor_type()) {
    if (!t.ParseFromString(bytes)) return invalid_model(p.string() + ": not a TensorProto");
    tensor = &t;
  } else if (type.has_sequence_type()) {
    if (!s.ParseFromString(bytes)) return invalid_model(p.string() + ": not a SequenceProto");
    seq = &s;
  } else {
    if (!o.ParseFromString(bytes)) return invalid_model(p.string() + ": not an OptionalProto");
    if (o.has_tensor_value()) tensor = &o.tensor_value();
    if (o.has_sequence_value()) seq = &o.sequence_value();
    d.absent = tensor == nullptr && seq == nullptr;
  }
  if (tensor != nullptr) {
    auto value = onnx_tensor_to_tensor(*tensor, p.string());
    if (!value.is_ok()) return value.status();
    d.tensors.emplace_back(name, *value);
  }
  if (seq != nullptr) {
    d.sequence = true;
    for (int k = 0; k < seq->tensor_values_size(); ++k) {
      auto value = onnx_tensor_to_tensor(seq->tensor_values(k), p.string());
      if (!value.is_ok()) return value.status();
      d.tensors.emplace_back(name + "[" + std::to_string(k) + "]", *value);
    }
  }
  return d;
}

// A case whose graph has sequence or optional inputs or outputs: each data set binds the
// sequences' lengths, the optionals' absence and the elements' shapes from its data, so it opens
// its own session; the outputs are compared by name, a sequence's length and an empty optional
// against what the session says it made of them.
CaseResult run_composite_case(const fs::path& dir, const onnx::GraphProto& g,
                              const SessionOptions& base, const std::vector<std::string>& ops) {
  std::set<std::string> initializers;
  for (const auto& t : g.initializer()) initializers.insert(t.name());
  std::vector<const onnx::ValueInfoProto*> declared;
  for (const auto& info : g.input())
    if (!initializers.count(info.name())) declared.push_back(&info);
  for (const fs::path& set : sorted_entries(dir, "test_data_set_")) {
    SessionOptions options = base;
    std::vector<std::pair<std::string, Tensor>> feeds;
    const auto inputs = sorted_entries(set, "input_");
    if (inputs.size() > declared.size())
      return {Outcome::kFailed, std::to_string(inputs.size()) + " input files, the model has " +
                                    std::to_string(declared.size()) + " inputs", ops};
    for (size_t i = 0; i < inputs.size(); ++i) {
      const std::string& name = declared[i]->name();
      auto data = read_composite(inputs[i], declared[i]->type(), name);
      if (!data.is_ok()) return {Outcome::kFailed, data.status().message(), ops};
      if (data->absent) options.absent_inputs.insert(name);
      if (data->sequence) {
        options.sequence_lengths[name] = static_cast<int>(data->tensors.size());
        for (const auto& [element, t] : data->tensors) options.input_shapes[element] = t.shape();
      }
      for (auto& feed : data->tensors) feeds.push_back(std::move(feed));
    }
    auto session = Session::open((dir / "model.onnx").string(), options);
    if (!session.is_ok()) return refused_or_failed(session.status(), ops);
    Session& sess = **session;
    for (const auto& [name, t] : feeds) {
      const int index = sess.input_index(name);
      if (index < 0) return {Outcome::kFailed, "the session has no input '" + name + "'", ops};
      const Status st = sess.set_input(static_cast<size_t>(index), t);
      if (!st.is_ok()) return {Outcome::kFailed, st.message(), ops};
    }
    const Status st = sess.run();
    if (!st.is_ok()) return refused_or_failed(st, ops);
    const auto outputs = sorted_entries(set, "output_");
    size_t expected = 0;
    for (size_t j = 0; j < outputs.size() && j < static_cast<size_t>(g.output_size()); ++j) {
      const std::string& name = g.output(static_cast<int>(j)).name();
      auto want = read_composite(outputs[j], g.output(static_cast<int>(j)).type(), name);
      if (!want.is_ok()) return {Outcome::kFailed, want.status().message(), ops};
      const std::string what = set.filename().string() + " output '" + name + "'";
      if (want->absent) {
        bool absent = false;
        for (const CompositeValue& c : sess.stats().composite_outputs)
          absent = absent || (c.name == name && c.absent);
        if (!absent) return {Outcome::kFailed, what + " is an empty optional, the session's is not", ops};
      }
      if (want->sequence && sess.sequence_output_length(name) != static_cast<int>(want->tensors.size()))
        return {Outcome::kFailed,
                what + ": a sequence of " + std::to_string(sess.sequence_output_length(name)) +
                    " tensors, expected " + std::to_string(want->tensors.size()),
                ops};
      for (const auto& [element, t] : want->tensors) {
        ++expected;
        const int index = sess.output_index(element);
        if (index < 0) return {Outcome::kFailed, what + ": the session has no output '" + element + "'", ops};
        const std::string diff = compare(sess.output(static_cast<size_t>(index)), t);
        if (!diff.empty()) return {Outcome::kFailed, what + " ('" + element + "'): " + diff, ops};
      }
    }
    if (outputs.size() != static_cast<size_t>(g.output_size()) || expected != sess.num_outputs())
      return {Outcome::kFailed,
              std::to_string(expected) + " reference output tensors, the session has " +
                  std::to_string(sess.num_outputs()),
              ops};
  }
  return {Outcome::kPassed, "", ops};
}

CaseResult run_case(const fs::path& dir, const SessionOptions& options) {
  CaseResult r;
  const std::string name = dir.parent_path().filename().string() + "/" + dir.filename().string();
  for (const ContradictingData& c : kContradictingData)
    if (name == c.name)
      return {Outcome::kSkipped, std::string("reference data contradicts the model: ") + c.why,
              {c.op}};
  const fs::path model = dir / "model.onnx";
  r.ops = model_ops(model);
  onnx::ModelProto proto;
  if (proto.ParseFromString(read_file(model))) {
    bool composite = false;
    for (const auto& info : proto.graph().input()) composite = composite || is_composite(info.type());
    for (const auto& info : proto.graph().output()) composite = composite || is_composite(info.type());
    if (composite) return run_composite_case(dir, proto.graph(), options, r.ops);
  }
  auto session = Session::open(model.string(), options);
  if (!session.is_ok()) return refused_or_failed(session.status(), r.ops);
  Session& sess = **session;
  for (const fs::path& set : sorted_entries(dir, "test_data_set_")) {
    const auto inputs = sorted_entries(set, "input_");
    for (size_t i = 0; i < inputs.size(); ++i) {
      auto t = read_tensor(inputs[i]);
      if (!t.is_ok()) return {Outcome::kFailed, t.status().message(), r.ops};
      int index = t->name.empty() ? -1 : sess.input_index(t->name);
      if (index < 0) index = static_cast<int>(i);
      if (static_cast<size_t>(index) >= sess.num_inputs())
        return {Outcome::kFailed, inputs[i].filename().string() + " has no matching model input",
                r.ops};
      // ONNX 1.12 writes the data of a bfloat16 input as a UINT16 TensorProto (numpy has no
      // bfloat16): the same 16-bit patterns, read as the dtype the model declares.
      const bool bfloat16_bits = sess.input(static_cast<size_t>(index)).dtype() == DType::kBFloat16 &&
                                 t->dtype() == DType::kUInt16;
      Status st = sess.set_input(static_cast<size_t>(index),
                                 bfloat16_bits ? Tensor::view(DType::kBFloat16, t->shape(), t->data())
                                               : *t);
      if (!st.is_ok()) return {Outcome::kFailed, st.message(), r.ops};
    }
    Status st = sess.run();
    if (!st.is_ok()) return refused_or_failed(st, r.ops);
    const auto outputs = sorted_entries(set, "output_");
    if (outputs.size() != sess.num_outputs())
      return {Outcome::kFailed,
              std::to_string(outputs.size()) + " reference outputs, the session has " +
                  std::to_string(sess.num_outputs()),
              r.ops};
    for (size_t i = 0; i < outputs.size(); ++i) {
      auto want = read_tensor(outputs[i]);
      if (!want.is_ok()) return {Outcome::kFailed, want.status().message(), r.ops};
      const std::string diff = compare(sess.output(i), *want);
      if (!diff.empty())
        return {Outcome::kFailed,
                set.filename().string() + " output " + std::to_string(i) + " ('" +
                    sess.output(i).name + "'): " + diff,
                r.ops};
    }
  }
  return r;
}

struct Counts {
  int passed = 0, failed = 0, skipped = 0;
  void add(Outcome o) {
    (o == Outcome::kPassed ? passed : o == Outcome::kFailed ? failed : skipped) += 1;
  }
};

// The command line: two positional arguments (report, backend) and the passing-list flags.
struct Options {
  std::string report = "conformance-onnx.md";
  std::string backend = "auto";
  std::string passing;        // --passing: the list to compare with
  std::string write_passing;  // --write-passing: where to write this run's list
};

bool parse_options(int argc, char** argv, Options& o) {
  int positional = 0;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--passing" || arg == "--write-passing") {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "%s needs a file name\n", arg.c_str());
        return false;
      }
      (arg == "--passing" ? o.passing : o.write_passing) = argv[++i];
    } else if (arg.rfind("--", 0) == 0 || positional == 2) {
      std::fprintf(stderr,
                   "usage: onnx_conformance [report.md [auto|xnnpack|onednn|ref]] "
                   "[--passing LIST] [--write-passing LIST]\n");
      return false;
    } else {
      (positional++ == 0 ? o.report : o.backend) = arg;
    }
  }
  return true;
}

// The case names of a passing list, in file order; false (with `error` set) when the file
// cannot be read or is not sorted and unique, which would make its diffs unreadable.
bool read_passing_list(const std::string& path, std::vector<std::string>& names,
                       std::string& error) {
  std::ifstream f(path);
  if (!f) {
    error = "cannot read " + path;
    return false;
  }
  std::string line;
  for (int number = 1; std::getline(f, line); ++number) {
    while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back()))) line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    if (!names.empty() && line <= names.back()) {
      error = path + ":" + std::to_string(number) + ": '" + line +
              "' is out of order or repeated (the list is sorted; regenerate it with "
              "--write-passing)";
      return false;
    }
    names.push_back(line);
  }
  return true;
}

bool write_passing_list(const std::string& path, const std::string& backend,
                        const std::vector<std::string>& passed) {
  std::ofstream f(path);
  f << "# ONNX backend conformance cases (Debian's libonnx-testdata) that pass, one a line,\n"
       "# sorted. onnx_conformance --passing fails when a case listed here fails or is skipped,\n"
       "# and reports a passing case that is not listed as a new pass (tests/CMakeLists.txt).\n"
       "# Written from backend '"
    << backend << "' by (rerun it after a change that passes more cases):\n"
    << "#   build-test/tests/onnx_conformance build-test/conformance-onnx.md " << backend
    << " --write-passing " << path << "\n";
  for (const std::string& name : passed) f << name << "\n";
  return static_cast<bool>(f);
}

}  // namespace

int main(int argc, char** argv) {
  Options opts;
  if (!parse_options(argc, argv, opts)) return 2;
  std::vector<std::string> listed;
  if (!opts.passing.empty()) {
    std::string error;
    if (!read_passing_list(opts.passing, listed, error)) {
      std::fprintf(stderr, "%s\n", error.c_str());
      return 2;
    }
  }
  const std::string& report = opts.report;
  // The backend under test (auto: the fast backends where they take a node; ref: the
  // reference kernels alone).
  SessionOptions options;
  options.backend = opts.backend;
  options.threads = 1;
  const char* env = std::getenv("OUTPOST_ONNX_TESTDATA");
  const fs::path root = env ? env : "/usr/include/onnx/backend/test/data";
  const auto start = std::chrono::steady_clock::now();
  std::map<std::string, Counts> per_folder, per_op;
  std::vector<std::pair<std::string, CaseResult>> not_passed;
  std::vector<std::string> passed;  // sorted: folders and cases are visited in order
  Counts total;
  int folders = 0;
  for (const std::string folder : {"node", "pytorch-converted", "pytorch-operator", "simple"}) {
    if (!fs::is_directory(root / folder)) {
      std::printf("skipping %s: %s is missing (install Debian's libonnx-testdata)\n",
                  folder.c_str(), (root / folder).c_str());
      continue;
    }
    ++folders;
    for (const fs::path& dir : sorted_entries(root / folder, "test_")) {
      if (!fs::exists(dir / "model.onnx")) continue;
      const CaseResult r = run_case(dir, options);
      const std::string name = folder + "/" + dir.filename().string();
      per_folder[folder].add(r.outcome);
      total.add(r.outcome);
      for (const auto& op : r.ops) per_op[op].add(r.outcome);
      if (r.outcome == Outcome::kFailed)
        std::printf("FAILED %s: %s\n", name.c_str(), r.why.c_str());
      if (r.outcome != Outcome::kPassed) not_passed.emplace_back(name, r);
      if (r.outcome == Outcome::kPassed) passed.push_back(name);
    }
  }
  if (folders == 0) {
    std::printf("no ONNX conformance data under %s: nothing run\n", root.c_str());
    return 77;
  }
  // sorted_entries orders input_2 before input_10; the list is in plain byte order.
  std::sort(passed.begin(), passed.end());
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::ofstream md(report);
  md << "# ONNX backend conformance (libonnx-testdata)\n\n";
  md << "rtol " << kRtol << ", atol " << kAtol << "; " << seconds
     << " s.\n\n| folder | passed | failed | skipped |\n|---|---|---|---|\n";
  for (const auto& [f, c] : per_folder)
    md << "| " << f << " | " << c.passed << " | " << c.failed << " | " << c.skipped << " |\n";
  md << "\nPer op (a passed or failed case counts under every op of its model; a skipped case "
        "under the op "
        "its load error names):\n\n| op | passed | failed | skipped |\n|---|---|---|---|\n";
  for (const auto& [op, c] : per_op)
    md << "| " << op << " | " << c.passed << " | " << c.failed << " | " << c.skipped << " |\n";
  md << "\n## Cases not passed\n\n";
  for (const auto& [name, r] : not_passed) {
    std::string why = r.why.substr(0, 300);
    std::replace(why.begin(), why.end(), '\n', ' ');
    std::replace(why.begin(), why.end(), '|', '/');
    md << "- " << (r.outcome == Outcome::kFailed ? "FAILED " : "skipped ") << name << ": " << why
       << "\n";
  }
  for (const auto& [f, c] : per_folder)
    std::printf("%s: %d passed, %d failed, %d skipped\n", f.c_str(), c.passed, c.failed, c.skipped);
  std::printf("per-op table: %s (%.1f s)\n", report.c_str(), seconds);

  int regressed = 0, new_passes = 0;
  if (!opts.passing.empty()) {
    std::map<std::string, const CaseResult*> why_not;
    for (const auto& [name, r] : not_passed) why_not[name] = &r;
    for (const std::string& name : listed) {
      if (std::binary_search(passed.begin(), passed.end(), name)) continue;
      ++regressed;
      const auto it = why_not.find(name);
      if (it == why_not.end()) {
        std::printf("REGRESSED %s: listed in %s but not in the test data under %s\n", name.c_str(),
                    opts.passing.c_str(), root.c_str());
      } else {
        std::string why = it->second->why.substr(0, 300);
        std::replace(why.begin(), why.end(), '\n', ' ');
        std::printf("REGRESSED %s: passed before, now %s: %s\n", name.c_str(),
                    it->second->outcome == Outcome::kFailed ? "failed" : "skipped", why.c_str());
      }
    }
    for (const std::string& name : passed) {
      if (std::binary_search(listed.begin(), listed.end(), name)) continue;
      ++new_passes;
      std::printf("NEW PASS %s: add it to %s (--write-passing %s)\n", name.c_str(),
                  opts.passing.c_str(), opts.passing.c_str());
    }
    std::printf("passing list %s: %zu listed, %d regressed, %d new passes\n", opts.passing.c_str(),
                listed.size(), regressed, new_passes);
  }
  if (!opts.write_passing.empty()) {
    if (!write_passing_list(opts.write_passing, opts.backend, passed)) {
      std::fprintf(stderr, "cannot write %s\n", opts.write_passing.c_str());
      return 1;
    }
    std::printf("wrote %zu passing cases to %s\n", passed.size(), opts.write_passing.c_str());
  }
  // The summary stays the last line: the Makefile prints it from every log.
  std::printf("%d passed, %d failed, %d skipped\n", total.passed, total.failed, total.skipped);
  return total.failed == 0 && regressed == 0 ? 0 : 1;
}
