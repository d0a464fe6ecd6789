/* The C API compiled as C (C99, this file): its header is valid C, and a C caller can open a
 * model from memory, fill its inputs, run it and read its outputs. Called by c_session_test.cc. */
#include <outpost/outpost.h>

#include <string.h>

/* Runs the float add model in `model` (out = in0 + in1, [1, 2, 2, 1] each) on 1..4 and 10..40;
 * writes the four sums to `sums`. Returns 0, or the failing status code. */
int outpost_test_add_from_c(const void* model, size_t size, float sums[4]) {
  const float a[4] = {1, 2, 3, 4}, b[4] = {10, 20, 30, 40};
  outpost_session* session = NULL;
  outpost_session_options* options = outpost_session_options_create();
  outpost_status* status = outpost_session_options_set_threads(options, 1);
  const outpost_tensor* out;
  int code;
  if (status == NULL) status = outpost_session_open_buffer(model, size, "add.tflite", options, &session);
  outpost_session_options_free(options);
  if (status == NULL) status = outpost_session_set_input(session, 0, a, sizeof(a));
  if (status == NULL) status = outpost_session_set_input(session, 1, b, sizeof(b));
  if (status == NULL) status = outpost_session_run(session);
  if (status != NULL) {
    code = (int)outpost_status_code_of(status);
    outpost_status_free(status);
    outpost_session_free(session);
    return code;
  }
  out = outpost_session_output(session, 0);
  if (outpost_tensor_dtype(out) != OUTPOST_FLOAT32 || outpost_tensor_byte_size(out) != sizeof(float) * 4) {
    outpost_session_free(session);
    return -1;
  }
  memcpy(sums, outpost_tensor_data(out), sizeof(float) * 4);
  outpost_session_free(session);
  return 0;
}
