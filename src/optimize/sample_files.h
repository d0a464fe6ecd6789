// Calibration and held-out inputs read from files for `outpost optimize`: .npy tensors, or images
// (PNG, JPEG, BMP) made into the model's input tensor as `classify` makes them (resized,
// normalized with mean and std, laid out NHWC or NCHW).
#pragma once

#include <string>
#include <vector>

#include "optimize/sample.h"
#include "outpost/session.h"
#include "vision/image_tensor.h"

namespace outpost::optimize {

// The files `paths` name, in order: a directory stands for its .npy, .png, .jpg, .jpeg and .bmp
// files (sorted by name, not recursive), a file for itself. kUsage when a path is neither, and
// when nothing is left.
Result<std::vector<std::string>> sample_files(const std::vector<std::string>& paths, const std::string& flag);

// One sample per file for `session`'s inputs: a .npy file is the tensor of a model with one input
// (its dtype and shape as the model's, which it may resize where the model lets it); an image is
// the model's one input. kShapeMismatch naming the file otherwise.
Result<Sample> read_sample(const std::string& path, Session& session, const ImageToTensorOptions& image_options);

}  // namespace outpost::optimize
