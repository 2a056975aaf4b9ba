/* status.c - see status.h. */
#include "config.h"

#include "status.h"

#include <string.h>
#include <strings.h>

#include "util.h"

static bool is_set(const char *s)
{
	return s != NULL && *s != '\0';
}

static bool is_one_of(const char *s, const char *const *names)
{
	for (; *names != NULL; names++)
		if (strcmp(s, *names) == 0)
			return true;
	return false;
}

/* Parse one decimal number from *p up to a ',' or '-' that follows a digit. */
static int parse_code(const char **p, long long *out)
{
	const char *s = *p;
	bool negative = false;
	long long v = 0;

	if (*s == '-') {
		negative = true;
		s++;
	}
	if (*s < '0' || *s > '9')
		return -1;
	while (*s >= '0' && *s <= '9') {
		int d = *s - '0';
		if (v > (9223372036854775807LL - d) / 10)
			return -1;
		v = v * 10 + d;
		s++;
	}
	*out = negative ? -v : v;
	*p = s;
	return 0;
}

int exit_codes_parse(const char *text, struct exit_codes *set)
{
	struct exit_codes parsed = { 0 };
	const char *p = text;

	if (text == NULL || *text == '\0')
		return -1;
	for (;;) {
		long long lo, hi;

		if (parsed.count == EXIT_CODE_RANGES_MAX || parse_code(&p, &lo) != 0)
			return -1;
		hi = lo;
		if (*p == '-') {
			p++;
			if (lo < 0 || *p == '-' || parse_code(&p, &hi) != 0 || hi < lo)
				return -1;
		}
		parsed.lo[parsed.count] = lo;
		parsed.hi[parsed.count] = hi;
		parsed.count++;
		if (*p == '\0')
			break;
		if (*p != ',')
			return -1;
		p++;
	}
	*set = parsed;
	return 0;
}

bool exit_codes_contain(const struct exit_codes *set, long long code)
{
	for (size_t i = 0; i < set->count; i++)
		if (code >= set->lo[i] && code <= set->hi[i])
			return true;
	return false;
}

/* Statuses of an instance or run, old and new fields alike (product.md §2). */
static const char *const running_names[] = { "Pending", "Scheduled", "Running", "Stopping", NULL };
static const char *const failed_names[] = { "Invalid", "Aborted", "Error", "Timeout",
					    "PartialFailed", NULL };
static const char *const stopped_names[] = { "Stopped", "Cancelled", "Terminated", NULL };

/* A run that ended on its own is judged by its exit code: "Finished" only
 * says the process ended, not that it did its job. */
static enum run_state by_exit_code(const struct run_status *run, const struct exit_codes *ok)
{
	if (!run->has_exit_code)
		return RUN_FINISHED;
	return exit_codes_contain(ok, run->exit_code) ? RUN_FINISHED : RUN_FAILED;
}

int status_normalise(const struct run_status *run, const struct exit_codes *ok_codes,
		     enum run_state *state)
{
	const char *s = is_set(run->invocation_status) ? run->invocation_status
							: run->legacy_status;

	if (!is_set(s))
		return -1;
	if (is_one_of(s, running_names)) {
		*state = RUN_RUNNING;
	} else if (strcmp(s, "Success") == 0 || strcmp(s, "Finished") == 0) {
		*state = by_exit_code(run, ok_codes);
	} else if (strcmp(s, "Failed") == 0) {
		/* A Failed run whose only fault is its exit code ended on its own;
		 * --ok-exit-codes may accept that code. Any other error (timeout,
		 * agent not running, ...) is a failure whatever the code. */
		if (run->has_exit_code &&
		    (!is_set(run->error_code) || strcmp(run->error_code, "ExitCodeNonzero") == 0))
			*state = by_exit_code(run, ok_codes);
		else
			*state = RUN_FAILED;
	} else if (is_one_of(s, failed_names)) {
		*state = RUN_FAILED;
	} else if (is_one_of(s, stopped_names)) {
		*state = RUN_STOPPED;
	} else {
		return -1;
	}
	return 0;
}

enum aggregate status_aggregate(const unsigned long counts[RUN_STATE_COUNT])
{
	unsigned long total = 0;

