// docs/ops.md, "The IR's operators", against the op list: the section holds one table of ops, every
// op of the IR (src/ir/op_list.inc and the lists it includes) has exactly one row, and every op a
// row names is an op of the IR. A failure names the line of docs/ops.md and what to write there.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "ir/op_kind.h"

namespace outpost {
namespace {

constexpr char kDoc[] = OUTPOST_SOURCE_DIR "/docs/ops.md";
constexpr char kSection[] = "## The IR's operators";
constexpr char kHeader[] = "| op | inputs | attributes | reference kernels |";

struct Row {
  int line;
  std::vector<std::string> cells;  // trimmed
  std::string where() const { return "docs/ops.md:" + std::to_string(line); }
};

std::string trim(const std::string& s) {
  const size_t b = s.find_first_not_of(" \t");
  const size_t e = s.find_last_not_of(" \t");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::stringstream in(text);
  std::string part;
  while (std::getline(in, part, separator)) parts.push_back(trim(part));
  return parts;
}

struct OpTable {
  int tables = 0;         // tables in the section whose header is kHeader
  int header_lines = 0;   // lines of the whole document that are kHeader
  std::vector<Row> rows;  // the op rows (group headings such as "| **Elementwise** |" left out)
};

OpTable read_op_table() {
  std::ifstream in(kDoc);
  EXPECT_TRUE(in) << "cannot read " << kDoc;
  OpTable t;
  std::string line;
  bool in_section = false, in_table = false;
  for (int n = 1; std::getline(in, line); ++n) {
    if (line.rfind("## ", 0) == 0) in_section = line == kSection;
    if (line == kHeader) {
      ++t.header_lines;
      if (in_section) ++t.tables;
      in_table = in_section;
      continue;
    }
    if (line.empty() || line[0] != '|') {
      in_table = false;
      continue;
    }
    if (!in_table || line.rfind("| ---", 0) == 0) continue;
    Row row{n, split(line.substr(1), '|')};
    if (row.cells.empty() || row.cells[0].rfind("**", 0) == 0) continue;
    t.rows.push_back(std::move(row));
  }
  return t;
}

TEST(OpTableDoc, TheIrsOpsAreOneTable) {
  const OpTable t = read_op_table();
  EXPECT_EQ(t.tables, 1) << kDoc << ": the section '" << kSection
                         << "' must hold one table headed '" << kHeader << "'";
  EXPECT_EQ(t.header_lines, 1) << kDoc << ": a table headed '" << kHeader
                               << "' outside '" << kSection
                               << "' is a second table of ops; move its rows into the one table";
}

TEST(OpTableDoc, EveryRowNamesOpsOfTheIrAndSaysWhatTheyTakeAndRunOn) {
  const OpTable t = read_op_table();
  ASSERT_FALSE(t.rows.empty()) << kDoc << ": no rows under '" << kHeader << "'";
  for (const Row& r : t.rows) {
    ASSERT_EQ(r.cells.size(), 4u) << r.where() << ": a row has 4 cells (op, inputs, attributes, "
                                  << "reference kernels)";
    EXPECT_FALSE(r.cells[1].empty()) << r.where() << ": write the op's inputs";
    EXPECT_FALSE(r.cells[3].empty()) << r.where() << ": write the dtypes the kernels run";
    for (const std::string& name : split(r.cells[0], ','))
      EXPECT_TRUE(op_from_name(name).has_value())
          << r.where() << ": '" << name << "' is no op of the IR (src/ir/op_list.inc); "
          << "remove it or correct the name";
  }
}

TEST(OpTableDoc, EveryOpOfTheIrHasExactlyOneRow) {
  std::map<std::string, std::vector<std::string>> rows_of;  // op name -> where it is named
  for (const Row& r : read_op_table().rows)
    for (const std::string& name : split(r.cells.at(0), ',')) rows_of[name].push_back(r.where());
  for (size_t i = 0; i < kOpKindCount; ++i) {
    const std::string name = op_name(static_cast<OpKind>(i));
    const auto it = rows_of.find(name);
    if (it == rows_of.end()) {
      ADD_FAILURE() << "op " << name << " has no row in " << kDoc << ", '" << kSection
                    << "'; add one (or name it in the row of its family)";
      continue;
    }
    std::string where;
    for (const std::string& w : it->second) where += " " + w;
    EXPECT_EQ(it->second.size(), 1u) << "op " << name << " has more than one row:" << where;
  }
}

}  // namespace
}  // namespace outpost
