/* check.h - judging one invocation: read it through the API, normalise each
 * instance (or, for periodic invocations, its latest completed run), count,
 * aggregate, and combine with the thresholds into the plugin state.
 *
 * Ownership: check_run() fills a struct check_result that check_result_free()
 * releases; on failure it is left empty. */
#ifndef ECS_CHECK_H
#define ECS_CHECK_H

#include <stdbool.h>
#include <stddef.h>

#include "api.h"
#include "decode.h"
#include "options.h"
#include "status.h"

struct check_result {
	struct invocation inv;
	struct record *instances; /* one judged record per instance, sorted by id */
	size_t count;
	unsigned long counts[RUN_STATE_COUNT];
	enum aggregate aggregate;
	bool periodic;
	bool history_read;        /* DescribeInvocationResults IncludeHistory was used */
	unsigned pages;           /* DescribeInvocationResults pages read */
	unsigned long hung;       /* instances with a run over --max-runtime */
	unsigned long stale;      /* instances whose last run is over --max-age */
	long long now;            /* when it was judged, on the API's clock */
	unsigned polls;           /* --wait: reads of the invocation */
	bool still_running;       /* --wait: the deadline came while some ran */
	double waited_s;          /* --wait: seconds from the first poll to the last */
};

int check_run(struct api_client *api, const struct options *opts, struct check_result *out,
	      struct fault *f);
void check_result_free(struct check_result *r);

/* check_run() once, or with --wait until no instance is running: a poll
 * every --interval seconds, each a fresh signed request, the last one
 * started early enough to end inside the deadline. Still running then is
 * reported as such (still_running), never as a verdict it is not. */
int check_poll(struct api_client *api, const struct options *opts, struct check_result *out,
	       struct fault *f);

/* Judge already-read records (sorts them by instance id): normalise each,
 * count, aggregate. Pure; exposed for tests. */
int check_judge(struct check_result *r, const struct exit_codes *ok_codes, struct fault *f);

/* Mark runs over --max-runtime and periodic instances whose latest
 * completed run is older than --max-age, measured at now (the API's clock).
 * Pure; exposed for tests. */
void check_times(struct check_result *r, const struct options *opts, long long now);

/* The final state: the worst of the mapped aggregate state and every
 * threshold's state. *breached gets the first metric whose threshold set the
 * state (METRIC_COUNT when none). Pure. */
enum plugin_state check_state(const struct check_result *r, const struct options *opts,
			      enum metric *breached);

/* The value of a metric for r. */
unsigned long check_metric(const struct check_result *r, enum metric m);

#endif
