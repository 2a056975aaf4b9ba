/* profiles.h - the credential files operators already have: the aliyun
 * CLI's ~/.aliyun/config.json and the SDKs' INI file
 * (~/.alibabacloud/credentials), read the way the official tools read them.
 *
 * Parsing is pure (text in, spec out); profiles_read_file() is the only
 * function here that touches the file system. A spec says what a profile
 * asks for; turning an ECS RAM role or a RAM role ARN into keys needs the
 * network and happens elsewhere (roles.h).
 *
 * Ownership: a struct cred_spec owns its strings; cred_spec_free() wipes
 * and frees them. On failure a spec is left empty. */
#ifndef ECS_PROFILES_H
#define ECS_PROFILES_H

#include <stddef.h>

#include "fault.h"
#include "util.h"

enum cred_kind {
	CRED_NONE = 0,
	CRED_ACCESS_KEY,  /* AccessKey id + secret */
	CRED_STS_TOKEN,   /* AccessKey id + secret + security token */
	CRED_ECS_RAM_ROLE, /* ask the ECS metadata service for role_name's keys */
	CRED_RAM_ROLE_ARN /* AssumeRole role_arn with the AccessKey */
};

struct cred_spec {
	enum cred_kind kind;
	char *access_key_id;
	char *access_key_secret; /* secret */
	char *security_token;    /* secret */
	char *role_name;         /* CRED_ECS_RAM_ROLE; NULL = ask the service */
	char *role_arn;          /* CRED_RAM_ROLE_ARN */
	char *session_name;      /* CRED_RAM_ROLE_ARN; NULL = a default */
	char *policy;            /* CRED_RAM_ROLE_ARN; optional */
	long duration_s;         /* CRED_RAM_ROLE_ARN; 0 = the default (3600) */
	char *sts_region;        /* CLI profiles: region of the STS endpoint, or NULL */
	char *region;            /* the profile's region_id, or NULL */
	char source[440];        /* where it came from, for -vv: never a secret */
};

void cred_spec_free(struct cred_spec *spec);

/* Results of the parsers. */
#define PROFILE_FOUND 0
#define PROFILE_ABSENT 1 /* the file has no such profile/section */
#define PROFILE_ERROR (-1)

/* Parse an aliyun CLI config.json ({"current": NAME, "profiles": [...]})
 * and take the profile called name, or the file's "current" profile when
 * name is NULL. A name the file lacks is PROFILE_ABSENT; a "current" that
 * names a missing profile is PROFILE_ERROR, as the CLI refuses it too.
 * expired_seconds 0 (older CLIs write it) means the default. Modes AK, StsToken, EcsRamRole and RamRoleArn, matched
 * case-insensitively; an empty mode is inferred from the fields, as the CLI
 * does. Any other mode, a profile missing a field its mode needs, or text
 * that is not the documented JSON is PROFILE_ERROR with a fault that names
 * the file (path is only used in messages) and the profile. */
int profiles_parse_cli(const char *text, size_t len, const char *path, const char *name,
		       struct cred_spec *out, struct fault *f);

/* Parse an INI credentials file and take section (NULL = "default").
 * Comments are whole lines only: text after a value is part of it. Types
 * access_key, ecs_ram_role and ram_role_arn; "#" and ";" start comments;
 * keys and values are trimmed. A line that is neither a section, a
 * key = value pair, a comment nor blank is PROFILE_ERROR naming its line. */
int profiles_parse_ini(const char *text, size_t len, const char *path, const char *section,
		       struct cred_spec *out, struct fault *f);

/* Read a credentials file into out, which it initialises as a secret buffer
 * (anything in it before is lost; release it with strbuf_wipe) and leaves
 * empty unless it returns 0. Symbolic links are followed; the target is what
 * is checked. Returns 0 when read, PROFILE_ABSENT when it does not exist,
 * PROFILE_ERROR (fault set, class FAULT_CREDENTIALS) when it cannot be read,
 * is not a regular file, is larger than 1 MiB, is owned by another user than
 * the caller or root, or has any group or other permission bit set (then
 * the message names those bits and says "chmod 600 FILE", as ssh does for a
 * loose private key). */
int profiles_read_file(const char *path, struct strbuf *out, struct fault *f);

/* Which of mode's group and other permission bits are set, in words, for
 * the refusal of a loose file: "the group and others can read it", "the
 * group can execute it", "the group can read it, others can write it";
 * "" when none is. Cut to fit size. */
void profiles_describe_loose(unsigned mode, char *buf, size_t size);

#endif
