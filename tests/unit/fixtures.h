/* fixtures.h - building options and judged records in memory for the tests
 * of the output modules (text and JSON), without a network. Header-only. */
#ifndef ECS_FIXTURES_H
#define ECS_FIXTURES_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "options.h"

static const char *no_env(const char *name)
{
	(void)name;
	return NULL;
}

/* Options for "-i t-hz0abc123 -r cn-hangzhou" plus args (NULL-terminated). */
static __attribute__((unused)) struct options opts_for(const char *const *args)
{
	struct options o;
	struct fault f;
	char *argv[32];
	int argc = 0;

	argv[argc++] = (char *)"check_ecs_invocation";
	argv[argc++] = (char *)"-i";
	argv[argc++] = (char *)"t-hz0abc123";
	argv[argc++] = (char *)"-r";
	argv[argc++] = (char *)"cn-hangzhou";
	for (; args && *args && argc < 31; args++)
		argv[argc++] = (char *)*args;
	argv[argc] = NULL;
	if (options_parse(argc, argv, no_env, &o, &f) != OPTIONS_RUN ||
	    options_finish(&o, NULL, &f) != 0) {
		printf("# bad test options: %s\n", f.text);
		exit(2);
	}
	return o;
}

/* strdup that ends the test on failure; NULL stays NULL. */
static char *dup_s(const char *s)
{
	char *d = s ? strdup(s) : NULL;

	if (s && !d)
		exit(2);
	return d;
}

/* Append an instance to r (the check judges it later). */
static __attribute__((unused)) struct record *add(struct check_result *r, const char *id,
						  const char *status, int has_exit, long long code,
						  const char *err, const char *info)
{
	struct record *rec, *grown;

	grown = realloc(r->instances, (r->count + 1) * sizeof(*r->instances));
	if (grown == NULL)
		exit(2);
	r->instances = grown;
	rec = &r->instances[r->count++];
	memset(rec, 0, sizeof(*rec));
	rec->instance_id = dup_s(id);
	rec->invocation_status = dup_s(status);
	rec->has_exit_code = has_exit != 0;
	rec->exit_code = code;
	rec->error_code = dup_s(err);
	rec->error_info = dup_s(info);
	return rec;
}

#endif
