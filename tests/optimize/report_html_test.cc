// The HTML report: one self-contained page with the summary, a bar per layer's error and per
// layer's time before and after, and the nodes; text from the model escaped.
#include "optimize/report_html.h"

#include <gtest/gtest.h>

namespace outpost::optimize {
namespace {

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

nlohmann::json report() {
  return {{"model", "m<1>.onnx"},
          {"output", "q.onnx"},
          {"quantize", "int8"},
          {"method", "minmax"},
          {"calibration_samples", 8},
          {"size", {{"original_bytes", 4000000}, {"optimized_bytes", 1000000}}},
          {"latency", {{"original_ms", 8.0}, {"optimized_ms", 2.0}, {"ratio", 0.25}, {"runs", 50}, {"threads", 1}}},
          {"validation", {{"samples", 7}, {"output_cosine", 0.99}, {"top1_agreement", 1.0}}},
          {"layers",
           {{{"node", "Conv 'a'"}, {"cosine", 0.999}, {"original_ms", 1.0}, {"optimized_ms", 0.25}},
            {{"node", "Conv 'b&c'"}, {"cosine", 0.98}, {"original_ms", 2.0}, {"optimized_ms", 0.5}}}},
          {"nodes",
           {{{"node", "Conv 'a'"}, {"dtype", "int8"}, {"weights", "per-channel"}, {"backend", "onednn"}},
            {{"node", "Gemm 'fc'"}, {"dtype", "float32"}, {"reason", "--keep-float"}}}}};
}

TEST(ReportHtml, HoldsTheSummaryAChartOfTheLayersAndTheNodes) {
  const std::string html = report_html(report());
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(html.find("4.00 MB &rarr; 1.00 MB (0.25x)"), std::string::npos) << html;
  EXPECT_NE(html.find("8.000 ms &rarr; 2.000 ms"), std::string::npos) << html;
  EXPECT_NE(html.find("1.0000 on 7 held-out inputs"), std::string::npos) << html;
  // Two layers: an error bar each and two time bars each.
  EXPECT_EQ(count(html, "<rect"), 6u) << html;
  EXPECT_NE(html.find("--keep-float"), std::string::npos);
  EXPECT_EQ(count(html, "<svg"), 1u);
  EXPECT_EQ(html.find("<script"), std::string::npos);
}

TEST(ReportHtml, EscapesWhatTheModelNames) {
  const std::string html = report_html(report());
  EXPECT_NE(html.find("m&lt;1&gt;.onnx"), std::string::npos);
  EXPECT_NE(html.find("Conv 'b&amp;c'"), std::string::npos);
  EXPECT_EQ(html.find("m<1>"), std::string::npos);
}

TEST(ReportHtml, WithoutHeldOutInputsItSaysSoAndDrawsNoChart) {
  nlohmann::json r = report();
  r.erase("latency");
  r.erase("validation");
  r.erase("layers");
  const std::string html = report_html(r);
  EXPECT_NE(html.find("none (give --validate)"), std::string::npos);
  EXPECT_EQ(html.find("<svg"), std::string::npos);
}

}  // namespace
}  // namespace outpost::optimize
