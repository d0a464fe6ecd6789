#include "pipeline/pipeline_spec.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <vector>

#include "core/checked_json.h"
#include "core/regular_file.h"
#include "vision/classification.h"

namespace outpost {
namespace {

using nlohmann::json;

constexpr size_t kMaxPipelineDepth = 32;

// 0.5, 1024, 1e+15: as a user would write the bound, not std::to_string's "1.000000".
std::string number_text(double x) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.16g", x);
  return text;
}

class SpecReader {
 public:
  SpecReader(std::string what, std::string base_dir)
      : what_(std::move(what)), base_(std::move(base_dir)) {}

  Status bad(const std::string& field, const std::string& why) const {
    return usage_error(what_ + ": '" + field + "' " + why + " (see docs/pipelines.md)");
  }
  Status check_keys(const json& object, const std::string& where,
                    const std::set<std::string>& allowed) const {
    for (const auto& [key, value] : object.items())
      if (!allowed.count(key)) {
        std::string list;
        for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
        return bad(where + key, "is not a known key here (known: " + list + ")");
      }
    return Status::ok();
  }
  Result<std::string> string_at(const json& object, const std::string& key,
                                const std::string& where, bool required) const {
    if (!object.contains(key)) {
      if (required) return bad(where + key, "is required");
      return std::string();
    }
    if (!object[key].is_string() || object[key].get<std::string>().empty())
      return bad(where + key, "must be a non-empty string");
    return object[key].get<std::string>();
  }
  // A number from lo to hi; `whole` also refuses fractions (counts and sizes). `where` is the
  // object's place in the file ("sinks[1]."), for the message.
  Result<double> number_at(const json& object, const std::string& key, double fallback, double lo,
                           double hi, bool whole = false, const std::string& where = "") const {
    if (!object.contains(key)) return fallback;
    const json& v = object[key];
    const std::string range = "from " + number_text(lo) + " to " + number_text(hi);
    const std::string kind = whole ? "a whole number " : "a number ";
    const std::string field = where + key;
    if (!v.is_number()) return bad(field, "must be " + kind + range + ", not " + v.dump());
    const double x = v.get<double>();
    if (whole && !(v.is_number_integer() || x == std::floor(x)))
      return bad(field, "must be " + kind + range + ", not " + v.dump());
    if (!(x >= lo && x <= hi))
      return bad(field, "must be " + (whole ? kind : std::string()) + range + ", not " + v.dump());
    return x;
  }
  std::string path(const std::string& p) const {
    if (p == "-" || p.find("://") != std::string::npos || std::filesystem::path(p).is_absolute())
      return p;
    return (std::filesystem::path(base_) / p).lexically_normal().string();
  }

 private:
  std::string what_, base_;
};

}  // namespace

