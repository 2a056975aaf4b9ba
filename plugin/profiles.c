/* profiles.c - see profiles.h. Jansson parses the CLI's JSON and this file
 * checks its shape; the INI file is parsed here, line by line, within the
 * length it is given. Messages name files, lines, profiles, sections, keys,
 * modes and types, never a value: any value may be a secret. */
#include "config.h"

#include "profiles.h"

#include "decode.h"
#include "jsonmem.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A credentials file is a few hundred bytes; anything near this is not one. */
#define FILE_LIMIT ((size_t)1 << 20)

/* AssumeRole's DurationSeconds range. */
#define DURATION_MIN 900
#define DURATION_MAX 43200

void cred_spec_free(struct cred_spec *spec)
{
	free_secret(spec->access_key_id);
	free_secret(spec->access_key_secret);
	free_secret(spec->security_token);
	free(spec->role_name);
	free(spec->role_arn);
	free(spec->session_name);
	free(spec->policy);
	free(spec->sts_region);
	free(spec->region);
	memset(spec, 0, sizeof(*spec));
}

static int nomem(struct fault *f)
{
	fault_set(f, FAULT_NOMEM, "out of memory while reading a credentials file");
	return PROFILE_ERROR;
}

static bool is_set(const char *s)
{
	return s != NULL && *s != '\0';
}

/* A copy of s, or NULL for an absent or empty value (the tools treat "" as
 * "not set"). Returns -1 only when out of memory. */
static int copy_opt(const char *s, char **out)
{
	*out = NULL;
	if (!is_set(s))
		return 0;
	*out = strdup(s);
	return *out != NULL ? 0 : -1;
}

static char *copy_span(const char *s, size_t n)
{
	char *p = malloc(n + 1);

	if (p == NULL)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

/* ---- the aliyun CLI's config.json (aliyun-api.md §9.4) ---- */

static const struct {
	const char *name;
	enum cred_kind kind;
} cli_modes[] = {
	{ "AK", CRED_ACCESS_KEY },
	{ "StsToken", CRED_STS_TOKEN },
	{ "EcsRamRole", CRED_ECS_RAM_ROLE },
	{ "RamRoleArn", CRED_RAM_ROLE_ARN },
};

static const char *cli_mode_name(enum cred_kind kind)
{
	for (size_t i = 0; i < sizeof(cli_modes) / sizeof(cli_modes[0]); i++)
		if (cli_modes[i].kind == kind)
			return cli_modes[i].name;
	return "none";
}

static void json_fault(const char *path, size_t len, const json_error_t *err, struct fault *f)
{
	char why[sizeof(err->text)];
	char *near;

	if (len == 0) {
		fault_set(f, FAULT_CREDENTIALS, "%.300s is empty, not an aliyun CLI configuration",
			  path);
		return;
	}
	/* Jansson ends its messages with "near '<token>'", and the token may be
	 * a secret (an unquoted or cut-off key): keep only the reason. */
	snprintf(why, sizeof(why), "%s", err->text);
	near = strstr(why, " near ");
	if (near != NULL)
		*near = '\0';
	fault_set(f, FAULT_CREDENTIALS, "%.300s is not valid JSON (%s, at line %d column %d)", path,
		  why, err->line, err->column);
}

/* Borrow the string member key of profile obj: NULL when absent or null. */
static int cli_string(const json_t *obj, const char *key, const char *path, const char *name,
		      const char **out, struct fault *f)
{
	const json_t *v = json_object_get(obj, key);

	*out = NULL;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_string(v)) {
		fault_set(f, FAULT_CREDENTIALS, "profile '%.60s' in %.300s has \"%s\" as %s, not a string",
			  name, path, key, decode_json_kind(v));
		return -1;
	}
	/* json_loadb() refuses "\u0000" without JSON_ALLOW_NUL, so the value
	 * is a whole C string. */
	*out = json_string_value(v);
	return 0;
}

/* expired_seconds: the CLI writes a number, and 0 when it is not set; a
 * numeric string is taken too, as hand-edited files have them. */
static int cli_duration(const json_t *obj, const char *path, const char *name, long *out,
			struct fault *f)
{
	const json_t *v = json_object_get(obj, "expired_seconds");
	long long n = 0;

