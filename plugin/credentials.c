/* credentials.c - see credentials.h. */
#include "config.h"

#include "credentials.h"

#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

#define PATH_SIZE 1024

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
static const char *const profile_names[] = { "ALIBABACLOUD_PROFILE", "ALIBABA_CLOUD_PROFILE",
					     "ALICLOUD_PROFILE", NULL };

/* First non-empty value among names; *which gets its name. */
static const char *lookup(env_lookup_fn env, const char *const *names, const char **which)
{
	for (; *names != NULL; names++) {
		const char *v = env(*names);
		if (v != NULL && *v != '\0') {
			if (which)
				*which = *names;
			return v;
		}
	}
	if (which)
		*which = NULL;
	return NULL;
}

/* The name under which lookup() finds a value, "" when none. */
static const char *lookup_name(env_lookup_fn env, const char *const *names)
{
	const char *which;

	return lookup(env, names, &which) != NULL ? which : "";
}

static bool env_true(env_lookup_fn env, const char *name)
{
	const char *v = env(name);

	return v != NULL && ascii_casecmp(v, "true") == 0;
}

/* The aliyun CLI's file is not to be read at all (aliyun-api.md §9.1-9.2):
 * neither for keys nor for a region. */
static bool cli_file_disabled(env_lookup_fn env)
{
	return env_true(env, "ALIBABA_CLOUD_CLI_PROFILE_DISABLED") ||
	       env_true(env, "ALIBABA_CLOUD_IGNORE_PROFILE") ||
	       env_true(env, "ALIBABACLOUD_IGNORE_PROFILE");
}

static int nomem(struct fault *f)
{
	fault_set(f, FAULT_NOMEM, "out of memory while reading credentials");
	return -1;
}

/* The home directory: $HOME, else the password database (daemons such as a
 * monitoring core may run without HOME). getpwuid_r(), not getpwuid(): the
 * answer is copied to buf, not left in static storage that the next lookup
 * overwrites. */
static const char *home_dir(env_lookup_fn env, char *buf, size_t size)
{
	const char *home = env("HOME");
	struct passwd pw, *found = NULL;
	char scratch[4096];

	if (home != NULL && *home != '\0')
		return home;
	if (getpwuid_r(geteuid(), &pw, scratch, sizeof(scratch), &found) != 0 || found == NULL ||
	    pw.pw_dir == NULL || strlen(pw.pw_dir) >= size)
		return NULL;
	memcpy(buf, pw.pw_dir, strlen(pw.pw_dir) + 1);
	return buf;
}

/* dir and rest into buf. A path cut short would name another file, so one
 * that does not fit leaves buf empty: no file. */
static void fit_path(char *buf, size_t size, const char *dir, const char *rest)
{
	int n = snprintf(buf, size, "%s%s", dir, rest);

	if (n < 0 || (size_t)n >= size)
		buf[0] = '\0';
}

static int from_environment(env_lookup_fn env, struct cred_spec *out, bool *found,
			    struct fault *f)
{
	const char *id_name, *id = lookup(env, id_names, &id_name);
	const char *secret = lookup(env, secret_names, NULL);
	const char *token = lookup(env, token_names, NULL);

	*found = false;
	if (id == NULL && secret == NULL)
		return 0;
	/* Half a pair under the bare generic names (ACCESS_KEY_ID, ...) is more
	 * likely some other tool's variable than ours: let the chain go on. */
	if ((id == NULL && strncmp(lookup_name(env, secret_names), "ACCESS_KEY", 10) == 0) ||
	    (secret == NULL && strncmp(id_name, "ACCESS_KEY", 10) == 0))
		return 0;
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
	out->kind = token ? CRED_STS_TOKEN : CRED_ACCESS_KEY;
	out->access_key_id = strdup(id);
	out->access_key_secret = strdup(secret);
	out->security_token = token ? strdup(token) : NULL;
	if (out->access_key_id == NULL || out->access_key_secret == NULL ||
	    (token != NULL && out->security_token == NULL)) {
		cred_spec_free(out);
		return nomem(f);
	}
	snprintf(out->source, sizeof(out->source), "environment (%s%s)", id_name,
		 token ? ", with a security token" : "");
	*found = true;
	return 0;
}

/* Read path and take profile name from it with parse(). PROFILE_ABSENT
 * when the file or the profile is not there. */
