#include "optimize/model_comparison.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <optional>

#include "formats/onnx/onnx_qdq_writer.h"
#include "optimize/quantize_onnx.h"
#include "vision/face_detector.h"

#include <onnx/onnx_pb.h>

namespace outpost::optimize {
namespace {

struct Agreement {
  double cosine = 0;
  double relative_rms = 0;
};

// Both tensors float32 of the same element count (else nothing to compare: cosine 1 would lie,
// so the caller skips them).
Agreement agreement(const Tensor& a, const Tensor& b) {
  const float* x = a.data_as<float>();
  const float* y = b.data_as<float>();
  double xy = 0, xx = 0, yy = 0, diff = 0;
  for (int64_t i = 0; i < a.num_elements(); ++i) {
    xy += static_cast<double>(x[i]) * y[i];
    xx += static_cast<double>(x[i]) * x[i];
    yy += static_cast<double>(y[i]) * y[i];
    diff += (static_cast<double>(y[i]) - x[i]) * (static_cast<double>(y[i]) - x[i]);
  }
  Agreement r;
  // Two zero tensors agree; one zero against a non-zero one does not.
  r.cosine = xx == 0 && yy == 0 ? 1 : (xx == 0 || yy == 0 ? 0 : xy / std::sqrt(xx * yy));
  r.relative_rms = xx == 0 ? (diff == 0 ? 0 : 1) : std::sqrt(diff / xx);
  return r;
}

bool comparable(const Tensor& a, const Tensor& b) {
  return a.dtype() == DType::kFloat32 && b.dtype() == DType::kFloat32 && a.num_elements() == b.num_elements() &&
         a.num_elements() > 0;
}

bool is_score_vector(const Tensor& t) {
  const auto& dims = t.shape().dims();
  return !dims.empty() && dims.back() >= 2 && t.num_elements() == dims.back() && t.dtype() == DType::kFloat32;
}

int64_t top1(const Tensor& t) {
  const float* p = t.data_as<float>();
  return std::max_element(p, p + t.num_elements()) - p;
}

Result<double> median_ms(Session& session, const Sample& sample, int runs) {
  OUTPOST_RETURN_IF_ERROR(feed_sample(session, sample));
  for (int k = 0; k < 3; ++k) OUTPOST_RETURN_IF_ERROR(session.run());
  std::vector<double> times;
  for (int k = 0; k < runs; ++k) {
    const auto start = std::chrono::steady_clock::now();
    OUTPOST_RETURN_IF_ERROR(session.run());
    times.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
  }
  std::nth_element(times.begin(), times.begin() + times.size() / 2, times.end());
  return times[times.size() / 2];
}

// The median time of each node over `runs` traced runs (the session's inputs already fed).
Result<std::map<std::string, double>> node_medians(Session& session, int runs) {
  OUTPOST_ASSIGN_OR_RETURN(auto trace, session.trace(runs));
  std::map<std::string, std::vector<double>> times;
  for (const auto& t : trace) times[t.node].push_back(t.ms);
  std::map<std::string, double> medians;
  for (auto& [node, ms] : times) {
    std::nth_element(ms.begin(), ms.begin() + ms.size() / 2, ms.end());
    medians[node] = ms[ms.size() / 2];
  }
  return medians;
}

// A face detector's decoder when the session looks like one (face_detector.h), else nothing.
std::optional<FaceDetector> face_detector_of(const Session& s) {
  if (s.num_inputs() != 1 || s.num_outputs() < 2) return std::nullopt;
  const auto& in = s.input_signature(0).dims();
  if (in.size() != 4 || in[1] != in[2]) return std::nullopt;
  auto options = FaceDetectorOptions::for_input_size(static_cast<int>(in[2]), static_cast<int>(in[1]));
  if (!options.is_ok()) return std::nullopt;
  const auto& boxes = s.output(0).shape().dims();
  const auto& scores = s.output(1).shape().dims();
  if (boxes.size() != 3 || scores.size() != 3 || boxes[2] != options->num_coords || scores[2] != 1 ||
      boxes[1] != scores[1])
    return std::nullopt;
  FaceDetector detector(*options);
  if (static_cast<int64_t>(detector.anchors().size()) != boxes[1]) return std::nullopt;
  return detector;
}

double iou(const FaceDetection& a, const FaceDetection& b) {
  const float x0 = std::max(a.xmin, b.xmin), y0 = std::max(a.ymin, b.ymin);
  const float x1 = std::min(a.xmin + a.width, b.xmin + b.width), y1 = std::min(a.ymin + a.height, b.ymin + b.height);
  const double inter = std::max(0.0f, x1 - x0) * std::max(0.0f, y1 - y0);
  const double both = static_cast<double>(a.width) * a.height + static_cast<double>(b.width) * b.height - inter;
  return both > 0 ? inter / both : 0.0;
}

Result<std::string> with_outputs(const std::string& bytes, const std::string& source,
                                 const std::vector<std::string>& names) {
  if (names.empty()) return bytes;
  onnx::ModelProto model;
  OUTPOST_RETURN_IF_ERROR(parse_onnx_model(bytes, source, model));
  return onnx_with_extra_outputs(model, names);
}

}  // namespace

Result<ModelComparison> compare_onnx_models(const std::string& original, const std::string& optimized,
                                            const std::string& source, const std::vector<Sample>& samples,
                                            const std::vector<std::string>& activations, int threads, int runs) {
  if (samples.empty()) return usage_error("comparing the models needs held-out inputs (--validate DIR or FILES)");
  ModelComparison c;
  c.samples = samples.size();
  c.latency_runs = runs;
  std::vector<std::string> graph_outputs;  // the model's own, not those added to compare activations
  {  // latency first, on the models as they are written (no extra outputs)
    OUTPOST_ASSIGN_OR_RETURN(auto a, open_model_bytes(original, source, threads));
    for (size_t i = 0; i < a->num_outputs(); ++i) graph_outputs.push_back(a->output(i).name);
    OUTPOST_ASSIGN_OR_RETURN(auto b, open_model_bytes(optimized, source + " (optimized)", threads));
    OUTPOST_ASSIGN_OR_RETURN(c.original_ms, median_ms(*a, samples[0], runs));
    OUTPOST_ASSIGN_OR_RETURN(c.optimized_ms, median_ms(*b, samples[0], runs));
    const int traced = std::max(1, std::min(runs, 20));
    OUTPOST_ASSIGN_OR_RETURN(c.original_node_ms, node_medians(*a, traced));
    OUTPOST_ASSIGN_OR_RETURN(c.optimized_node_ms, node_medians(*b, traced));
  }
  OUTPOST_ASSIGN_OR_RETURN(std::string a_bytes, with_outputs(original, source, activations));
  OUTPOST_ASSIGN_OR_RETURN(std::string b_bytes, with_outputs(optimized, source + " (optimized)", activations));
  OUTPOST_ASSIGN_OR_RETURN(auto a, open_model_bytes(a_bytes, source, threads));
  OUTPOST_ASSIGN_OR_RETURN(auto b, open_model_bytes(b_bytes, source + " (optimized)", threads));
  std::map<std::string, Agreement> sums;  // per tensor name, summed over samples
  const std::optional<FaceDetector> faces = face_detector_of(*a);
  double iou_sum = 0;
  size_t top1_same = 0;
  bool classifier = false;
  for (const Sample& sample : samples) {
    OUTPOST_RETURN_IF_ERROR(feed_sample(*a, sample));
    OUTPOST_RETURN_IF_ERROR(feed_sample(*b, sample));
    OUTPOST_RETURN_IF_ERROR(a->run());
    OUTPOST_RETURN_IF_ERROR(b->run());
    if (faces) {
      auto original = faces->decode(a->output(0), a->output(1));
      auto optimized = faces->decode(b->output(0), b->output(1));
      if (original.is_ok() && optimized.is_ok() && !original->empty()) {
        ++c.samples_with_boxes;
        if (!optimized->empty()) iou_sum += iou(original->front(), optimized->front());
      }
    }
    for (size_t i = 0; i < a->num_outputs(); ++i) {
      const Tensor& x = a->output(i);
      const int j = b->output_index(x.name);
      if (j < 0 || !comparable(x, b->output(static_cast<size_t>(j)))) continue;
      const Agreement g = agreement(x, b->output(static_cast<size_t>(j)));
      sums[x.name].cosine += g.cosine;
      sums[x.name].relative_rms += g.relative_rms;
      if (i == 0 && is_score_vector(x)) {
        classifier = true;
        top1_same += top1(x) == top1(b->output(static_cast<size_t>(j)));
      }
    }
  }
  const double n = static_cast<double>(samples.size());
  if (classifier) c.top1_agreement = static_cast<double>(top1_same) / n;
  if (c.samples_with_boxes > 0) c.best_box_iou = iou_sum / static_cast<double>(c.samples_with_boxes);
  for (const auto& name : graph_outputs)
    if (sums.count(name)) c.output_cosine = std::min(c.output_cosine, sums[name].cosine / n);
  for (const auto& name : activations) {
    if (!sums.count(name)) continue;
    c.activations.push_back({name, sums[name].cosine / n, sums[name].relative_rms / n});
  }
  std::sort(c.activations.begin(), c.activations.end(),
            [](const ActivationError& x, const ActivationError& y) { return x.cosine < y.cosine; });
  return c;
}

}  // namespace outpost::optimize
