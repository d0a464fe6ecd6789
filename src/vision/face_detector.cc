#include "vision/face_detector.h"

#include <algorithm>
#include <cmath>

#include "vision/nms.h"
#include "vision/resize.h"

namespace outpost {

FaceDetectorOptions FaceDetectorOptions::short_range() {
  FaceDetectorOptions o;
  o.anchors.input_width = o.anchors.input_height = 128;
  o.anchors.min_scale = 0.1484375f;
  o.anchors.max_scale = 0.75f;
  o.anchors.strides = {8, 16, 16, 16};
  o.anchors.interpolated_scale_aspect_ratio = 1.0f;
  o.anchors.fixed_anchor_size = true;
  o.x_scale = o.y_scale = o.w_scale = o.h_scale = 128.0f;
  o.min_score = 0.5f;
  return o;
}

FaceDetectorOptions FaceDetectorOptions::full_range() {
  FaceDetectorOptions o;
  o.anchors.input_width = o.anchors.input_height = 192;
  o.anchors.min_scale = 0.1484375f;
  o.anchors.max_scale = 0.75f;
  o.anchors.strides = {4};
  o.anchors.interpolated_scale_aspect_ratio = 0.0f;
  o.anchors.fixed_anchor_size = true;
  o.x_scale = o.y_scale = o.w_scale = o.h_scale = 192.0f;
  o.min_score = 0.6f;
  return o;
}

Result<FaceDetectorOptions> FaceDetectorOptions::for_input_size(int width, int height) {
  if (width == 128 && height == 128) return short_range();
  if (width == 192 && height == 192) return full_range();
  return shape_mismatch("no face detector preset for a " + std::to_string(width) + "x" +
                        std::to_string(height) +
                        " input (known: 128x128 short range, 192x192 full range)");
}

FaceDetector::FaceDetector(FaceDetectorOptions options)
    : options_(std::move(options)), anchors_(generate_ssd_anchors(options_.anchors)) {}

std::vector<FaceDetection> FaceDetector::decode_candidates(const float* regressors,
                                                           const float* scores) const {
  const FaceDetectorOptions& o = options_;
  const float clip = o.score_clipping_threshold;
  // Never read past a box's num_coords values, whatever the options say.
  const int usable_keypoints =
      std::max(0, std::min({(o.num_coords - o.keypoint_coord_offset) / 2, o.num_keypoints,
                            static_cast<int>(FaceDetection{}.keypoints.size())}));
  std::vector<FaceDetection> out;
  for (size_t i = 0; i < anchors_.size(); ++i) {
    float logit = scores[i];
    if (clip > 0.0f) logit = std::clamp(logit, -clip, clip);
    const float score = 1.0f / (1.0f + std::exp(-logit));
    // NaN scores fail this test too, so a broken model yields no boxes rather than junk.
    if (!(score >= o.min_score)) continue;

    const float* raw = regressors + i * o.num_coords;
    const Anchor& a = anchors_[i];
    float x = raw[0], y = raw[1], w = raw[2], h = raw[3];
    if (!o.reverse_output_order) {
      y = raw[0];
      x = raw[1];
      h = raw[2];
      w = raw[3];
    }
    // Offsets are in input pixels relative to the anchor centre; sizes are absolute because
    // BlazeFace anchors are 1x1 (anchor width/height multiply them either way).
    const float x_center = x / o.x_scale * a.width + a.x_center;
    const float y_center = y / o.y_scale * a.height + a.y_center;
    w = w / o.w_scale * a.width;
    h = h / o.h_scale * a.height;

    FaceDetection d;
    d.score = score;
    d.xmin = x_center - w / 2.0f;
    d.ymin = y_center - h / 2.0f;
    d.width = w;
    d.height = h;
    for (int k = 0; k < usable_keypoints; ++k) {
      const float* kp = raw + o.keypoint_coord_offset + 2 * k;
      const float kx = o.reverse_output_order ? kp[0] : kp[1];
      const float ky = o.reverse_output_order ? kp[1] : kp[0];
      d.keypoints[k] = {kx / o.x_scale * a.width + a.x_center,
                        ky / o.y_scale * a.height + a.y_center};
    }
    out.push_back(d);
  }
  return out;
}

std::vector<FaceDetection> FaceDetector::decode(const float* regressors,
                                                const float* scores) const {
  return weighted_non_max_suppression(decode_candidates(regressors, scores), options_.iou_threshold,
                                      options_.max_detections);
}

Result<std::vector<FaceDetection>> FaceDetector::decode(const Tensor& regressors,
                                                        const Tensor& scores) const {
  const int64_t n = static_cast<int64_t>(anchors_.size());
  auto check = [&](const Tensor& t, const char* what, int64_t last_dim) -> Status {
    const Shape& s = t.shape();
    const bool shape_ok = (s.rank() == 3 && s[0] == 1 && s[1] == n && s[2] == last_dim) ||
                          (s.rank() == 2 && s[0] == n && s[1] == last_dim);
    if (t.dtype() != DType::kFloat32 || !shape_ok || t.data() == nullptr)
      return shape_mismatch(std::string("face detector: ") + what + " must be float32 [1, " +
                            std::to_string(n) + ", " + std::to_string(last_dim) + "], got " +
                            s.to_string() + (t.dtype() != DType::kFloat32 ? " (not float32)" : ""));
    return Status::ok();
  };
  if (n == 0) return usage_error("face detector: the anchor options produce no anchors");
  if (options_.num_coords < 4 || options_.keypoint_coord_offset < 0)
    return usage_error("face detector: num_coords must be at least 4 (the box)");
  OUTPOST_RETURN_IF_ERROR(check(regressors, "regressors (output 0)", options_.num_coords));
  OUTPOST_RETURN_IF_ERROR(check(scores, "scores (output 1)", 1));
  return decode(regressors.data_as<float>(), scores.data_as<float>());
}

Result<Tensor> face_detector_input(const Image& image, const FaceDetectorOptions& options) {
  const int w = options.anchors.input_width, h = options.anchors.input_height;
  OUTPOST_ASSIGN_OR_RETURN(Image resized, resize_bilinear(image, w, h, /*antialias=*/true));
  OUTPOST_ASSIGN_OR_RETURN(Tensor input, Tensor::allocate(DType::kFloat32, Shape{1, h, w, 3}));
  float* dst = input.data_as<float>();
  const int c = resized.channels;
  for (size_t i = 0, n = static_cast<size_t>(w) * h; i < n; ++i) {
    const uint8_t* p = resized.pixels.data() + i * c;
    for (int k = 0; k < 3; ++k) {
      const uint8_t v = c >= 3 ? p[k] : p[0];
      // MediaPipe feeds [-1, 1]; x / 127.5 - 1 in float32 matches the reference inputs.
      *dst++ = static_cast<float>(v) / 127.5f - 1.0f;
    }
  }
  return input;
}

}  // namespace outpost
