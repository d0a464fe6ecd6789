#include "vision/face_detector_outputs.h"

#include <cstring>
#include <string>

namespace outpost {
namespace {

// Rows (anchors) of a [1, n, c] or [n, c] part, or -1 if it has another shape.
int64_t rows_of(const Shape& s, int64_t c) {
  if (s.rank() == 3 && s[0] == 1 && s[2] == c) return s[1];
  if (s.rank() == 2 && s[1] == c) return s[0];
  return -1;
}

Result<Tensor> join(const std::vector<const Tensor*>& parts, int64_t c) {
  int64_t rows = 0;
  for (const Tensor* t : parts) rows += rows_of(t->shape(), c);
  OUTPOST_ASSIGN_OR_RETURN(Tensor joined, Tensor::allocate(DType::kFloat32, Shape{1, rows, c}));
  auto* dst = static_cast<char*>(joined.data());
  for (const Tensor* t : parts) {
    std::memcpy(dst, t->data(), t->byte_size());
    dst += t->byte_size();
  }
  return joined;
}

}  // namespace

Result<FaceDetectorOutputs> join_face_detector_outputs(const std::vector<const Tensor*>& outputs,
                                                       const FaceDetectorOptions& options) {
  const int64_t coords = options.num_coords;
  if (coords <= 1) return usage_error("face detector: num_coords must be at least 4 (the box)");
  std::vector<const Tensor*> regressors, scores;
  std::vector<int64_t> regressor_rows, score_rows;
  for (size_t i = 0; i < outputs.size(); ++i) {
    const Tensor& t = *outputs[i];
    const int64_t as_boxes = rows_of(t.shape(), coords), as_scores = rows_of(t.shape(), 1);
    if (t.dtype() != DType::kFloat32 || t.data() == nullptr || (as_boxes < 0 && as_scores < 0))
      return shape_mismatch("face detector: output " + std::to_string(i) + " '" + t.name + "' is " +
                            dtype_name(t.dtype()) + " " + t.shape().to_string() +
                            "; expected float32 regressors [1, N, " + std::to_string(coords) +
                            "] or scores [1, N, 1]");
    if (as_boxes >= 0) {
      regressors.push_back(&t);
      regressor_rows.push_back(as_boxes);
    } else {
      scores.push_back(&t);
      score_rows.push_back(as_scores);
    }
  }
  if (regressors.empty() || scores.empty())
    return shape_mismatch(std::string("face detector: the model has no ") +
                          (regressors.empty()
                               ? "regressor output [1, N, " + std::to_string(coords) + "]"
                               : std::string("score output [1, N, 1]")));
  // Layer by layer, each score part must cover the anchors of the regressor part in its place.
  if (regressor_rows != score_rows) {
    auto list = [](const std::vector<int64_t>& v) {
      std::string s;
      for (int64_t r : v) s += (s.empty() ? "" : ", ") + std::to_string(r);
      return s;
    };
    return shape_mismatch("face detector: the regressor outputs cover " + list(regressor_rows) +
                          " anchors but the score outputs " + list(score_rows));
  }
  FaceDetectorOutputs out;
  OUTPOST_ASSIGN_OR_RETURN(out.regressors, join(regressors, coords));
  OUTPOST_ASSIGN_OR_RETURN(out.scores, join(scores, 1));
  return out;
}

}  // namespace outpost
