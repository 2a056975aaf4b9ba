/* credentials.h - where the AccessKey comes from, and keeping it secret.
 *
 * No option takes a secret (a command line is visible to every local user).
 * credentials_find() looks where the official SDKs and the aliyun CLI look,
 * in their order (product.md §7), and says what it found as a struct
 * cred_spec: keys, or a role to turn into keys (roles.h does that over the
 * network). It reads the environment and credential files, nothing else.
 *
 * Ownership: credentials own their strings; credentials_free() wipes and
 * frees them. */
#ifndef ECS_CREDENTIALS_H
#define ECS_CREDENTIALS_H

#include <stdbool.h>

#include "fault.h"
#include "profiles.h"

/* Looks up an environment variable; getenv in the plugin, a table in tests. */
typedef const char *(*env_lookup_fn)(const char *name);

/* Keys a request can be signed with. */
struct credentials {
	char *access_key_id;
	char *access_key_secret; /* secret: never printed, wiped on free */
	char *security_token;    /* secret too; NULL for a plain AccessKey */
	char *expiration;        /* of temporary keys, or NULL */
	char source[640];        /* where they came from, for -vv (never a secret) */
};

/* What the command line asked for. */
struct cred_query {
	env_lookup_fn env;
	const char *profile;  /* --profile NAME, or NULL */
	const char *ram_role; /* --ram-role NAME, or NULL */
	/* No region yet (neither -r nor ALIBABA_CLOUD_REGION_ID...): take the
	 * region_id of the CLI profile in use, whatever gave the keys. */
	bool want_region;
};

/* Walk the chain:
 *   1. --profile (CLI config, then INI file) or --ram-role: an explicit
 *      choice wins;
 *   2. the environment (ALIBABA_CLOUD_ACCESS_KEY_ID/_SECRET/_SECURITY_TOKEN
 *      and the legacy names the aliyun CLI accepts);
 *   3. ~/.aliyun/config.json: profile ALIBABA_CLOUD_PROFILE, else "current";
 *   4. ALIBABA_CLOUD_CREDENTIALS_FILE or ~/.alibabacloud/credentials:
 *      section ALIBABA_CLOUD_PROFILE, else "default";
 *   5. ALIBABA_CLOUD_ECS_METADATA=ROLE: the ECS instance RAM role.
 * The metadata service is only used when asked for (5, a profile of that
 * type, or --ram-role), so a host outside ECS never waits on it.
 * With q->want_region, out->region is the region_id of the CLI profile in
 * use (q->profile, else ALIBABA_CLOUD_PROFILE, else "current") when the
 * keys' own source has none, unless the CLI file is disabled; that file is
 * then judged as for keys (a loose one is refused).
 * Returns 0 with *out filled, or -1 (FAULT_CREDENTIALS/FAULT_USAGE), *out
 * empty, when a source is broken or none has credentials. */
int credentials_find(const struct cred_query *q, struct cred_spec *out, struct fault *f);

/* Copy the keys of an AccessKey or StsToken spec. */
int credentials_from_spec(const struct cred_spec *spec, struct credentials *out, struct fault *f);

void credentials_free(struct credentials *c);

#endif