	*out = 0;
	if (v == NULL || json_is_null(v))
		return 0;
	if (json_is_integer(v)) {
		n = (long long)json_integer_value(v);
	} else if (json_is_string(v)) {
		const char *s = json_string_value(v);

		if (*s == '\0')
			return 0;
		if (parse_long_long(s, 0, DURATION_MAX, &n) != 0) {
			fault_set(f, FAULT_CREDENTIALS,
				  "profile '%.60s' in %.300s has an expired_seconds that is not a number of seconds from %d to %d",
				  name, path, DURATION_MIN, DURATION_MAX);
			return -1;
		}
	} else {
		fault_set(f, FAULT_CREDENTIALS,
			  "profile '%.60s' in %.300s has \"expired_seconds\" as %s, not an integer", name,
			  path, decode_json_kind(v));
		return -1;
	}
	if (n == 0)
		return 0;
	if (n < DURATION_MIN || n > DURATION_MAX) {
		fault_set(f, FAULT_CREDENTIALS,
			  "profile '%.60s' in %.300s has expired_seconds %lld: STS AssumeRole takes %d to %d",
			  name, path, n, DURATION_MIN, DURATION_MAX);
		return -1;
	}
	*out = (long)n;
	return 0;
}

static int cli_missing(const char *path, const char *name, enum cred_kind kind, const char *key,
		       struct fault *f)
{
	const char *mode = cli_mode_name(kind);

	fault_set(f, FAULT_CREDENTIALS,
		  "profile '%.60s' in %.300s (mode %s) has no %s: run aliyun configure --profile %.60s --mode %s",
		  name, path, mode, key, name, mode);
	return -1;
}

/* Fill spec from the profile object p called name. */
static int cli_take(const json_t *p, const char *name, const char *path, struct cred_spec *spec,
		    struct fault *f)
{
	const char *mode, *id, *secret, *token, *role_name, *arn, *session, *sts_region, *region;
	enum cred_kind kind = CRED_NONE;
	long duration = 0;

	if (cli_string(p, "mode", path, name, &mode, f) != 0 ||
	    cli_string(p, "access_key_id", path, name, &id, f) != 0 ||
	    cli_string(p, "access_key_secret", path, name, &secret, f) != 0 ||
	    cli_string(p, "sts_token", path, name, &token, f) != 0 ||
	    cli_string(p, "ram_role_name", path, name, &role_name, f) != 0 ||
	    cli_string(p, "ram_role_arn", path, name, &arn, f) != 0 ||
	    cli_string(p, "ram_session_name", path, name, &session, f) != 0 ||
	    cli_string(p, "sts_region", path, name, &sts_region, f) != 0 ||
	    cli_string(p, "region_id", path, name, &region, f) != 0)
		return -1;

	if (is_set(mode)) {
		/* The CLI's NormalizeMode: names match whatever their case. */
		for (size_t i = 0; i < sizeof(cli_modes) / sizeof(cli_modes[0]); i++)
			if (ascii_casecmp(mode, cli_modes[i].name) == 0)
				kind = cli_modes[i].kind;
		if (kind == CRED_NONE) {
			fault_set(f, FAULT_CREDENTIALS,
				  "profile '%.60s' in %.300s uses mode '%.40s', which check_ecs_invocation does not support (AK, StsToken, EcsRamRole, RamRoleArn)",
				  name, path, is_plain_word(mode, strlen(mode)) ? mode : "(not shown)");
			return -1;
		}
	} else if (is_set(id) && is_set(secret)) {
		/* The CLI's AutoModeRecognition, in its order: a token wins
		 * over a role ARN. */
		kind = is_set(token) ? CRED_STS_TOKEN
				     : is_set(arn) ? CRED_RAM_ROLE_ARN : CRED_ACCESS_KEY;
	} else if (is_set(role_name)) {
		kind = CRED_ECS_RAM_ROLE;
	} else {
		fault_set(f, FAULT_CREDENTIALS,
			  "profile '%.60s' in %.300s has no mode, and no access_key_id and access_key_secret or ram_role_name to infer one from: run aliyun configure --profile %.60s",
			  name, path, name);
		return -1;
	}

	/* What each mode needs, checked in the CLI's order. */
	if (kind != CRED_ECS_RAM_ROLE) {
		if (!is_set(id))
			return cli_missing(path, name, kind, "access_key_id", f);
		if (!is_set(secret))
			return cli_missing(path, name, kind, "access_key_secret", f);
	}
	if (kind == CRED_STS_TOKEN && !is_set(token))
		return cli_missing(path, name, kind, "sts_token", f);
	if (kind == CRED_RAM_ROLE_ARN) {
		if (!is_set(arn))
			return cli_missing(path, name, kind, "ram_role_arn", f);
		if (cli_duration(p, path, name, &duration, f) != 0)
			return -1;
	}

