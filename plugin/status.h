/* status.h - the Cloud Assistant status model: normalising a status to one of
 * the four record states, the exit-code rule, aggregation, and mapping an
 * aggregate to a plugin state. Pure: no I/O, no allocation.
 *
 * The rules are those of product.md §2-§4, which follow Alibaba's own
 * documentation of the three status levels (invocation, instance, record). */
#ifndef ECS_STATUS_H
#define ECS_STATUS_H

#include <stdbool.h>
#include <stddef.h>

/* The four record states of the documented model. Order = the order of the
 * perfdata labels after "total". */
enum run_state { RUN_RUNNING = 0, RUN_FINISHED, RUN_FAILED, RUN_STOPPED, RUN_STATE_COUNT };

/* What the whole invocation is judged to be. */
enum aggregate {
	AGG_FINISHED = 0,
	AGG_RUNNING,
	AGG_STOPPED,
	AGG_PARTIAL_FAILED,
	AGG_FAILED,
	AGG_NOT_FOUND,
	AGG_COUNT
};

/* Plugin states are the exit codes. */
enum plugin_state { STATE_OK = 0, STATE_WARNING = 1, STATE_CRITICAL = 2, STATE_UNKNOWN = 3 };

/* The counted metrics, in perfdata order. */
enum metric { METRIC_TOTAL = 0, METRIC_RUNNING, METRIC_FINISHED, METRIC_FAILED, METRIC_STOPPED, METRIC_COUNT };

/* The exit codes that count as success (--ok-exit-codes): single values and
 * inclusive ranges. */
#define EXIT_CODE_RANGES_MAX 32
struct exit_codes {
	size_t count;
	long long lo[EXIT_CODE_RANGES_MAX];
	long long hi[EXIT_CODE_RANGES_MAX];
};

/* "0" by default. Accepts a comma-separated list of integers and ranges
 * "LO-HI" (LO, HI >= 0; a single value may be negative, e.g. "-1").
 * Returns 0, or -1 on a syntax error (set unchanged). */
int exit_codes_parse(const char *text, struct exit_codes *set);
bool exit_codes_contain(const struct exit_codes *set, long long code);

/* What normalisation looks at of one instance or run. Empty strings and NULL
 * both mean "absent". */
struct run_status {
	const char *invocation_status; /* InvocationStatus (newest field, wins) */
	const char *legacy_status;     /* InstanceInvokeStatus / InvokeRecordStatus */
	bool has_exit_code;
	long long exit_code;
	const char *error_code;
};

/* Normalise one instance or run. Returns 0 and sets *state, or -1 when the
 * status is absent or not one the plugin knows (the caller reports it as
 * UNKNOWN, naming it). */
int status_normalise(const struct run_status *run, const struct exit_codes *ok_codes,
		     enum run_state *state);

/* The documented aggregation rules, in their order. counts[] are indexed by
 * enum run_state; the total must be > 0 (no instances cannot be judged). */
enum aggregate status_aggregate(const unsigned long counts[RUN_STATE_COUNT]);

/* True for RepeatMode values whose invocation-level status stays Running for
 * ever (Period, EveryReboot, NextRebootOnly). */
bool status_repeat_is_periodic(const char *repeat_mode);
/* True when the API keeps per-run history for the mode (Period, EveryReboot). */
bool status_repeat_has_history(const char *repeat_mode);

/* The default state of each aggregate (Finished OK, Running/Stopped WARNING,
 * PartialFailed/Failed CRITICAL, NotFound UNKNOWN). */
struct state_map {
	enum plugin_state of[AGG_COUNT];
};
void state_map_default(struct state_map *map);
/* Apply "Name=state[,Name=state...]" (names and states case-insensitive).
 * Returns 0, or -1 with *bad pointing into text at the offending item. */
int state_map_parse(const char *text, struct state_map *map, const char **bad);

/* Monitoring Plugins ranking: CRITICAL > WARNING > UNKNOWN > OK. */
enum plugin_state state_worst(enum plugin_state a, enum plugin_state b);

const char *run_state_name(enum run_state s);   /* "running", ... */
const char *aggregate_name(enum aggregate a);   /* "Finished", "PartialFailed", ... */
const char *plugin_state_name(enum plugin_state s); /* "OK", "WARNING", ... */
const char *metric_name(enum metric m);         /* "total", "running", ... */

#endif