static int from_file(const char *path, const char *name,
		     int (*parse)(const char *, size_t, const char *, const char *,
				  struct cred_spec *, struct fault *),
		     struct cred_spec *out, struct fault *f)
{
	struct strbuf text;
	int rc;

	strbuf_init_secret(&text, 0);
	rc = profiles_read_file(path, &text, f);
	if (rc == 0)
		rc = parse(text.data ? text.data : "", text.len, path, name, out, f);
	strbuf_wipe(&text);
	return rc;
}

/* The region_id of the CLI profile in use (named, else current), for keys
 * that came from elsewhere: the aliyun CLI takes the region from there too.
 * Only when the region is still wanted and the file is not disabled. The
 * file is then read as for keys: one that is loose, someone else's or
 * broken is refused, as product.md §7 asks of a file that holds secrets,
 * rather than passed over for a "missing region" that would hide why. A
 * file or profile that is not there gives no region. */
static int region_from_cli(const struct cred_query *q, const char *cli_path, const char *profile,
			   struct cred_spec *out, struct fault *f)
{
	struct cred_spec cli = { 0 };
	int rc;

	if (!q->want_region || out->region != NULL || cli_path[0] == '\0' ||
	    cli_file_disabled(q->env))
		return 0;
	rc = from_file(cli_path, profile, profiles_parse_cli, &cli, f);
	if (rc == PROFILE_FOUND && cli.region != NULL) {
		out->region = cli.region;
		cli.region = NULL;
	}
	cred_spec_free(&cli);
	if (rc == PROFILE_ERROR) {
		/* Keys from elsewhere: say why this file was read at all. */
		size_t n = strlen(f->text);

		snprintf(f->text + n, sizeof(f->text) - n,
			 " (read for its region_id; -r or ALIBABA_CLOUD_REGION_ID spares reading it)");
		return -1;
	}
	return 0;
}

static int find_keys(const struct cred_query *q, struct cred_spec *out, const char *cli_path,
		     const char *ini_path, struct fault *f);

int credentials_find(const struct cred_query *q, struct cred_spec *out, struct fault *f)
{
	char pw_home[PATH_SIZE];
	const char *home = home_dir(q->env, pw_home, sizeof(pw_home));
	const char *ini_env = q->env("ALIBABA_CLOUD_CREDENTIALS_FILE");
	char cli_path[PATH_SIZE] = "", ini_path[PATH_SIZE] = "";

	memset(out, 0, sizeof(*out));
	/* A HOME too long for its files is as good as none; a file named
	 * outright and too long is refused when the chain comes to it. */
	if (home != NULL)
		fit_path(cli_path, sizeof(cli_path), home, "/.aliyun/config.json");
	if (ini_env != NULL && *ini_env != '\0')
		fit_path(ini_path, sizeof(ini_path), ini_env, "");
	else if (home != NULL)
		fit_path(ini_path, sizeof(ini_path), home, "/.alibabacloud/credentials");
	if (find_keys(q, out, cli_path, ini_path, f) != 0)
		return -1;
	if (region_from_cli(q, cli_path, q->profile ? q->profile : lookup(q->env, profile_names, NULL),
			    out, f) != 0) {
		cred_spec_free(out);
		return -1;
	}
	return 0;
}