	spec->kind = kind;
	if (copy_opt(region, &spec->region) != 0)
		return nomem(f);
	switch (kind) {
	case CRED_ACCESS_KEY:
	case CRED_STS_TOKEN:
	case CRED_RAM_ROLE_ARN:
		if (copy_opt(id, &spec->access_key_id) != 0 ||
		    copy_opt(secret, &spec->access_key_secret) != 0)
			return nomem(f);
		/* RamRoleArn: the CLI signs AssumeRole with the token too when
		 * the profile has one (keys that are themselves temporary). */
		if (kind != CRED_ACCESS_KEY && copy_opt(token, &spec->security_token) != 0)
			return nomem(f);
		if (kind == CRED_RAM_ROLE_ARN &&
		    (copy_opt(arn, &spec->role_arn) != 0 ||
		     copy_opt(session, &spec->session_name) != 0 ||
		     copy_opt(sts_region, &spec->sts_region) != 0))
			return nomem(f);
		spec->duration_s = duration;
		break;
	case CRED_ECS_RAM_ROLE:
		/* An empty name: ask the metadata service, as the CLI does. */
		if (copy_opt(role_name, &spec->role_name) != 0)
			return nomem(f);
		break;
	case CRED_NONE:
		break;
	}
	snprintf(spec->source, sizeof(spec->source), "profile '%.60s' (mode %s) in %.300s", name,
		 cli_mode_name(kind), path);
	return 0;
}

int profiles_parse_cli(const char *text, size_t len, const char *path, const char *name,
		       struct cred_spec *out, struct fault *f)
{
	struct cred_spec spec;
	json_error_t err;
	json_t *root;
	const json_t *current, *profiles, *entry = NULL;
	const char *want = name;
	unsigned long failures;
	int rc = PROFILE_ERROR;

	memset(out, 0, sizeof(*out));
	memset(&spec, 0, sizeof(spec));
	/* A key or value Jansson cut short for want of memory (see jsonmem.h). */
	failures = jsonmem_failures();
	root = json_loadb(text != NULL ? text : "", len, JSON_REJECT_DUPLICATES, &err);
	if (jsonmem_failures() != failures) {
		nomem(f);
		goto done;
	}
	if (root == NULL) {
		json_fault(path, len, &err, f);
		goto done;
	}
	if (!json_is_object(root)) {
		fault_set(f, FAULT_CREDENTIALS, "%.300s is %s, not an aliyun CLI configuration object",
			  path, decode_json_kind(root));
		goto done;
	}
	current = json_object_get(root, "current");
	if (current != NULL && !json_is_null(current) && !json_is_string(current)) {
		fault_set(f, FAULT_CREDENTIALS, "%.300s has \"current\" as %s, not a string", path,
			  decode_json_kind(current));
		goto done;
	}
	profiles = json_object_get(root, "profiles");
	if (profiles != NULL && !json_is_null(profiles) && !json_is_array(profiles)) {
		fault_set(f, FAULT_CREDENTIALS, "%.300s has \"profiles\" as %s, not an array", path,
			  decode_json_kind(profiles));
		goto done;
	}
	if (want == NULL && json_is_string(current))
		want = json_string_value(current);
	if (want == NULL || *want == '\0') {
		rc = PROFILE_ABSENT; /* no name asked for, and no current one */
		goto done;
	}
	for (size_t i = 0; json_is_array(profiles) && i < json_array_size(profiles); i++) {
		const json_t *p = json_array_get(profiles, i);
		const json_t *pname = json_object_get(p, "name");

		if (!json_is_object(p)) {
			fault_set(f, FAULT_CREDENTIALS, "%.300s: profiles[%zu] is %s, not an object",
				  path, i, decode_json_kind(p));
			goto done;
		}
		if (!json_is_string(pname)) {
			fault_set(f, FAULT_CREDENTIALS, "%.300s: profiles[%zu] has no \"name\" string",
				  path, i);
			goto done;
		}
		/* The first of that name, as the CLI's GetProfile takes. */
		if (entry == NULL && strcmp(json_string_value(pname), want) == 0)
			entry = p;
	}
	if (entry == NULL) {
		if (name != NULL) {
			rc = PROFILE_ABSENT;
			goto done;
		}
		/* The CLI refuses to run with a dangling "current" too. */
		fault_set(f, FAULT_CREDENTIALS,
			  "%.300s names '%.60s' as its current profile, but has no profile of that name",
			  path, want);
		goto done;
	}
	if (cli_take(entry, want, path, &spec, f) != 0)
		goto done;
	rc = PROFILE_FOUND;
done:
	if (rc == PROFILE_FOUND)
		*out = spec;
	else
		cred_spec_free(&spec);
	/* Jansson's copies of the values (the secrets among them) are wiped
	 * as they are freed: main() installs jsonmem's allocator, whose free
	 * wipes every block (jsonmem.h). */
	json_decref(root);
	return rc;
}

