#include "formats/model_outline.h"

#include "formats/model_format.h"

namespace outpost {

bool OutlineTensor::symbolic() const {
  for (const std::string& d : dims)
    if (d.empty() || d.find_first_not_of("0123456789") != std::string::npos) return true;
  return false;
}

std::string dims_text(const std::vector<std::string>& dims) {
  std::string s = "[";
  for (size_t k = 0; k < dims.size(); ++k) s += (k ? ", " : "") + dims[k];
  return s + "]";
}

void count_op(std::vector<OutlineOp>& ops, const std::string& op, int node, bool translated) {
  for (OutlineOp& o : ops)
    if (o.op == op) {
      ++o.count;
      return;
    }
  ops.push_back({op, 1, node, translated});
}

Result<ModelOutline> outline_model(const uint8_t* data, size_t size, const std::string& name) {
  OUTPOST_ASSIGN_OR_RETURN(const ModelFormat format, detect_model_format(data, size, name));
  return format == ModelFormat::kTflite ? outline_tflite(data, size, name)
                                        : outline_onnx(data, size, name);
}

}  // namespace outpost