static int find_keys(const struct cred_query *q, struct cred_spec *out, const char *cli_path,
		     const char *ini_path, struct fault *f)
{
	env_lookup_fn env = q->env;
	char pw_home[PATH_SIZE];
	const char *home = home_dir(env, pw_home, sizeof(pw_home));
	const char *profile = lookup(env, profile_names, NULL);
	const char *ini_env = env("ALIBABA_CLOUD_CREDENTIALS_FILE");
	const char *role;
	bool found;
	int rc;

	/* 1. An explicit choice on the command line wins. */
	if (q->profile != NULL && q->ram_role != NULL) {
		fault_set(f, FAULT_USAGE, "--profile and --ram-role both choose credentials: give one");
		return -1;
	}
	if (q->ram_role != NULL) {
		out->kind = CRED_ECS_RAM_ROLE;
		out->role_name = strdup(q->ram_role);
		if (out->role_name == NULL)
			return nomem(f);
		snprintf(out->source, sizeof(out->source), "ECS RAM role '%.60s' (--ram-role)",
			 q->ram_role);
		return 0;
	}
	if (q->profile != NULL) {
		rc = cli_path[0] ? from_file(cli_path, q->profile, profiles_parse_cli, out, f)
				 : PROFILE_ABSENT;
		if (rc == PROFILE_ABSENT && ini_path[0])
			rc = from_file(ini_path, q->profile, profiles_parse_ini, out, f);
		if (rc == PROFILE_ABSENT)
			fault_set(f, FAULT_CREDENTIALS,
				  "--profile %.60s: no such profile in %.200s or %.200s", q->profile,
				  cli_path[0] ? cli_path : "~/.aliyun/config.json",
				  ini_path[0] ? ini_path : "~/.alibabacloud/credentials");
		return rc == PROFILE_FOUND ? 0 : -1;
	}

	/* 2. The environment. */
	if (from_environment(env, out, &found, f) != 0)
		return -1;
	if (found)
		return 0;

	/* 3. The aliyun CLI's configuration. */
	if (cli_path[0] && !cli_file_disabled(env)) {
		rc = from_file(cli_path, profile, profiles_parse_cli, out, f);
		if (rc != PROFILE_ABSENT)
			return rc == PROFILE_FOUND ? 0 : -1;
	}

	/* 4. The SDKs' INI credentials file. */
	if (ini_env != NULL && *ini_env != '\0' && ini_path[0] == '\0') {
		fault_set(f, FAULT_CREDENTIALS, "ALIBABA_CLOUD_CREDENTIALS_FILE is longer than %d bytes",
			  PATH_SIZE - 1);
		return -1;
	}
	if (ini_env != NULL && *ini_env != '\0' && access(ini_path, F_OK) != 0) {
		/* Named on purpose: a missing file is a mistake, not "none". */
		fault_set(f, FAULT_CREDENTIALS,
			  "ALIBABA_CLOUD_CREDENTIALS_FILE names %.300s, which does not exist", ini_path);
		return -1;
	}
	if (ini_path[0]) {
		rc = from_file(ini_path, profile ? profile : "default", profiles_parse_ini, out, f);
		if (rc != PROFILE_ABSENT)
			return rc == PROFILE_FOUND ? 0 : -1;
	}

	/* 5. The ECS instance RAM role, only when asked for. */
	role = env("ALIBABA_CLOUD_ECS_METADATA");
	if (role != NULL && *role != '\0' && !env_true(env, "ALIBABA_CLOUD_ECS_METADATA_DISABLED")) {
		out->kind = CRED_ECS_RAM_ROLE;
		out->role_name = strdup(role);
		if (out->role_name == NULL)
			return nomem(f);
		snprintf(out->source, sizeof(out->source),
			 "ECS RAM role '%.60s' (ALIBABA_CLOUD_ECS_METADATA)", role);
		return 0;
	}

	if (profile != NULL) {
		fault_set(f, FAULT_CREDENTIALS,
			  "ALIBABA_CLOUD_PROFILE names profile '%.60s', which is in neither %.200s nor %.200s",
			  profile, cli_path[0] ? cli_path : "~/.aliyun/config.json",
			  ini_path[0] ? ini_path : "~/.alibabacloud/credentials");
		return -1;
	}
	fault_set(f, FAULT_CREDENTIALS,
		  "no credentials: set ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET, "
		  "or give this user (uid %lu, HOME %.300s) a profile in ~/.aliyun/config.json or "
		  "~/.alibabacloud/credentials",
		  (unsigned long)geteuid(), home ? home : "unset");
	return -1;
}

int credentials_from_spec(const struct cred_spec *spec, struct credentials *out, struct fault *f)
{
	memset(out, 0, sizeof(*out));
	if (spec->kind != CRED_ACCESS_KEY && spec->kind != CRED_STS_TOKEN) {
		fault_set(f, FAULT_INTERNAL, "credentials_from_spec: not an AccessKey");
		return -1;
	}
	out->access_key_id = strdup(spec->access_key_id);
	out->access_key_secret = strdup(spec->access_key_secret);
	out->security_token = spec->security_token ? strdup(spec->security_token) : NULL;
	if (out->access_key_id == NULL || out->access_key_secret == NULL ||
	    (spec->security_token != NULL && out->security_token == NULL)) {
		credentials_free(out);
		return nomem(f);
	}
	snprintf(out->source, sizeof(out->source), "%s", spec->source);
	return 0;
}

void credentials_free(struct credentials *c)
{
	free_secret(c->access_key_id);
	free_secret(c->access_key_secret);
	free_secret(c->security_token);
	free(c->expiration);
	memset(c, 0, sizeof(*c));
}