/* ---- the SDKs' INI file (aliyun-api.md §9.3) ---- */

enum ini_key { K_TYPE, K_ID, K_SECRET, K_ROLE_NAME, K_ROLE_ARN, K_SESSION, K_POLICY, K_COUNT };

/* As the SDKs spell them: keys are case-sensitive there too. */
static const char *const ini_keys[K_COUNT] = {
	"type", "access_key_id", "access_key_secret", "role_name", "role_arn",
	"role_session_name", "policy",
};

/* A value of the wanted section: where it is in the text. */
struct ini_value {
	const char *s;
	size_t n;
	size_t line; /* 0 = not set */
};

static bool ini_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

static void ini_trim(const char **s, const char **e)
{
	while (*s < *e && ini_space(**s))
		(*s)++;
	while (*e > *s && ini_space((*e)[-1]))
		(*e)--;
}

static bool span_is(const char *s, size_t n, const char *z)
{
	return strlen(z) == n && memcmp(s, z, n) == 0;
}

/* The line's text is left out on purpose: it may hold a secret. */
static int ini_line_fault(const char *path, size_t line, const char *why, struct fault *f)
{
	fault_set(f, FAULT_CREDENTIALS, "%.300s line %zu: %s", path, line, why);
	return -1;
}

/* Read every line (so that a broken file is reported whichever section is
 * asked for) and keep the values of section. *found says whether it was
 * there. */
static int ini_scan(const char *text, size_t len, const char *path, const char *section,
		    struct ini_value *vals, bool *found, struct fault *f)
{
	const char *p = text, *end = text + len;
	bool in_section = false, in_wanted = false;
	size_t line = 0;

	*found = false;
	/* Editors on Windows start UTF-8 files with a byte order mark. */
	if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
		p += 3;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *s = p, *e = nl != NULL ? nl : end;

		line++;
		p = nl != NULL ? nl + 1 : end;
		if (memchr(s, '\0', (size_t)(e - s)) != NULL)
			return ini_line_fault(path, line, "a NUL byte: not a text file", f);
		ini_trim(&s, &e); /* also drops the '\r' of CRLF */
		if (s == e || *s == '#' || *s == ';')
			continue;
		if (*s == '[') {
			const char *ns = s + 1, *ne = e - 1;

			if (e - s < 2 || *ne != ']')
				return ini_line_fault(path, line,
						      "a section header that does not end with ']'", f);
			ini_trim(&ns, &ne);
			if (ns == ne)
				return ini_line_fault(path, line, "a section header without a name", f);
			in_section = true;
			in_wanted = span_is(ns, (size_t)(ne - ns), section);
			if (in_wanted)
				*found = true;
			continue;
		}
		{
			const char *eq = memchr(s, '=', (size_t)(e - s));
			const char *ks = s, *ke = eq, *vs, *ve = e;

			if (eq == NULL)
				return ini_line_fault(
					path, line,
					"neither a [section], a key = value pair, a comment nor blank", f);
			ini_trim(&ks, &ke);
			if (ks == ke)
				return ini_line_fault(path, line, "a '=' without a key before it", f);
			if (!in_section)
				return ini_line_fault(path, line,
						      "a key = value pair before the first [section]", f);
			if (!in_wanted)
				continue;
			vs = eq + 1;
			ini_trim(&vs, &ve);
			/* A value in matching quotes loses them (and keeps its
			 * inner spaces), as in the SDKs' INI readers. */
			if (ve - vs >= 2 && (*vs == '"' || *vs == '\'') && ve[-1] == *vs) {
				vs++;
				ve--;
			}
			for (size_t k = 0; k < K_COUNT; k++) {
				if (!span_is(ks, (size_t)(ke - ks), ini_keys[k]))
					continue;
				if (vals[k].line != 0) {
					char why[160];

					/* Which one the operator meant is
					 * anyone's guess: refuse to pick. */
					snprintf(why, sizeof(why),
						 "[%.40s] sets %s again (first on line %zu)", section,
						 ini_keys[k], vals[k].line);
					return ini_line_fault(path, line, why, f);
				}
				vals[k].s = vs;
				vals[k].n = (size_t)(ve - vs);
				vals[k].line = line;
				break;
			}
		}
	}
	return 0;
}

