/* Outpost's C API for signed, encrypted model bundles (docs/c-api.md, "Bundles";
 * docs/security.md): load a model or bundle under a trust policy, and verify a bundle as
 * `outpost verify` does. In a library built with bundles (OUTPOST_WITH_BUNDLES, the default);
 * the conventions are those of outpost/outpost.h. */
#ifndef OUTPOST_OUTPOST_BUNDLE_H_
#define OUTPOST_OUTPOST_BUNDLE_H_

#include "outpost/outpost.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Which models load: the publishers trusted, this device's key, and the checks on names and
 * versions. A policy with no trust directory loads a plain model as it is and refuses a bundle
 * (nothing to check its signature with). */
typedef struct outpost_trust_policy outpost_trust_policy;
/* What was loaded or verified, and who vouches for it. */
typedef struct outpost_model_info outpost_model_info;

outpost_trust_policy* outpost_trust_policy_create(void); /* NULL when out of memory */
void outpost_trust_policy_free(outpost_trust_policy* policy);
/* The trusted publishers: a directory of `.pub` keys (`outpost keygen --publisher`), owned by
 * root or the user and not writable by others (OUTPOST_UNTRUSTED otherwise). With one, only
 * bundles they signed load. */
outpost_status* outpost_trust_policy_set_trust_dir(outpost_trust_policy* policy, const char* dir);
/* This device's secret key (`outpost keygen --device`), to decrypt bundles encrypted for it. */
outpost_status* outpost_trust_policy_set_device_key(outpost_trust_policy* policy, const char* path);
/* Refuse a bundle whose signed name differs (and a plain model, which has none). */
outpost_status* outpost_trust_policy_set_expect_name(outpost_trust_policy* policy, const char* name);
/* Anti-rollback: the highest version of each bundle name loaded is kept in `dir`; an older one
 * is OUTPOST_TOO_OLD unless downgrades are allowed. */
outpost_status* outpost_trust_policy_set_state_dir(outpost_trust_policy* policy, const char* dir);
/* Development only: with a trust directory, load a plain model anyway (logged every time). */
outpost_status* outpost_trust_policy_allow_unsigned(outpost_trust_policy* policy, int allow);
outpost_status* outpost_trust_policy_allow_downgrade(outpost_trust_policy* policy, int allow);

/* Loads the model or bundle at `path` under `policy` (NULL: no trust directory) into a
 * session. `info` may be NULL; otherwise it receives what vouches for the model (free it with
 * outpost_model_info_free). On failure *session (and *info) are NULL. */
outpost_status* outpost_session_open_trusted(const char* path, const outpost_trust_policy* policy,
                                             const outpost_session_options* options,
                                             outpost_session** session, outpost_model_info** info);

/* Verifies the bundle at `path` as `outpost verify` does: structure, trusted publisher,
 * signature, metadata, hashes, and, when it can be decrypted (or is not encrypted), its golden
 * vectors run and compared. Each failure has its own code (OUTPOST_UNTRUSTED,
 * OUTPOST_BAD_SIGNATURE, OUTPOST_DECRYPT_FAILED, OUTPOST_GOLDEN_MISMATCH, ...). `policy` must
 * have a trust directory. `info` may be NULL. */
outpost_status* outpost_bundle_verify(const char* path, const outpost_trust_policy* policy,
                                      outpost_model_info** info);

int outpost_model_info_is_bundle(const outpost_model_info* info); /* 0: a plain model file */
const char* outpost_model_info_name(const outpost_model_info* info);      /* signed; "" if plain */
const char* outpost_model_info_version(const outpost_model_info* info);   /* "1.2.0" */
const char* outpost_model_info_publisher(const outpost_model_info* info); /* the trust store's name */
int outpost_model_info_encrypted(const outpost_model_info* info);
/* Whether the golden vectors were run and matched (verify with the model available). */
int outpost_model_info_golden_checked(const outpost_model_info* info);
size_t outpost_model_info_label_count(const outpost_model_info* info);
const char* outpost_model_info_label(const outpost_model_info* info, size_t i); /* "" out of range */
void outpost_model_info_free(outpost_model_info* info);

#ifdef __cplusplus
}
#endif

#endif /* OUTPOST_OUTPOST_BUNDLE_H_ */
