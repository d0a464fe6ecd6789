#include "formats/tflite/detection_postprocess_options.h"

#include <flatbuffers/flexbuffers.h>

#include <cmath>
#include <limits>
#include <vector>

#include "ir/detection_postprocess_attrs.h"

namespace outpost::tflite {
namespace {

constexpr const char* kOpName = "TFLite_Detection_PostProcess";

class OptionsReader {
 public:
  OptionsReader(flexbuffers::Map map, const std::string& where) : map_(map), where_(where) {}

  // An integer key in [min, max]; `fallback` when absent, or an error when it is nullptr.
  Result<int64_t> integer(const char* key, const int64_t* fallback, int64_t min,
                          int64_t max) const {
    const flexbuffers::Reference r = map_[key];
    if (r.IsNull()) {
      if (fallback) return *fallback;
      return missing(key);
    }
    if (!r.IsInt() && !r.IsUInt() && !r.IsBool()) return bad(key, "must be an integer");
    // Range-checked in 64 bits: TFLite's AsInt32 would silently wrap 2^32 + 5 to 5.
    const std::string range = ", expected " + std::to_string(min) + ".." + std::to_string(max);
    if (r.IsUInt() && r.AsUInt64() > static_cast<uint64_t>(max))
      return bad(key, "is " + std::to_string(r.AsUInt64()) + range);
    const int64_t v = r.IsUInt() ? static_cast<int64_t>(r.AsUInt64()) : r.AsInt64();
    if (v < min || v > max) return bad(key, "is " + std::to_string(v) + range);
    return v;
  }

  // A finite number (an integer is accepted, as TFLite's AsFloat converts it).
  Result<float> number(const char* key) const {
    const flexbuffers::Reference r = map_[key];
    if (r.IsNull()) return missing(key);
    if (!r.IsNumeric()) return bad(key, "must be a number");
    const double v = r.AsDouble();  // checked before narrowing: out-of-range narrowing is undefined
    if (!std::isfinite(v) || std::fabs(v) > std::numeric_limits<float>::max())
      return bad(key, "is not a finite float32");
    return static_cast<float>(v);
  }

  Status missing(const char* key) const {
    return invalid_model(where_ + ": custom option '" + key +
                         "' is missing; re-export the model with the TF Object Detection API's "
                         "export_tflite_ssd_graph or TFLite's converter");
  }
  Status bad(const char* key, const std::string& why) const {
    return invalid_model(where_ + ": custom option '" + key + "' " + why);
  }

 private:
  flexbuffers::Map map_;
  const std::string& where_;
};

Status read_counts(const OptionsReader& r, Attributes& attrs) {
  for (const char* key : {kDppMaxDetections, kDppMaxClassesPerDetection, kDppNumClasses}) {
    OUTPOST_ASSIGN_OR_RETURN(int64_t v, r.integer(key, nullptr, 1, kDppMaxCount));
    attrs.set(key, v);
  }
  OUTPOST_ASSIGN_OR_RETURN(
      int64_t per_class,
      r.integer(kDppDetectionsPerClass, &kDppDefaultDetectionsPerClass, 1, kDppMaxCount));
  attrs.set(kDppDetectionsPerClass, per_class);
  const int64_t no = 0;
  OUTPOST_ASSIGN_OR_RETURN(int64_t regular, r.integer(kDppUseRegularNms, &no, 0, 1));
  attrs.set(kDppUseRegularNms, regular);
  const int64_t rows =
      attrs.get_int(kDppMaxDetections, 0) * attrs.get_int(kDppMaxClassesPerDetection, 0);
  if (rows > kDppMaxOutputRows)
    return r.bad(kDppMaxClassesPerDetection, "times max_detections is " + std::to_string(rows) +
                                                 " output rows, more than " +
                                                 std::to_string(kDppMaxOutputRows));
  return Status::ok();
}

Status read_numbers(const OptionsReader& r, Attributes& attrs) {
  for (const char* key : {kDppYScale, kDppXScale, kDppHScale, kDppWScale}) {
    OUTPOST_ASSIGN_OR_RETURN(float v, r.number(key));
    if (v <= 0.0f) return r.bad(key, "is " + std::to_string(v) + ", expected a positive scale");
    attrs.set(key, v);
  }
  OUTPOST_ASSIGN_OR_RETURN(float score, r.number(kDppScoreThreshold));
  attrs.set(kDppScoreThreshold, score);
  OUTPOST_ASSIGN_OR_RETURN(float iou, r.number(kDppIouThreshold));
  if (iou < 0.0f || iou > 1.0f)
    return r.bad(kDppIouThreshold, "is " + std::to_string(iou) + ", expected 0..1");
  attrs.set(kDppIouThreshold, iou);
  return Status::ok();
}

}  // namespace

Status read_detection_postprocess_options(const uint8_t* bytes, size_t size, Attributes& attrs,
                                          const std::string& where) {
  if (!bytes || size == 0)
    return invalid_model(
        where + ": " + kOpName +
        " needs custom options (a FlexBuffer map with max_detections, "
        "max_classes_per_detection, num_classes, the NMS thresholds and the box scales)");
  // FlexBuffers reads scalars through typed pointers at offsets aligned relative to the buffer's
  // start; a copy gives them that alignment wherever the options sit in the file.
  const std::vector<uint8_t> copy(bytes, bytes + size);
  if (!flexbuffers::VerifyBuffer(copy.data(), copy.size()))
    return invalid_model(where +
                         ": custom options are not a valid FlexBuffer (truncated or corrupt)");
  const flexbuffers::Reference root = flexbuffers::GetRoot(copy.data(), copy.size());
  if (!root.IsMap()) return invalid_model(where + ": custom options are not a FlexBuffer map");
  const OptionsReader reader(root.AsMap(), where);
  OUTPOST_RETURN_IF_ERROR(read_counts(reader, attrs));
  return read_numbers(reader, attrs);
}

}  // namespace outpost::tflite