static int ini_missing(const char *path, const char *section, const char *type, const char *key,
		       struct fault *f)
{
	fault_set(f, FAULT_CREDENTIALS, "section [%.60s] of %.300s (type %s) has no %s", section, path,
		  type, key);
	return -1;
}

int profiles_parse_ini(const char *text, size_t len, const char *path, const char *section,
		       struct cred_spec *out, struct fault *f)
{
	struct ini_value vals[K_COUNT];
	struct cred_spec spec;
	const struct ini_value *type = &vals[K_TYPE];
	const char *type_name;
	bool found;
	int rc = PROFILE_ERROR;

	memset(out, 0, sizeof(*out));
	memset(&spec, 0, sizeof(spec));
	memset(vals, 0, sizeof(vals));
	if (section == NULL)
		section = "default"; /* the SDKs' choice when none is named */
	/* No text reads as an empty file: no section found. */
	found = false;
	if (text != NULL && ini_scan(text, len, path, section, vals, &found, f) != 0)
		goto done;
	if (!found) {
		rc = PROFILE_ABSENT;
		goto done;
	}
	if (type->line == 0 || type->n == 0) {
		fault_set(f, FAULT_CREDENTIALS,
			  "section [%.60s] of %.300s has no type: set type = access_key, ecs_ram_role or ram_role_arn",
			  section, path);
		goto done;
	}
	if (span_is(type->s, type->n, "access_key")) {
		spec.kind = CRED_ACCESS_KEY;
		type_name = "access_key";
	} else if (span_is(type->s, type->n, "ecs_ram_role")) {
		spec.kind = CRED_ECS_RAM_ROLE;
		type_name = "ecs_ram_role";
	} else if (span_is(type->s, type->n, "ram_role_arn")) {
		spec.kind = CRED_RAM_ROLE_ARN;
		type_name = "ram_role_arn";
	} else {
		fault_set(f, FAULT_CREDENTIALS,
			  "section [%.60s] of %.300s has type '%.*s', which check_ecs_invocation does not support (access_key, ecs_ram_role, ram_role_arn)",
			  section, path,
			  is_plain_word(type->s, type->n) ? (int)type->n : (int)sizeof("(not shown)") - 1,
			  is_plain_word(type->s, type->n) ? type->s : "(not shown)");
		goto done;
	}

	if (spec.kind == CRED_ECS_RAM_ROLE) {
		/* The SDKs need the key but take an empty value as "ask the
		 * metadata service which role the instance has". */
		if (vals[K_ROLE_NAME].line == 0) {
			ini_missing(path, section, type_name, "role_name", f);
			goto done;
		}
		if (vals[K_ROLE_NAME].n > 0) {
			spec.role_name = copy_span(vals[K_ROLE_NAME].s, vals[K_ROLE_NAME].n);
			if (spec.role_name == NULL) {
				nomem(f);
				goto done;
			}
		}
	} else {
		static const enum ini_key needed[] = { K_ID, K_SECRET, K_ROLE_ARN };
		size_t n_needed = spec.kind == CRED_RAM_ROLE_ARN ? 3 : 2;

		for (size_t i = 0; i < n_needed; i++) {
			if (vals[needed[i]].n == 0) {
				ini_missing(path, section, type_name, ini_keys[needed[i]], f);
				goto done;
			}
		}
		spec.access_key_id = copy_span(vals[K_ID].s, vals[K_ID].n);
		spec.access_key_secret = copy_span(vals[K_SECRET].s, vals[K_SECRET].n);
		if (spec.access_key_id == NULL || spec.access_key_secret == NULL) {
			nomem(f);
			goto done;
		}
		if (spec.kind == CRED_RAM_ROLE_ARN) {
			spec.role_arn = copy_span(vals[K_ROLE_ARN].s, vals[K_ROLE_ARN].n);
			if (spec.role_arn == NULL ||
			    (vals[K_SESSION].n > 0 &&
			     (spec.session_name = copy_span(vals[K_SESSION].s, vals[K_SESSION].n)) ==
				     NULL) ||
			    (vals[K_POLICY].n > 0 &&
			     (spec.policy = copy_span(vals[K_POLICY].s, vals[K_POLICY].n)) == NULL)) {
				nomem(f);
				goto done;
			}
		}
	}
	snprintf(spec.source, sizeof(spec.source), "section [%.60s] (type %s) of %.300s", section,
		 type_name, path);
	rc = PROFILE_FOUND;
done:
	if (rc == PROFILE_FOUND)
		*out = spec;
	else
		cred_spec_free(&spec);
	return rc;
}

