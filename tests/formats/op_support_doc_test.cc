// docs/ops.md, "Is my op supported?", against the importers: every "yes" is an op the importer
// translates and every "no" one it does not; the TFLite table has one row per builtin code; the
// ONNX table lists every op the importer accepts and every op of ai.onnx up to kOnnxMaxOpset.
// A failure names the line of docs/ops.md and what to write there.
#include <gtest/gtest.h>
#include <onnx/defs/schema.h>

#include <charconv>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "formats/onnx/onnx_op_map.h"
#include "formats/tflite/tflite_ops.h"
#include "support/tflite_bare_operator.h"

namespace outpost {
namespace {

constexpr char kDoc[] = OUTPOST_SOURCE_DIR "/docs/ops.md";
constexpr char kSection[] = "## Is my op supported?";

struct Row {
  int line;
  std::vector<std::string> cells;  // trimmed, backticks removed
  std::string where() const { return "docs/ops.md:" + std::to_string(line); }
};

std::string trim(const std::string& s) {
  const size_t b = s.find_first_not_of(" \t");
  const size_t e = s.find_last_not_of(" \t");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

std::vector<std::string> split_cells(const std::string& line) {
  std::vector<std::string> cells;
  std::stringstream in(line.substr(1));  // after the leading '|'; the last '|' ends the last cell
  std::string cell;
  while (std::getline(in, cell, '|')) {
    std::string text;
    for (char c : trim(cell))
      if (c != '`') text += c;
    cells.push_back(text);
  }
  return cells;
}

// The tables of the section, by the first cell of their header row ("TFLite builtin", ...).
std::map<std::string, std::vector<Row>> read_tables() {
  std::ifstream in(kDoc);
  EXPECT_TRUE(in) << "cannot read " << kDoc;
  std::map<std::string, std::vector<Row>> tables;
  std::string line, table;
  bool in_section = false, previous_was_row = false;
  for (int n = 1; std::getline(in, line); ++n) {
    if (line.rfind("## ", 0) == 0) in_section = line == kSection;
    const bool is_row = in_section && !line.empty() && line[0] == '|';
    if (is_row && !previous_was_row) {
      table = split_cells(line).at(0);
      tables[table];
    } else if (is_row && line.rfind("| ---", 0) != 0) {
      tables[table].push_back({n, split_cells(line)});
    }
    previous_was_row = is_row;
  }
  EXPECT_FALSE(tables.empty()) << kDoc << " has no section '" << kSection << "' with tables";
  return tables;
}

// The rows of one table, each checked to have `columns` cells.
std::vector<Row> table_rows(const std::string& header, size_t columns) {
  std::vector<Row> rows = read_tables()[header];
  EXPECT_FALSE(rows.empty()) << "docs/ops.md, '" << kSection
                             << "': no table whose header starts '| " << header << " |'";
  std::vector<Row> good;
  for (const Row& r : rows) {
    if (r.cells.size() == columns)
      good.push_back(r);
    else
      ADD_FAILURE() << r.where() << ": " << r.cells.size() << " cells, the '" << header
                    << "' table has " << columns;
  }
  return good;
}

// The code in a TFLite row, or -1 when its cell holds no number.
int code_of(const Row& r) {
  const std::string& s = r.cells[1];
  int code = -1;
  const auto [end, error] = std::from_chars(s.data(), s.data() + s.size(), code);
  return error == std::errc() && end == s.data() + s.size() ? code : -1;
}

// Checks a row's "supported" cell (`yes_cell`) and its "why not" cell against the importer.
void expect_answer(const Row& r, const std::string& what, bool translated, size_t yes_cell) {
  const std::string& said = r.cells[yes_cell];
  const std::string& why_not = r.cells[yes_cell + 1];
  if (said != "yes" && said != "no") {
    ADD_FAILURE() << r.where() << ": " << what << " says '" << said << "'; write 'yes' or 'no'";
  } else if (translated && said == "no") {
    ADD_FAILURE() << r.where() << ": " << what
                  << " says 'no', but the importer translates it: write 'yes' and empty the "
                     "'why not' cell (note any form it refuses under 'notes')";
  } else if (!translated && said == "yes") {
    ADD_FAILURE() << r.where() << ": " << what
                  << " says 'yes', but the importer does not translate it: write 'no' and a "
                     "reason class under 'why not' (one the table already uses)";
  } else if (said == "no" && why_not.empty()) {
    ADD_FAILURE() << r.where() << ": " << what << " says 'no' without a reason: fill 'why not'";
  } else if (said == "yes" && !why_not.empty()) {
    ADD_FAILURE() << r.where() << ": " << what << " says 'yes' and gives a reason not to ('"
                  << why_not << "'): empty 'why not'";
  }
}

TEST(OpSupportDoc, TfliteTableHasOneRowPerBuiltinCodeWithItsName) {
  std::map<int, int> line_of_code;
  for (const Row& r : table_rows("TFLite builtin", 5)) {
    const std::string& name = r.cells[0];
    const int code = code_of(r);
    if (code < 0 || code >= tflite::builtin_count()) {
      ADD_FAILURE() << r.where() << ": code '" << r.cells[1] << "' of " << name
                    << " is not a builtin code we know (0.." << tflite::builtin_count() - 1
                    << "); if TFLite added it, name it in kBuiltinNames (tflite_ops.cc) first";
      continue;
    }
    if (name != tflite::builtin_name(code))
      ADD_FAILURE() << r.where() << ": code " << code << " is " << tflite::builtin_name(code)
                    << ", not " << name << ": write " << tflite::builtin_name(code);
    if (!line_of_code.emplace(code, r.line).second)
      ADD_FAILURE() << r.where() << ": code " << code
                    << " already has a row at docs/ops.md:" << line_of_code[code] << ": remove one";
  }
  for (int code = 0; code < tflite::builtin_count(); ++code) {
    if (line_of_code.count(code)) continue;
    const bool yes = tflite::translates_builtin(code);
    ADD_FAILURE() << "docs/ops.md: the TFLite builtin table has no row for code " << code
                  << "; add, in code order: | " << tflite::builtin_name(code) << " | " << code
                  << " | " << (yes ? "yes | |" : "no | not yet (issue 13) |") << " |";
  }
}

TEST(OpSupportDoc, TfliteRowsSayYesExactlyForTheBuiltinsTheImporterTranslates) {
  for (const Row& r : table_rows("TFLite builtin", 5)) {
    const std::string what = "TFLite builtin " + r.cells[0] + " (code " + r.cells[1] + ")";
    if (code_of(r) >= 0) expect_answer(r, what, tflite::translates_builtin(code_of(r)), 2);
  }
}

TEST(OpSupportDoc, TfliteCustomRowsSayYesExactlyForTheCustomOpsTheImporterTranslates) {
  for (const Row& r : table_rows("TFLite custom op", 4)) {
    const Status s = testing::translate_bare_operator(32, r.cells[0]);
    expect_answer(r, "TFLite custom op " + r.cells[0], s.code() != StatusCode::kUnsupported, 1);
  }
}

TEST(OpSupportDoc, OnnxRowsSayYesExactlyForTheOpsTheImporterTranslates) {
  std::map<std::string, int> line_of_op;
  for (const Row& r : table_rows("ONNX op", 4)) {
    expect_answer(r, "ONNX op " + r.cells[0], translates_onnx_op(r.cells[0]), 1);
    if (!line_of_op.emplace(r.cells[0], r.line).second)
      ADD_FAILURE() << r.where() << ": " << r.cells[0]
                    << " already has a row at docs/ops.md:" << line_of_op[r.cells[0]]
                    << ": remove one";
  }
}

TEST(OpSupportDoc, OnnxTableListsEveryOpTheImporterTranslates) {
  std::set<std::string> listed;
  for (const Row& r : table_rows("ONNX op", 4)) listed.insert(r.cells[0]);
  for (const std::string& op : translated_onnx_ops())
    if (!listed.count(op))
      ADD_FAILURE() << "docs/ops.md: the importer translates ONNX op " << op
                    << ", which the ONNX table does not list; add, in name order: | " << op
                    << " | yes | | |";
}

// The schemas ONNX itself defines (libonnx), so that raising kOnnxMaxOpset asks for the rows
// of the operators the new opsets bring.
TEST(OpSupportDoc, OnnxTableListsEveryOperatorOfTheDefaultDomainUpToTheLastOpset) {
  std::set<std::string> listed;
  for (const Row& r : table_rows("ONNX op", 4)) listed.insert(r.cells[0]);
  std::set<std::string> defined;
  for (const auto& schema : onnx::OpSchemaRegistry::get_all_schemas_with_history())
    if (schema.domain().empty() && schema.SinceVersion() <= kOnnxMaxOpset)
      defined.insert(schema.Name());
  for (const std::string& op : defined)
    if (!listed.count(op))
      ADD_FAILURE() << "docs/ops.md: ONNX defines op " << op << " by opset " << kOnnxMaxOpset
                    << ", which the ONNX table does not list; add, in name order: | " << op << " | "
                    << (translates_onnx_op(op) ? "yes | |" : "no | not yet |") << " |";
  // An older libonnx than the importer's opsets knows fewer ops: only then may a row be unknown.
  const int known = onnx::OpSchemaRegistry::DomainToVersionRange::Instance().Map().at("").second;
  if (known < kOnnxMaxOpset) return;
  for (const std::string& op : listed)
    if (!defined.count(op))
      ADD_FAILURE() << "docs/ops.md: the ONNX table lists " << op
                    << ", which is no operator of ai.onnx up to opset " << kOnnxMaxOpset
                    << ": remove the row or correct the name";
}

}  // namespace
}  // namespace outpost