	for (int i = 0; i < RUN_STATE_COUNT; i++)
		total += counts[i];
	if (total > 0 && counts[RUN_FAILED] == total)
		return AGG_FAILED;
	if (counts[RUN_FAILED] > 0)
		return AGG_PARTIAL_FAILED;
	if (counts[RUN_RUNNING] > 0)
		return AGG_RUNNING;
	if (total > 0 && counts[RUN_STOPPED] == total)
		return AGG_STOPPED;
	return AGG_FINISHED;
}

bool status_repeat_is_periodic(const char *repeat_mode)
{
	static const char *const periodic[] = { "Period", "EveryReboot", "NextRebootOnly", NULL };

	return is_set(repeat_mode) && is_one_of(repeat_mode, periodic);
}

bool status_repeat_has_history(const char *repeat_mode)
{
	static const char *const with_history[] = { "Period", "EveryReboot", NULL };

	return is_set(repeat_mode) && is_one_of(repeat_mode, with_history);
}

void state_map_default(struct state_map *map)
{
	map->of[AGG_FINISHED] = STATE_OK;
	map->of[AGG_RUNNING] = STATE_WARNING;
	map->of[AGG_STOPPED] = STATE_WARNING;
	map->of[AGG_PARTIAL_FAILED] = STATE_CRITICAL;
	map->of[AGG_FAILED] = STATE_CRITICAL;
	map->of[AGG_NOT_FOUND] = STATE_UNKNOWN;
}

static int parse_state_word(const char *s, size_t n, enum plugin_state *out)
{
	static const char *const words[] = { "ok", "warning", "critical", "unknown" };

	for (int i = 0; i < 4; i++) {
		if (strlen(words[i]) == n && strncasecmp(s, words[i], n) == 0) {
			*out = (enum plugin_state)i;
			return 0;
		}
	}
	return -1;
}

int state_map_parse(const char *text, struct state_map *map, const char **bad)
{
	struct state_map parsed = *map;
	const char *p = text;

	for (;;) {
		const char *item = p, *eq, *end;
		enum plugin_state st;
		int which = -1;

		end = strchr(p, ',');
		if (end == NULL)
			end = p + strlen(p);
		eq = memchr(p, '=', (size_t)(end - p));
		if (eq == NULL || parse_state_word(eq + 1, (size_t)(end - eq - 1), &st) != 0)
			goto fail;
		for (int a = 0; a < AGG_COUNT; a++) {
			const char *name = aggregate_name((enum aggregate)a);
			if (strlen(name) == (size_t)(eq - p) &&
			    strncasecmp(p, name, (size_t)(eq - p)) == 0)
				which = a;
		}
		if (which < 0)
			goto fail;
		parsed.of[which] = st;
		if (*end == '\0')
			break;
		p = end + 1;
		continue;
fail:
		if (bad)
			*bad = item;
		return -1;
	}
	*map = parsed;
	return 0;
}

enum plugin_state state_worst(enum plugin_state a, enum plugin_state b)
{
	/* Rank: OK 0 < UNKNOWN 1 < WARNING 2 < CRITICAL 3. */
	static const int rank[4] = { 0, 2, 3, 1 };

	return rank[a] >= rank[b] ? a : b;
}

const char *run_state_name(enum run_state s)
{
	static const char *const names[RUN_STATE_COUNT] = { "running", "finished", "failed",
							    "stopped" };

	return (unsigned)s < RUN_STATE_COUNT ? names[s] : "?";
}

const char *aggregate_name(enum aggregate a)
{
	static const char *const names[AGG_COUNT] = { "Finished", "Running", "Stopped",
						      "PartialFailed", "Failed", "NotFound" };

	return (unsigned)a < AGG_COUNT ? names[a] : "?";
}

const char *plugin_state_name(enum plugin_state s)
{
	static const char *const names[4] = { "OK", "WARNING", "CRITICAL", "UNKNOWN" };

	return (unsigned)s < 4 ? names[s] : "UNKNOWN";
}

const char *metric_name(enum metric m)
{
	static const char *const names[METRIC_COUNT] = { "total", "running", "finished", "failed",
							 "stopped" };

	return (unsigned)m < METRIC_COUNT ? names[m] : "?";
}
