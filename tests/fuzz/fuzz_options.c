/* fuzz_options.c - fuzz target: one command line through options_parse()
 * and options_finish(), as main() calls them.
 *
 * Input: pieces separated by newlines or NUL bytes (a separator at the very
 * end ends the last piece, it does not add an empty one). Two kinds of piece
 * stand for what main() gets from elsewhere:
 *   env:NAME=VALUE       a variable of the fake environment (the real one is
 *                        never read: a fuzzer's findings must not depend on
 *                        the shell it ran in);
 *   profile-region:ID    the region of the credentials profile, which main()
 *                        hands to options_finish();
 * every other piece is one argument after argv[0]. */
#include "config.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fuzz.h"
#include "options.h"

#define MAX_ARGS 64
#define MAX_ENV 8
#define ENV_PREFIX "env:"
#define PROFILE_PREFIX "profile-region:"

/* options_parse() takes a plain function, so the fake environment is a
 * table it can see; libFuzzer runs one input at a time. */
static struct {
	const char *name;
	size_t name_len;
	const char *value;
} fake_env[MAX_ENV];
static size_t fake_env_count;

static const char *fake_lookup(const char *name)
{
	for (size_t i = 0; i < fake_env_count; i++)
		if (strlen(name) == fake_env[i].name_len &&
		    memcmp(name, fake_env[i].name, fake_env[i].name_len) == 0)
			return fake_env[i].value;
	return NULL;
}

static bool starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Sort one piece into argv, the environment or the profile region. */
static void take_piece(char *piece, char **argv, int *argc, const char **profile_region)
{
	if (starts_with(piece, ENV_PREFIX)) {
		char *name = piece + strlen(ENV_PREFIX);
		char *eq = strchr(name, '=');

		if (eq != NULL && fake_env_count < MAX_ENV) {
			fake_env[fake_env_count].name = name;
			fake_env[fake_env_count].name_len = (size_t)(eq - name);
			fake_env[fake_env_count].value = eq + 1;
			fake_env_count++;
		}
	} else if (starts_with(piece, PROFILE_PREFIX)) {
		*profile_region = piece + strlen(PROFILE_PREFIX);
	} else if (*argc < MAX_ARGS) {
		argv[(*argc)++] = piece;
	}
}

static bool fault_said(const struct fault *f)
{
	return f->klass != FAULT_NONE && f->text[0] != '\0' &&
	       memchr(f->text, '\0', sizeof(f->text)) != NULL;
}

/* What options.h promises of a command line it accepted. */
static const char *check_accepted(const struct options *o)
{
	if (o->invoke_id == NULL || o->invoke_id[0] == '\0')
		return "accepted without an invocation id";
	if (o->timeout_s < 1 || o->timeout_s > MAX_TIMEOUT_S)
		return "accepted a timeout outside 1..MAX_TIMEOUT_S";
	if (o->interval_s < 1 || o->interval_s > MAX_TIMEOUT_S)
		return "accepted an interval outside 1..MAX_TIMEOUT_S";
	if (o->signature_version != 1 && o->signature_version != 3)
		return "accepted a signature version other than 1 or 3";
	if (o->verbosity < 0 || o->verbosity > MAX_VERBOSITY)
		return "verbosity outside 0..MAX_VERBOSITY";
	if (o->show_output < 0 || o->show_output > MAX_SHOW_OUTPUT)
		return "accepted --show-output outside 0..MAX_SHOW_OUTPUT";
	if (o->max_runtime_s < 0 || o->max_age_s < 0)
		return "accepted a negative duration";
	if (o->metadata_url == NULL)
		return "accepted without a metadata URL";
	if (o->endpoint != NULL && o->vpc)
		return "accepted both -e and --vpc";
	return NULL;
}

const char *fuzz_options(const uint8_t *data, size_t size)
{
	char *argv[MAX_ARGS + 1];
	int argc = 0;
	const char *profile_region = NULL;
	const char *broken = NULL;
	struct options opts;
	struct fault f;
	char *copy = malloc(size + 1), *piece;
	size_t i;

	if (copy == NULL)
		return NULL; /* the fuzzer's memory limit, not a finding */
	memcpy(copy, data, size);
	copy[size] = '\0';
	fake_env_count = 0;
	argv[argc++] = (char *)"check_ecs_invocation";
	piece = copy;
	for (i = 0; i < size; i++) {
		if (copy[i] != '\n' && copy[i] != '\0')
			continue;
		copy[i] = '\0';
		take_piece(piece, argv, &argc, &profile_region);
		piece = copy + i + 1;
	}
	if (piece < copy + size)
		take_piece(piece, argv, &argc, &profile_region);
	argv[argc] = NULL;

	fault_clear(&f);
	switch (options_parse(argc, argv, fake_lookup, &opts, &f)) {
	case OPTIONS_ERROR:
		if (!fault_said(&f))
			broken = "options_parse refused a command line without saying why";
		break;
	case OPTIONS_HELP:
	case OPTIONS_VERSION:
		break;
	case OPTIONS_RUN:
		broken = check_accepted(&opts);
		if (broken != NULL)
			break;
		if (options_finish(&opts, profile_region, &f) != 0) {
			if (!fault_said(&f))
				broken = "options_finish failed without saying why";
		} else if (opts.region == NULL || opts.endpoint == NULL ||
			   strncasecmp(opts.endpoint, "http", 4) != 0) {
			broken = "options_finish left no region or endpoint";
		}
		break;
	default:
		broken = "options_parse returned something that is not an options_result";
		break;
	}
	/* As main() does, whatever the result. */
	options_free(&opts);
	free(copy);
	return broken;
}
