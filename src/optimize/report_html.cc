#include "optimize/report_html.h"

#include <algorithm>
#include <cstdio>

namespace outpost::optimize {
namespace {

std::string escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string number(double v, const char* format = "%.4g") {
  char text[64];
  std::snprintf(text, sizeof text, format, v);
  return text;
}

std::string text_of(const nlohmann::json& j, const char* key) {
  return j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : "";
}

std::string summary(const nlohmann::json& r) {
  std::string h = "<table><tbody>";
  auto row = [&](const std::string& k, const std::string& v) { h += "<tr><th>" + k + "</th><td>" + v + "</td></tr>"; };
  row("model", escape(text_of(r, "model")) + " &rarr; " + escape(text_of(r, "output")));
  row("quantize", escape(text_of(r, "quantize")) + (r.contains("method") ? ", " + escape(text_of(r, "method")) +
                                                                              " calibration on " +
                                                                              r["calibration_samples"].dump() + " inputs"
                                                                        : ""));
  const double before = r["size"]["original_bytes"].get<double>(), after = r["size"]["optimized_bytes"].get<double>();
  row("size", number(before / 1e6, "%.2f") + " MB &rarr; " + number(after / 1e6, "%.2f") + " MB (" +
                  number(after / before, "%.2f") + "x)");
  if (r.contains("latency")) {
    const auto& l = r["latency"];
    row("latency", number(l["original_ms"].get<double>(), "%.3f") + " ms &rarr; " +
                       number(l["optimized_ms"].get<double>(), "%.3f") + " ms (" + number(l["ratio"].get<double>(), "%.2f") +
                       "x; median of " + l["runs"].dump() + " runs, " + l["threads"].dump() + " thread(s))");
  }
  if (r.contains("validation")) {
    const auto& v = r["validation"];
    if (v.contains("top1_agreement"))
      row("top-1 agreement", number(v["top1_agreement"].get<double>(), "%.4f") + " on " + v["samples"].dump() +
                                 " held-out inputs");
    row("output cosine similarity", number(v["output_cosine"].get<double>(), "%.5f"));
  } else {
    row("held-out comparison", "none (give --validate)");
  }
  return h + "</tbody></table>";
}

// One row per layer: a bar of its error (1 - cosine similarity of its output to the float
// model's) and two of its time, before and after.
std::string chart(const nlohmann::json& layers) {
  if (!layers.is_array() || layers.empty()) return "";
  double worst = 1e-9, slowest = 1e-9;
  for (const auto& l : layers) {
    if (l.contains("cosine")) worst = std::max(worst, 1.0 - l["cosine"].get<double>());
    for (const char* k : {"original_ms", "optimized_ms"})
      if (l.contains(k)) slowest = std::max(slowest, l[k].get<double>());
  }
  const int row = 18, label = 360, bar = 260, gap = 20;
  const int height = row * static_cast<int>(layers.size()) + 40;
  const int width = label + 2 * bar + 3 * gap;
  std::string s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + std::to_string(width) + "\" height=\"" +
                  std::to_string(height) + "\" font-family=\"sans-serif\" font-size=\"11\">";
  const int err_x = label + gap, time_x = label + bar + 2 * gap;
  s += "<text x=\"" + std::to_string(err_x) + "\" y=\"14\">error (1 - cosine), up to " + number(worst) + "</text>";
  s += "<text x=\"" + std::to_string(time_x) + "\" y=\"14\">time, up to " + number(slowest, "%.3f") +
       " ms (grey before, blue after)</text>";
  int y = 26;
  for (const auto& l : layers) {
    s += "<text x=\"" + std::to_string(label - 4) + "\" y=\"" + std::to_string(y + 11) +
         "\" text-anchor=\"end\">" + escape(text_of(l, "node")) + "</text>";
    if (l.contains("cosine")) {
      const int w = static_cast<int>(bar * (1.0 - l["cosine"].get<double>()) / worst);
      s += "<rect x=\"" + std::to_string(err_x) + "\" y=\"" + std::to_string(y + 2) + "\" width=\"" +
           std::to_string(std::max(w, 1)) + "\" height=\"12\" fill=\"#d9534f\"><title>cosine " +
           number(l["cosine"].get<double>(), "%.5f") + "</title></rect>";
    }
    int offset = 0;
    for (const char* k : {"original_ms", "optimized_ms"}) {
      if (!l.contains(k)) continue;
      const int w = static_cast<int>(bar * l[k].get<double>() / slowest);
      s += "<rect x=\"" + std::to_string(time_x) + "\" y=\"" + std::to_string(y + 2 + offset) + "\" width=\"" +
           std::to_string(std::max(w, 1)) + "\" height=\"6\" fill=\"" +
           (offset == 0 ? std::string("#999") : std::string("#337ab7")) + "\"><title>" +
           number(l[k].get<double>(), "%.4f") + " ms</title></rect>";
      offset += 6;
    }
    y += row;
  }
  return s + "</svg>";
}

std::string nodes_table(const nlohmann::json& nodes) {
  std::string h = "<table><thead><tr><th>node</th><th>dtype</th><th>weights</th><th>backend</th><th>notes</th></tr>"
                  "</thead><tbody>";
  for (const auto& n : nodes) {
    std::string notes = text_of(n, "reason");
    if (n.contains("absorbed")) notes = "absorbed " + text_of(n, "absorbed");
    h += "<tr><td>" + escape(text_of(n, "node")) + "</td><td>" + escape(text_of(n, "dtype")) + "</td><td>" +
         escape(text_of(n, "weights")) + "</td><td>" + escape(text_of(n, "backend")) + "</td><td>" + escape(notes) +
         "</td></tr>";
  }
  return h + "</tbody></table>";
}

}  // namespace

std::string report_html(const nlohmann::json& report) {
  std::string h =
      "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>outpost optimize: " +
      escape(text_of(report, "model")) +
      "</title><style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;margin:1em 0}"
      "td,th{border:1px solid #ccc;padding:2px 8px;text-align:left;font-size:13px}</style></head><body>\n";
  h += "<h1>outpost optimize</h1>\n" + summary(report) + "\n";
  if (report.contains("layers")) h += "<h2>Layers</h2>\n" + chart(report["layers"]) + "\n";
  if (report.contains("nodes")) h += "<h2>Nodes</h2>\n" + nodes_table(report["nodes"]) + "\n";
  return h + "</body></html>\n";
}

}  // namespace outpost::optimize
