/* Outpost's C API in one program: open a TFLite or ONNX model, print its inputs and outputs
 * (name, dtype, shape, quantization), fill each input with a fixed pattern (or zeros where a
 * file is not given), run it, print the first values of each output, and where the model
 * has one score vector, its top class.
 *
 *   outpost_c_example MODEL [--threads N] [--profile]
 *
 * Exit status: 0, or the outpost_status_code of the first failure (the CLI's exit codes). */
#include <outpost/outpost.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(outpost_status* status, const char* doing) {
  const int code = (int)outpost_status_code_of(status);
  fprintf(stderr, "run_model: %s: %s (%s)\n", doing, outpost_status_message(status),
          outpost_status_code_name(outpost_status_code_of(status)));
  outpost_status_free(status);
  return code;
}

static void print_tensor(const char* kind, size_t i, const outpost_tensor* t) {
  size_t d;
  printf("%s %zu: '%s' %s [", kind, i, outpost_tensor_name(t),
         outpost_dtype_name(outpost_tensor_dtype(t)));
  for (d = 0; d < outpost_tensor_rank(t); ++d)
    printf("%s%lld", d ? ", " : "", (long long)outpost_tensor_dim(t, d));
  printf("]");
  if (outpost_tensor_quant_count(t) == 1)
    printf(" scale=%g zero_point=%lld", outpost_tensor_quant_scales(t)[0],
           (long long)outpost_tensor_quant_zero_points(t)[0]);
  else if (outpost_tensor_quant_count(t) > 1)
    printf(" per-channel(%zu) axis=%d", outpost_tensor_quant_count(t), outpost_tensor_quant_axis(t));
  printf("\n");
}

/* A deterministic pattern, the same for every run: each byte i is (i * 7) mod 251; float
 * inputs get values in [0, 1). */
static void fill_input(outpost_tensor* t) {
  unsigned char* bytes = (unsigned char*)outpost_tensor_mutable_data(t);
  const size_t size = outpost_tensor_byte_size(t);
  size_t i;
  if (outpost_tensor_dtype(t) == OUTPOST_FLOAT32) {
    float* values = (float*)bytes;
    for (i = 0; i < size / sizeof(float); ++i) values[i] = (float)((i * 7) % 251) / 251.0f;
    return;
  }
  for (i = 0; i < size; ++i) bytes[i] = (unsigned char)((i * 7) % 251);
}

/* Output values as floats, dequantized where the output is quantized. */
static double value_at(const outpost_tensor* t, size_t i) {
  const void* data = outpost_tensor_data(t);
  double q;
  switch (outpost_tensor_dtype(t)) {
    case OUTPOST_FLOAT32: return ((const float*)data)[i];
    case OUTPOST_UINT8: q = ((const unsigned char*)data)[i]; break;
    case OUTPOST_INT8: q = ((const signed char*)data)[i]; break;
    case OUTPOST_INT32: q = ((const int*)data)[i]; break;
    case OUTPOST_INT64: q = (double)((const long long*)data)[i]; break;
    default: return 0;
  }
  if (outpost_tensor_quant_count(t) == 1)
    return outpost_tensor_quant_scales(t)[0] * (q - (double)outpost_tensor_quant_zero_points(t)[0]);
  return q;
}

static size_t element_count(const outpost_tensor* t) {
  size_t n = 1, d;
  for (d = 0; d < outpost_tensor_rank(t); ++d) n *= (size_t)outpost_tensor_dim(t, d);
  return n;
}

int main(int argc, char** argv) {
  outpost_session_options* options;
  outpost_session* session = NULL;
  outpost_status* status;
  int profile = 0, a;
  size_t i;
  if (argc < 2) {
    fprintf(stderr, "usage: %s MODEL [--threads N] [--profile]   (outpost %s)\n", argv[0],
            outpost_version());
    return 2;
  }
  options = outpost_session_options_create();
  for (a = 2; a < argc; ++a) {
    if (strcmp(argv[a], "--threads") == 0 && a + 1 < argc) {
      status = outpost_session_options_set_threads(options, atoi(argv[++a]));
      if (status) return fail(status, "--threads");
    } else if (strcmp(argv[a], "--profile") == 0) {
      profile = 1;
    } else {
      fprintf(stderr, "run_model: unknown argument '%s'\n", argv[a]);
      return 2;
    }
  }
  status = outpost_session_open(argv[1], options, &session);
  outpost_session_options_free(options);
  if (status) return fail(status, argv[1]);

  for (i = 0; i < outpost_session_input_count(session); ++i) {
    outpost_tensor* input = outpost_session_input(session, i);
    print_tensor("input", i, input);
    fill_input(input);
  }
  status = outpost_session_run(session);
  if (status) {
    outpost_session_free(session);
    return fail(status, "run");
  }
  for (i = 0; i < outpost_session_output_count(session); ++i) {
    const outpost_tensor* output = outpost_session_output(session, i);
    const size_t n = element_count(output);
    size_t k, best = 0;
    print_tensor("output", i, output);
    printf("  first values:");
    for (k = 0; k < n && k < 5; ++k) printf(" %.6g", value_at(output, k));
    printf("\n");
    for (k = 1; k < n; ++k)
      if (value_at(output, k) > value_at(output, best)) best = k;
    if (n > 1) printf("  largest: element %zu = %.6g\n", best, value_at(output, best));
  }
  if (profile) {
    outpost_profile* p = NULL;
    status = outpost_session_profile(session, 10, &p);
    if (status) {
      outpost_session_free(session);
      return fail(status, "profile");
    }
    for (i = 0; i < outpost_profile_count(p); ++i)
      printf("profile: %-24s %-8s %3d node(s) %8.3f ms\n", outpost_profile_op(p, i),
             outpost_profile_backend(p, i), outpost_profile_nodes(p, i), outpost_profile_ms(p, i));
    outpost_profile_free(p);
  }
  outpost_session_free(session);
  return 0;
}
