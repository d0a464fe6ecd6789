#include "optimize/sample_files.h"

#include <algorithm>
#include <filesystem>

#include "core/npy.h"
#include "vision/image_io.h"

namespace outpost::optimize {
namespace {

std::string lower_extension(const std::filesystem::path& p) {
  std::string e = p.extension().string();
  std::transform(e.begin(), e.end(), e.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return e;
}

bool sample_extension(const std::string& e) {
  return e == ".npy" || e == ".png" || e == ".jpg" || e == ".jpeg" || e == ".bmp";
}

}  // namespace

Result<std::vector<std::string>> sample_files(const std::vector<std::string>& paths, const std::string& flag) {
  std::vector<std::string> files;
  for (const std::string& path : paths) {
    std::error_code ec;
    const auto status = std::filesystem::status(path, ec);
    if (std::filesystem::is_directory(status)) {
      std::vector<std::string> found;
      for (const auto& entry : std::filesystem::directory_iterator(path, ec))
        if (entry.is_regular_file() && sample_extension(lower_extension(entry.path())))
          found.push_back(entry.path().string());
      if (ec) return io_error(flag + ": cannot list '" + path + "': " + ec.message());
      std::sort(found.begin(), found.end());
      files.insert(files.end(), found.begin(), found.end());
    } else if (std::filesystem::is_regular_file(status)) {
      files.push_back(path);
    } else {
      return usage_error(flag + ": '" + path + "' is not a file or a directory");
    }
  }
  if (files.empty())
    return usage_error(flag + ": no .npy, PNG, JPEG or BMP files in " + (paths.empty() ? "(nothing given)" : paths[0]));
  return files;
}

Result<Sample> read_sample(const std::string& path, Session& session, const ImageToTensorOptions& image_options) {
  Sample sample;
  sample.source = path;
  if (session.num_inputs() != 1)
    return shape_mismatch(path + ": the model has " + std::to_string(session.num_inputs()) +
                          " inputs; a calibration file fills a model of one input");
  if (lower_extension(path) == ".npy") {
    OUTPOST_ASSIGN_OR_RETURN(Tensor t, load_npy(path));
    if (t.dtype() != session.input(0).dtype())
      return shape_mismatch(path + ": " + dtype_name(t.dtype()) + " where the model's input is " +
                            dtype_name(session.input(0).dtype()));
    sample.inputs.push_back(std::move(t));
    return sample;
  }
  OUTPOST_ASSIGN_OR_RETURN(Image image, load_image(path));
  const Tensor& input = session.input(0);
  OUTPOST_ASSIGN_OR_RETURN(Tensor t, Tensor::allocate(input.dtype(), input.shape()));
  Status s = image_to_tensor(image, t, image_options);
  if (!s.is_ok()) return s.with_context(path);
  sample.inputs.push_back(std::move(t));
  return sample;
}

}  // namespace outpost::optimize
