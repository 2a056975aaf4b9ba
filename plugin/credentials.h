/* credentials.h - where the AccessKey comes from, and keeping it secret.
 *
 * No option takes a secret (a command line is visible to every local user);
 * credentials come from the environment, as the official tools read them.
 *
 * Ownership: credentials_from_env() fills a struct whose strings it owns;
 * credentials_free() wipes and frees them on every path. */
#ifndef ECS_CREDENTIALS_H
#define ECS_CREDENTIALS_H

#include "fault.h"

/* Looks up an environment variable; getenv in the plugin, a table in tests. */
typedef const char *(*env_lookup_fn)(const char *name);

struct credentials {
	char *access_key_id;
	char *access_key_secret; /* secret: never printed, wiped on free */
	char *security_token;    /* secret too; NULL for a plain AccessKey */
	const char *source;      /* where they came from, for -vv (a static string) */
};

/* Read ALIBABA_CLOUD_ACCESS_KEY_ID / _SECRET / _SECURITY_TOKEN, falling back
 * to the legacy names the aliyun CLI also accepts (ALIBABACLOUD_*,
 * ALICLOUD_*, then bare ACCESS_KEY_ID / ACCESS_KEY_SECRET / SECURITY_TOKEN).
 * A lone id or a lone secret is an error that says which one is missing. */
int credentials_from_env(env_lookup_fn env, struct credentials *out, struct fault *f);
void credentials_free(struct credentials *c);

#endif
