// The JSON form of the Preprocess spec (vision/preprocess.h), shared by pipeline files and
// bundle metadata.
#include <cmath>
#include <map>
#include <set>

#include "vision/preprocess.h"

namespace outpost {
namespace {

using nlohmann::json;

template <typename Enum>
Result<Enum> pick(const json& object, const char* key, const std::map<std::string, Enum>& names,
                  Enum fallback, const std::string& what) {
  if (!object.contains(key)) return fallback;
  std::string list;
  for (const auto& [name, value] : names) list += (list.empty() ? "" : ", ") + name;
  const json& v = object[key];
  if (v.is_string()) {
    auto it = names.find(v.get<std::string>());
    if (it != names.end()) return it->second;
  }
  return usage_error(what + ": preprocess '" + key + "' must be one of " + list);
}

// A number, or an array of three, each within [lo, hi].
Result<std::array<float, 3>> triple(const json& object, const char* key,
                                    std::array<float, 3> fallback, double lo, double hi,
                                    const std::string& what) {
  if (!object.contains(key)) return fallback;
  const json& v = object[key];
  const Status bad = usage_error(what + ": preprocess '" + key +
                                 "' must be a number or [r, g, b], each in [" + json(lo).dump() +
                                 ", " + json(hi).dump() + "]");
  std::array<float, 3> out{};
  if (v.is_number()) {
    out.fill(v.get<float>());
  } else if (v.is_array() && v.size() == 3) {
    for (size_t i = 0; i < 3; ++i) {
      if (!v[i].is_number()) return bad;
      out[i] = v[i].get<float>();
    }
  } else {
    return bad;
  }
  for (float x : out)
    if (!(x >= lo && x <= hi)) return bad;
  return out;
}

}  // namespace

Result<Preprocess> parse_preprocess(const json& object, const std::string& what, Preprocess base) {
  if (!object.is_object()) return usage_error(what + ": 'preprocess' must be an object");
  static const std::set<std::string> known{"fit", "resize", "pad", "channels", "layout", "mean", "std"};
  for (const auto& [key, value] : object.items())
    if (!known.count(key))
      return usage_error(what + ": preprocess key '" + key +
                         "' is not known (fit, resize, pad, channels, layout, mean, std)");
  Preprocess p = base;
  OUTPOST_ASSIGN_OR_RETURN(p.fit, pick<FitMode>(object, "fit",
                                                {{"stretch", FitMode::kStretch},
                                                 {"crop", FitMode::kCenterCrop},
                                                 {"letterbox", FitMode::kLetterbox}},
                                                p.fit, what));
  OUTPOST_ASSIGN_OR_RETURN(p.filter, pick<ResizeFilter>(object, "resize",
                                                        {{"bilinear", ResizeFilter::kBilinear},
                                                         {"area", ResizeFilter::kArea},
                                                         {"nearest", ResizeFilter::kNearest}},
                                                        p.filter, what));
  OUTPOST_ASSIGN_OR_RETURN(bool bgr, pick<bool>(object, "channels", {{"rgb", false}, {"bgr", true}},
                                                p.bgr, what));
  p.bgr = bgr;
  OUTPOST_ASSIGN_OR_RETURN(p.layout, pick<ImageLayout>(object, "layout",
                                                       {{"auto", ImageLayout::kAuto},
                                                        {"nhwc", ImageLayout::kNhwc},
                                                        {"nchw", ImageLayout::kNchw}},
                                                       p.layout, what));
  const std::array<float, 3> pad_now{static_cast<float>(p.pad[0]), static_cast<float>(p.pad[1]),
                                     static_cast<float>(p.pad[2])};
  OUTPOST_ASSIGN_OR_RETURN(auto pad, triple(object, "pad", pad_now, 0, 255, what));
  for (int c = 0; c < 3; ++c) p.pad[c] = static_cast<uint8_t>(std::lround(pad[c]));
  OUTPOST_ASSIGN_OR_RETURN(p.mean, triple(object, "mean", p.mean, -1e6, 1e6, what));
  OUTPOST_ASSIGN_OR_RETURN(p.std, triple(object, "std", p.std, 1e-6, 1e6, what));
  return p;
}

}  // namespace outpost
