#include "ir/onnx_einsum.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <string>

#include "ir/shape_inference_onnx_util.h"

namespace outpost {
namespace {

using onnx_infer::fail;

constexpr int kEllipsis = -1;

// A term's labels: letters as themselves, the ellipsis as kEllipsis.
Result<std::vector<int>> parse_term(const Graph& g, const Node& n, const std::string& term) {
  std::vector<int> labels;
  for (size_t i = 0; i < term.size(); ++i) {
    if (term.compare(i, 3, "...") == 0) {
      if (std::count(labels.begin(), labels.end(), kEllipsis) > 0)
        return fail(g, n, "a term of the equation has more than one ellipsis");
      labels.push_back(kEllipsis);
      i += 2;
    } else if (std::isalpha(static_cast<unsigned char>(term[i]))) {
      labels.push_back(term[i]);
    } else {
      return fail(g, n, std::string("unexpected character '") + term[i] + "' in the equation");
    }
  }
  return labels;
}

}  // namespace

Result<EinsumPlan> plan_einsum(const Graph& g, const Node& n) {
  std::string eq;
  for (char c : n.attrs.get_string("equation", ""))
    if (c != ' ') eq += c;
  const size_t arrow = eq.find("->");
  const std::string lhs = eq.substr(0, arrow);
  std::vector<std::vector<int>> terms;
  size_t start = 0;
  while (true) {
    const size_t comma = lhs.find(',', start);
    OUTPOST_ASSIGN_OR_RETURN(auto t, parse_term(g, n, lhs.substr(start, comma - start)));
    terms.push_back(std::move(t));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  if (terms.size() != n.inputs.size())
    return fail(g, n,
                "the equation has " + std::to_string(terms.size()) + " terms for " +
                    std::to_string(n.inputs.size()) + " inputs");
  // Ellipsis dimensions per operand, and the broadcast count.
  std::vector<int64_t> ell(terms.size(), 0);
  int64_t max_ell = 0;
  for (size_t i = 0; i < terms.size(); ++i) {
    const Shape& s = g.value(n.inputs[i]).shape;
    const int64_t letters =
        static_cast<int64_t>(terms[i].size()) -
        static_cast<int64_t>(std::count(terms[i].begin(), terms[i].end(), kEllipsis));
    const bool has_ell = letters != static_cast<int64_t>(terms[i].size());
    const int64_t rank = static_cast<int64_t>(s.rank());
    if (has_ell ? rank < letters : rank != letters)
      return fail(g, n,
                  "term " + std::to_string(i) + " does not match the rank of input " +
                      std::to_string(i) + " " + s.to_string());
    ell[i] = rank - letters;
    max_ell = std::max(max_ell, ell[i]);
  }
  // Labels: ellipsis dimensions 0..max_ell-1 (right-aligned), then letters by first use.
  EinsumPlan p;
  p.extent.assign(static_cast<size_t>(max_ell), 1);
  std::map<int, size_t> letter_id;
  std::map<int, int> letter_uses;
  auto id_of = [&](int letter) {
    auto [it, added] = letter_id.emplace(letter, p.extent.size());
    if (added) p.extent.push_back(-1);
    return it->second;
  };
  for (size_t i = 0; i < terms.size(); ++i) {
    const Shape& s = g.value(n.inputs[i]).shape;
    size_t axis = 0;
    for (int label : terms[i]) {
      if (label == kEllipsis) {
        for (int64_t k = 0; k < ell[i]; ++k, ++axis) {
          int64_t& e = p.extent[static_cast<size_t>(max_ell - ell[i] + k)];
          if (s[axis] != 1 && e != 1 && s[axis] != e)
            return fail(g, n, "ellipsis dimensions of the inputs do not broadcast");
          if (s[axis] != 1) e = s[axis];
        }
        continue;
      }
      ++letter_uses[label];
      int64_t& e = p.extent[id_of(label)];
      if (e >= 0 && e != s[axis])
        return fail(g, n,
                    std::string("label '") + static_cast<char>(label) + "' has extents " +
                        std::to_string(e) + " and " + std::to_string(s[axis]));
      e = s[axis];
      ++axis;
    }
  }
  p.stride.assign(terms.size(), std::vector<int64_t>(p.extent.size(), 0));
  for (size_t i = 0; i < terms.size(); ++i) {
    const Shape& s = g.value(n.inputs[i]).shape;
    std::vector<int64_t> st(s.rank(), 1);
    for (size_t k = s.rank(); k-- > 1;) st[k - 1] = st[k] * s[k];
    size_t axis = 0;
    for (int label : terms[i]) {
      if (label == kEllipsis) {
        for (int64_t k = 0; k < ell[i]; ++k, ++axis)
          if (s[axis] != 1) p.stride[i][static_cast<size_t>(max_ell - ell[i] + k)] += st[axis];
        continue;
      }
      p.stride[i][letter_id[label]] += st[axis];
      ++axis;
    }
  }
  // The output's labels.
  std::vector<size_t> out_labels;
  if (arrow != std::string::npos) {
    OUTPOST_ASSIGN_OR_RETURN(auto out_term, parse_term(g, n, eq.substr(arrow + 2)));
    bool has_ell = false;
    for (int label : out_term) {
      if (label == kEllipsis) {
        has_ell = true;
        for (int64_t k = 0; k < max_ell; ++k) out_labels.push_back(static_cast<size_t>(k));
        continue;
      }
      if (!letter_id.count(label))
        return fail(
            g, n,
            std::string("output label '") + static_cast<char>(label) + "' is in no input term");
      if (std::find(out_labels.begin(), out_labels.end(), letter_id[label]) != out_labels.end())
        return fail(g, n, "an output label repeats");
      out_labels.push_back(letter_id[label]);
    }
    if (max_ell > 0 && !has_ell)
      return unsupported(g.source + ": " + n.describe() +
                         ": summing over ellipsis dimensions is not supported");
  } else {
    for (int64_t k = 0; k < max_ell; ++k) out_labels.push_back(static_cast<size_t>(k));
    for (const auto& [letter, uses] : letter_uses)
      if (uses == 1) out_labels.push_back(letter_id[letter]);
  }
  std::vector<int64_t> dims;
  for (size_t l : out_labels) dims.push_back(p.extent[l]);
  p.out_shape = Shape(dims);
  p.out_stride.assign(p.extent.size(), 0);
  int64_t stride = 1;
  for (size_t k = out_labels.size(); k-- > 0;) {
    p.out_stride[out_labels[k]] = stride;
    stride *= p.extent[out_labels[k]];
  }
  for (int64_t e : p.extent) {
    if (e > 0 && p.iterations > (int64_t{1} << 40) / e)
      return unsupported(g.source + ": " + n.describe() +
                         ": the equation needs more than 2^40 multiply-adds");
    p.iterations *= e;
  }
  return p;
}

}  // namespace outpost