Result<PipelineSpec> parse_pipeline_spec(const std::string& json_text, const std::string& base_dir,
                                         const std::string& what) {
  const SpecReader r(what, base_dir);
  // A key given twice is a mistake whichever one was meant (core/checked_json.h).
  JsonParseError error;
  std::optional<json> parsed = parse_checked_json(json_text, kMaxPipelineDepth, &error);
  if (!parsed) {
    if (error.kind == JsonParseError::Kind::kSyntax) return usage_error(what + ": not valid JSON");
    if (error.kind == JsonParseError::Kind::kDuplicateKey)
      return r.bad(error.path, "appears twice; give each key once");
    return r.bad(error.path, error.message);
  }
  const json doc = std::move(*parsed);
  if (!doc.is_object()) return usage_error(what + ": a pipeline is one JSON object");
  OUTPOST_RETURN_IF_ERROR(r.check_keys(doc, "", {"source", "model", "task", "min_score", "threshold",
                                                 "input_range", "top_k", "labels", "preprocess",
                                                 "sinks", "queue_size", "max_frames"}));
  PipelineSpec spec;
  // source: "PATH" or {"type": "images"|"video", "path": PATH} or
  // {"type": "stream"|"rtsp", "url": URL, "reconnect_timeout": S} or
  // {"type": "camera", "device": DEVICE, "reconnect_timeout": S}
  if (!doc.contains("source")) return r.bad("source", "is required");
  const json& source = doc["source"];
  if (source.is_string()) {
    spec.source = r.path(source.get<std::string>());
    spec.source_kind = guess_source_kind(spec.source);
  } else if (source.is_object()) {
    OUTPOST_ASSIGN_OR_RETURN(std::string type, r.string_at(source, "type", "source.", true));
    if (type == "images" || type == "video") {
      OUTPOST_RETURN_IF_ERROR(r.check_keys(source, "source.", {"type", "path"}));
      OUTPOST_ASSIGN_OR_RETURN(std::string p, r.string_at(source, "path", "source.", true));
      spec.source = r.path(p);
      spec.source_kind = type == "images" ? SourceKind::kImages : SourceKind::kVideo;
    } else if (type == "stream" || type == "rtsp") {
      OUTPOST_RETURN_IF_ERROR(
          r.check_keys(source, "source.", {"type", "url", "reconnect_timeout"}));
      OUTPOST_ASSIGN_OR_RETURN(spec.source, r.string_at(source, "url", "source.", true));
      spec.source_kind = SourceKind::kStream;
    } else if (type == "camera") {
      OUTPOST_RETURN_IF_ERROR(
          r.check_keys(source, "source.", {"type", "device", "reconnect_timeout"}));
      OUTPOST_ASSIGN_OR_RETURN(std::string device, r.string_at(source, "device", "source.", false));
      spec.source = device.empty() ? "/dev/video0" : device;
      spec.source_kind = SourceKind::kCamera;
    } else {
      return r.bad("source.type",
                   "must be images, video, stream (or rtsp) or camera, not '" + type + "'");
    }
    if (source.contains("reconnect_timeout")) {
      const json& t = source["reconnect_timeout"];
      if (!t.is_number() || !(t.get<double>() >= 0 && t.get<double>() <= 1e9))
        return r.bad("source.reconnect_timeout", "must be a number of seconds, 0 or more");
      spec.reconnect_timeout = t.get<double>();
    }
  } else {
    return r.bad("source", "must be a path or an object {type, path | url | device}");
  }
  OUTPOST_ASSIGN_OR_RETURN(std::string model, r.string_at(doc, "model", "", true));
  spec.model = r.path(model);
  OUTPOST_ASSIGN_OR_RETURN(std::string task, r.string_at(doc, "task", "", true));
  auto kind = parse_task_kind(task);
  if (!kind.is_ok()) return r.bad("task", "must be faces, segmentation, classification or landmarks");
  spec.task.kind = *kind;
  // -1: the task's own default (TaskOptions); a user gives a score from 0 to 1.
  OUTPOST_ASSIGN_OR_RETURN(double min_score, r.number_at(doc, "min_score", -1, 0, 1));
  spec.task.min_score = static_cast<float>(min_score);
  OUTPOST_ASSIGN_OR_RETURN(double threshold, r.number_at(doc, "threshold", 0.5, 0, 1));
  spec.task.threshold = static_cast<float>(threshold);
  OUTPOST_ASSIGN_OR_RETURN(double top_k, r.number_at(doc, "top_k", 5, 1, 1000, true));
  spec.task.top_k = static_cast<int>(top_k);
  OUTPOST_ASSIGN_OR_RETURN(std::string range, r.string_at(doc, "input_range", "", false));
  if (!range.empty() && range != "0,1" && range != "-1,1")
    return r.bad("input_range", "must be \"0,1\" or \"-1,1\"");
  spec.task.input_zero_to_one = range != "-1,1";
  OUTPOST_ASSIGN_OR_RETURN(std::string labels, r.string_at(doc, "labels", "", false));
  if (!labels.empty()) {
    OUTPOST_ASSIGN_OR_RETURN(spec.task.labels, load_labels(r.path(labels)));
  }
  if (doc.contains("preprocess")) {  // adjusts the task's own preprocessing
    OUTPOST_ASSIGN_OR_RETURN(spec.task.preprocess,
                             parse_preprocess(doc["preprocess"], what, default_preprocess(spec.task)));
  }
  OUTPOST_ASSIGN_OR_RETURN(double queue, r.number_at(doc, "queue_size", 4, 1, 1024, true));
  spec.queue_size = static_cast<size_t>(queue);
  OUTPOST_ASSIGN_OR_RETURN(double max_frames, r.number_at(doc, "max_frames", -1, 1, 1e15, true));
  spec.max_frames = static_cast<int64_t>(max_frames);

  // sinks: [{"type": "jsonl", "path": "-"}, {"type": "images", "dir": "out", "format": "jpg"},
  //         {"type": "video", "path": "out.mp4"}]
  if (!doc.contains("sinks")) {
    spec.sinks.push_back({SinkSpec::Kind::kJsonLines, "-", "png"});
    return spec;
  }
  if (!doc["sinks"].is_array()) return r.bad("sinks", "must be an array");
  // A pipeline that writes nothing anywhere runs the model for nothing.
  if (doc["sinks"].empty())
    return r.bad("sinks",
                 "lists no sink: give at least one (or leave 'sinks' out for JSON "
                 "lines on stdout)");
  for (size_t i = 0; i < doc["sinks"].size(); ++i) {
    const json& s = doc["sinks"][i];
    const std::string where = "sinks[" + std::to_string(i) + "].";
    if (!s.is_object()) return r.bad(where.substr(0, where.size() - 1), "must be an object");
    OUTPOST_ASSIGN_OR_RETURN(std::string type, r.string_at(s, "type", where, true));
    const std::map<std::string, std::set<std::string>> keys_of_type = {
        {"jsonl", {"type", "path"}},
        {"images", {"type", "dir", "format"}},
        {"video", {"type", "path"}},
        {"uplink", {"type", "socket", "metrics_interval_s", "max_pending"}}};
    if (const auto keys = keys_of_type.find(type); keys != keys_of_type.end())
      OUTPOST_RETURN_IF_ERROR(r.check_keys(s, where, keys->second));
    SinkSpec sink;
    if (type == "jsonl") {
      sink.kind = SinkSpec::Kind::kJsonLines;
      OUTPOST_ASSIGN_OR_RETURN(std::string p, r.string_at(s, "path", where, false));
      sink.path = p.empty() ? "-" : r.path(p);
    } else if (type == "images") {
      sink.kind = SinkSpec::Kind::kImages;
      OUTPOST_ASSIGN_OR_RETURN(std::string dir, r.string_at(s, "dir", where, true));
      sink.path = r.path(dir);
      OUTPOST_ASSIGN_OR_RETURN(std::string format, r.string_at(s, "format", where, false));
      if (!format.empty() && format != "png" && format != "jpg")
        return r.bad(where + "format", "must be png or jpg");
      if (!format.empty()) sink.format = format;
    } else if (type == "video") {
      sink.kind = SinkSpec::Kind::kVideo;
      OUTPOST_ASSIGN_OR_RETURN(std::string p, r.string_at(s, "path", where, true));
      std::string ext = std::filesystem::path(p).extension().string();
      std::transform(ext.begin(), ext.end(), ext.begin(),
                     [](unsigned char c) { return std::tolower(c); });
      if (ext != ".mp4" && ext != ".mkv" && ext != ".avi")
        return r.bad(where + "path", "must end in .mp4, .mkv or .avi (the video container)");
      sink.path = r.path(p);
    } else if (type == "uplink") {
      sink.kind = SinkSpec::Kind::kUplink;
      OUTPOST_ASSIGN_OR_RETURN(std::string socket, r.string_at(s, "socket", where, false));
      if (!socket.empty()) sink.path = r.path(socket);
      OUTPOST_ASSIGN_OR_RETURN(sink.metrics_interval_s,
                               r.number_at(s, "metrics_interval_s", 60, 0, 86400, false, where));
      OUTPOST_ASSIGN_OR_RETURN(double max_pending,
                               r.number_at(s, "max_pending", 10000, 1, 10000000, true, where));
      sink.max_pending = static_cast<size_t>(max_pending);
    } else {
      return r.bad(where + "type", "must be jsonl, images, video or uplink, not '" + type + "'");
    }
    spec.sinks.push_back(sink);
  }
  return spec;
}

Result<PipelineSpec> load_pipeline_spec(const std::string& path) {
  // A regular file only, checked on the open descriptor: a FIFO would block the read forever.
  OUTPOST_ASSIGN_OR_RETURN(const std::string text, read_regular_file(path));
  const std::string dir = std::filesystem::path(path).parent_path().string();
  return parse_pipeline_spec(text, dir.empty() ? "." : dir, path);
}

}  // namespace outpost
