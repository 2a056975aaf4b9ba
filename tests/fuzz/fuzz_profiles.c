/* fuzz_profiles.c - fuzz target: one credentials file through both parsers
 * of profiles.h, the aliyun CLI's config.json and the SDKs' INI file, each
 * asked for the file's own choice (current / [default]) and for a named
 * profile.
 *
 * The text is passed as the exact bytes the fuzzer made, without a NUL after
 * them: the parsers take a length, and the INI one promises to stay within
 * it. Besides memory safety, the target checks what profiles.h promises: one
 * of the three results; a failure that says why and leaves the spec empty;
 * a found profile whose kind has every field it needs. */
#include "config.h"

#include <stdbool.h>
#include <string.h>

#include "fuzz.h"
#include "profiles.h"

/* The name the README's examples use for a second profile. */
#define NAMED "assumed"

static bool set(const char *s)
{
	return s != NULL && s[0] != '\0';
}

/* Field by field: struct assignment need not copy padding. */
static bool spec_empty(const struct cred_spec *s)
{
	return s->kind == CRED_NONE && s->access_key_id == NULL && s->access_key_secret == NULL &&
	       s->security_token == NULL && s->role_name == NULL && s->role_arn == NULL &&
	       s->session_name == NULL && s->policy == NULL && s->sts_region == NULL &&
	       s->region == NULL && s->duration_s == 0 && s->source[0] == '\0';
}

/* The tools read "" as "not set", so a spec never holds an empty string. */
static bool no_empty_strings(const struct cred_spec *s)
{
	const char *const fields[] = { s->access_key_id, s->access_key_secret, s->security_token,
				       s->role_name,	 s->role_arn,	       s->session_name,
				       s->policy,	 s->sts_region,	       s->region };

	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (fields[i] != NULL && fields[i][0] == '\0')
			return false;
	return true;
}

static const char *check_found(const struct cred_spec *s)
{
	if (s->source[0] == '\0' || memchr(s->source, '\0', sizeof(s->source)) == NULL)
		return "a found profile does not say where it came from";
	if (!no_empty_strings(s))
		return "a found profile holds an empty string";
	switch (s->kind) {
	case CRED_ACCESS_KEY:
		if (!set(s->access_key_id) || !set(s->access_key_secret) || s->security_token != NULL)
			return "an AccessKey profile without exactly an id and a secret";
		break;
	case CRED_STS_TOKEN:
		if (!set(s->access_key_id) || !set(s->access_key_secret) || !set(s->security_token))
			return "an StsToken profile without id, secret and token";
		break;
	case CRED_RAM_ROLE_ARN:
		if (!set(s->access_key_id) || !set(s->access_key_secret) || !set(s->role_arn))
			return "a RamRoleArn profile without id, secret and role ARN";
		if (s->duration_s != 0 && (s->duration_s < 900 || s->duration_s > 43200))
			return "a RamRoleArn profile with a duration STS refuses";
		break;
	case CRED_ECS_RAM_ROLE:
		if (s->access_key_id != NULL || s->access_key_secret != NULL ||
		    s->security_token != NULL)
			return "an ECS RAM role profile that carries keys";
		break;
	case CRED_NONE:
	default:
		return "a found profile of no known kind";
	}
	return NULL;
}

static const char *check_result(int rc, const struct cred_spec *s, const struct fault *f)
{
	switch (rc) {
	case PROFILE_FOUND:
		return check_found(s);
	case PROFILE_ABSENT:
		return spec_empty(s) ? NULL : "an absent profile left the spec filled";
	case PROFILE_ERROR:
		if (f->klass == FAULT_NONE || f->text[0] == '\0')
			return "a refused file without a fault";
		return spec_empty(s) ? NULL : "a refused file left the spec filled";
	default:
		return "a result that is not FOUND, ABSENT or ERROR";
	}
}

const char *fuzz_profiles(const uint8_t *data, size_t size)
{
	static const char *const names[] = { NULL, NAMED };
	const char *text = (const char *)data;
	const char *broken = NULL;

	for (size_t i = 0; broken == NULL && i < sizeof(names) / sizeof(names[0]); i++) {
		struct cred_spec spec;
		struct fault f;
		int rc;

		fault_clear(&f);
		rc = profiles_parse_cli(text, size, "config.json", names[i], &spec, &f);
		broken = check_result(rc, &spec, &f);
		cred_spec_free(&spec);
		if (broken != NULL)
			break;
		fault_clear(&f);
		rc = profiles_parse_ini(text, size, "credentials", names[i], &spec, &f);
		broken = check_result(rc, &spec, &f);
		cred_spec_free(&spec);
	}
	return broken;
}
