/* credentials.c - see credentials.h. */
#include "config.h"

#include "credentials.h"

#include <string.h>

#include "util.h"

/* The aliyun CLI's lookup order for each value (aliyun-api.md §9.2). The
 * official SDKs read only the first name; the rest help hosts set up for
 * older tools. */
static const char *const id_names[] = { "ALIBABA_CLOUD_ACCESS_KEY_ID", "ALIBABACLOUD_ACCESS_KEY_ID",
					"ALICLOUD_ACCESS_KEY_ID", "ACCESS_KEY_ID", NULL };
static const char *const secret_names[] = { "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
					    "ALIBABACLOUD_ACCESS_KEY_SECRET",
					    "ALICLOUD_ACCESS_KEY_SECRET", "ACCESS_KEY_SECRET", NULL };
static const char *const token_names[] = { "ALIBABA_CLOUD_SECURITY_TOKEN",
					   "ALIBABACLOUD_SECURITY_TOKEN", "ALICLOUD_SECURITY_TOKEN",
					   "SECURITY_TOKEN", NULL };

/* First non-empty value among names; *which gets its name. */
static const char *lookup(env_lookup_fn env, const char *const *names, const char **which)
{
	for (; *names != NULL; names++) {
		const char *v = env(*names);
		if (v != NULL && *v != '\0') {
			*which = *names;
			return v;
		}
	}
	*which = NULL;
	return NULL;
}

int credentials_from_env(env_lookup_fn env, struct credentials *out, struct fault *f)
{
	const char *id, *secret, *token, *id_name, *secret_name, *token_name;

	memset(out, 0, sizeof(*out));
	id = lookup(env, id_names, &id_name);
	secret = lookup(env, secret_names, &secret_name);
	token = lookup(env, token_names, &token_name);
	(void)secret_name;
	(void)token_name;

	if (id == NULL && secret == NULL) {
		fault_set(f, FAULT_CREDENTIALS,
			  "no credentials: set ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET in the check's environment");
		return -1;
	}
	if (id == NULL) {
		fault_set(f, FAULT_CREDENTIALS,
			  "an AccessKey secret is set but no AccessKey id: set ALIBABA_CLOUD_ACCESS_KEY_ID");
		return -1;
	}
	if (secret == NULL) {
		fault_set(f, FAULT_CREDENTIALS,
			  "an AccessKey id is set but no secret: set ALIBABA_CLOUD_ACCESS_KEY_SECRET");
		return -1;
	}
	out->access_key_id = strdup(id);
	out->access_key_secret = strdup(secret);
	out->security_token = token ? strdup(token) : NULL;
	if (out->access_key_id == NULL || out->access_key_secret == NULL ||
	    (token != NULL && out->security_token == NULL)) {
		credentials_free(out);
		fault_set(f, FAULT_NOMEM, "out of memory while reading credentials");
		return -1;
	}
	out->source = strcmp(id_name, "ALIBABA_CLOUD_ACCESS_KEY_ID") == 0
			      ? "environment (ALIBABA_CLOUD_ACCESS_KEY_ID)"
			      : "environment (legacy variable names)";
	return 0;
}

void credentials_free(struct credentials *c)
{
	free_secret(c->access_key_id);
	free_secret(c->access_key_secret);
	free_secret(c->security_token);
	memset(c, 0, sizeof(*c));
}