/* ---- reading a file ---- */

/* What one class's three permission bits (4 read, 2 write, 1 execute)
 * allow: "read", "read and write", "read, write and execute". */
static const char *perm_words(unsigned bits)
{
	static const char *const words[8] = {
		"",
		"execute",
		"write",
		"write and execute",
		"read",
		"read and execute",
		"read and write",
		"read, write and execute",
	};

	return words[bits & 7u];
}

void profiles_describe_loose(unsigned mode, char *buf, size_t size)
{
	unsigned group = (mode >> 3) & 7u, other = mode & 7u;

	if (size == 0)
		return;
	if (group != 0 && group == other)
		snprintf(buf, size, "the group and others can %s it", perm_words(group));
	else if (group != 0 && other != 0)
		snprintf(buf, size, "the group can %s it, others can %s it", perm_words(group),
			 perm_words(other));
	else if (group != 0)
		snprintf(buf, size, "the group can %s it", perm_words(group));
	else if (other != 0)
		snprintf(buf, size, "others can %s it", perm_words(other));
	else
		buf[0] = '\0';
}

int profiles_read_file(const char *path, struct strbuf *out, struct fault *f)
{
	char chunk[4096];
	struct stat st;
	ssize_t n;
	int fd, rc = PROFILE_ERROR;

	strbuf_init_secret(out, FILE_LIMIT);
	/* Symbolic links are followed (dotfile managers use them); fstat()
	 * below judges what they point to. O_NONBLOCK keeps a FIFO put in the
	 * file's place from blocking open() until the deadline. */
	do
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	while (fd < 0 && errno == EINTR);
	if (fd < 0) {
		if (errno == ENOENT)
			rc = PROFILE_ABSENT;
		else
			fault_set(f, FAULT_CREDENTIALS, "cannot read %.300s: %s", path, strerror(errno));
		goto done;
	}
	if (fstat(fd, &st) != 0) {
		fault_set(f, FAULT_CREDENTIALS, "cannot read %.300s: %s", path, strerror(errno));
		goto done;
	}
	if (!S_ISREG(st.st_mode)) {
		fault_set(f, FAULT_CREDENTIALS, "%.300s is not a regular file", path);
		goto done;
	}
	/* Someone else's file could hand us their keys (and see ours). */
	if (st.st_uid != geteuid() && st.st_uid != 0) {
		fault_set(f, FAULT_CREDENTIALS, "%.300s belongs to uid %lu, not to this user (uid %lu) or root",
			  path, (unsigned long)st.st_uid, (unsigned long)geteuid());
		goto done;
	}
	/* As ssh treats a private key: a secret others may read is not one.
	 * The message names the bits that are wrong: an execute bit alone
	 * is refused too, and "readable" would not say why. */
	if ((st.st_mode & 077) != 0) {
		char loose[96];

		profiles_describe_loose((unsigned int)st.st_mode, loose, sizeof(loose));
		fault_set(f, FAULT_CREDENTIALS,
			  "%.250s is not private (mode %04o: %s): chmod 600 %.250s", path,
			  (unsigned int)(st.st_mode & 07777), loose, path);
		goto done;
	}
	if (st.st_size > (off_t)FILE_LIMIT) {
		fault_set(f, FAULT_CREDENTIALS, "%.300s is larger than 1 MiB: not a credentials file",
			  path);
		goto done;
	}
	/* An empty file still gives an empty string, not a NULL pointer. */
	if (strbuf_append(out, "", 0) != 0) {
		nomem(f);
		goto done;
	}
	for (;;) {
		n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fault_set(f, FAULT_CREDENTIALS, "cannot read %.300s: %s", path, strerror(errno));
			goto done;
		}
		if (n == 0)
			break;
		/* The limit also holds when the file grows after fstat(). */
		if (strbuf_append(out, chunk, (size_t)n) != 0) {
			if (out->over)
				fault_set(f, FAULT_CREDENTIALS,
					  "%.300s is larger than 1 MiB: not a credentials file", path);
			else
				nomem(f);
			goto done;
		}
	}
	rc = 0;
done:
	if (fd >= 0)
		close(fd);
	secure_wipe(chunk, sizeof(chunk));
	if (rc != 0)
		strbuf_wipe(out);
	return rc;
}
