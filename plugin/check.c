/* check.c - see check.h. */
#include "config.h"

#include "check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Paging guard: 10,000 records of history at 50 a page, with room to spare.
 * A server that keeps handing out tokens beyond this is not to be trusted. */
#define MAX_PAGES 1000

static int by_instance_id(const void *a, const void *b)
{
	const struct record *x = a, *y = b;

	return strcmp(x->instance_id, y->instance_id);
}

/* Move the records of page onto the end of r->instances. */
static int take_page(struct check_result *r, struct record_page *page, size_t *cap,
		     struct fault *f)
{
	if (page->count == 0)
		return 0;
	if (page->count > *cap - r->count) {
		size_t want = *cap ? *cap : 64;
		struct record *grown;

		while (want - r->count < page->count)
			want *= 2;
		grown = realloc(r->instances, want * sizeof(*grown));
		if (grown == NULL) {
			fault_set(f, FAULT_NOMEM, "out of memory while reading instances");
			return -1;
		}
		r->instances = grown;
		*cap = want;
	}
	memcpy(r->instances + r->count, page->records, page->count * sizeof(*page->records));
	r->count += page->count;
	/* The records now belong to r; free only the page's own array. */
	free(page->records);
	page->records = NULL;
	page->count = 0;
	return 0;
}

static int normalise(const struct record *rec, const struct exit_codes *ok, enum run_state *state,
		     struct fault *f)
{
	struct run_status run = {
		.invocation_status = rec->invocation_status,
		.legacy_status = rec->legacy_status,
		.has_exit_code = rec->has_exit_code,
		.exit_code = rec->exit_code,
		.error_code = rec->error_code,
	};

	if (status_normalise(&run, ok, state) == 0)
		return 0;
	if ((rec->invocation_status == NULL || !*rec->invocation_status) &&
	    (rec->legacy_status == NULL || !*rec->legacy_status))
		fault_set(f, FAULT_STATUS, "instance %s has no status at all: cannot judge it",
			  rec->instance_id);
	else {
		fault_set(f, FAULT_STATUS,
			  "instance %s has status '%.60s', which this plugin does not know",
			  rec->instance_id,
			  rec->invocation_status && *rec->invocation_status ? rec->invocation_status
									    : rec->legacy_status);
		f->advice = "cannot judge it; a newer version of this plugin may know it";
	}
	return -1;
}

/* DescribeInvocationResults has no switch to leave Output out, so every
 * record of a page carries it. Keep it, page by page, only where it will be
 * shown (failed and stopped runs), so that memory stays bounded by one page
 * plus what is shown. A record that cannot be judged keeps nothing: the
 * judgement fails on it later with its own message. */
static void keep_needed_output(struct record_page *page, const struct exit_codes *ok_codes)
{
	for (size_t i = 0; i < page->count; i++) {
		struct record *rec = &page->records[i];
		enum run_state state;
		struct fault ignored;

		if (rec->output == NULL)
			continue;
		if (normalise(rec, ok_codes, &state, &ignored) == 0 &&
		    (state == RUN_FAILED || state == RUN_STOPPED))
			continue;
		free(rec->output);
		rec->output = NULL;
	}
}

int check_judge(struct check_result *r, const struct exit_codes *ok_codes, struct fault *f)
{
	memset(r->counts, 0, sizeof(r->counts));
	if (r->count == 0) {
		fault_set(f, FAULT_STATUS, "invocation %s has no instances: nothing to judge",
			  r->inv.invoke_id ? r->inv.invoke_id : "?");
		return -1;
	}
	qsort(r->instances, r->count, sizeof(*r->instances), by_instance_id);
	for (size_t i = 0; i < r->count; i++) {
		if (i > 0 && strcmp(r->instances[i - 1].instance_id, r->instances[i].instance_id) == 0) {
			fault_set(f, FAULT_SHAPE, "the API listed instance %s twice",
				  r->instances[i].instance_id);
			return -1;
		}
		if (normalise(&r->instances[i], ok_codes, &r->instances[i].state, f) != 0)
			return -1;
		r->counts[r->instances[i].state]++;
	}
	r->aggregate = status_aggregate(r->counts);
	return 0;
}

/* Take the page's NextToken as the token for the next request. Returns 1
 * when there is a next page, 0 after the last one, -1 when the API handed
 * back the token it was just given (it would page for ever). */
static int advance_token(char **token, struct record_page *page, struct fault *f)
{
	char *next = page->next_token;

	if (next == NULL || next[0] == '\0') {
		free(*token);
		*token = NULL;
		return 0;
	}
	if (*token != NULL && strcmp(*token, next) == 0) {
		fault_set(f, FAULT_SHAPE,
			  "the API answered with the same NextToken it was sent, so paging would never end");
		return -1;
	}
	free(*token);
	*token = next;
	page->next_token = NULL;
	return 1;
}

/* Later of two API times ("YYYY-MM-DDThh:mm:ssZ" compares as text); an
 * absent time is older than any. */
static bool is_later(const char *a, const char *b)
{
	if (a == NULL || *a == '\0')
		return false;
	if (b == NULL || *b == '\0')
		return true;
	return strcmp(a, b) > 0;
}

/* For a periodic invocation, replace each instance whose newest run is still
 * in progress by its latest completed run.
 *
 * The API does not document the order of history records. When they arrive
 * newest first (as observed), reading stops as soon as every such instance
 * has a completed run; as soon as one record is newer than the one before,
 * the order cannot be trusted and every page is read, keeping the completed
 * run with the latest StartTime. */
static int judge_from_history(struct api_client *api, const struct options *opts,
			      struct check_result *r, struct fault *f)
{
	bool *candidate = NULL, newest_first = true;
	size_t candidates = 0, judged = 0;
	char *token = NULL, previous_start[32] = "";
	int rc = -1, more = 1;

	r->history_read = true;
	candidate = calloc(r->count, sizeof(*candidate));
	if (candidate == NULL) {
		fault_set(f, FAULT_NOMEM, "out of memory while reading history");
		goto done;
	}
	/* An instance whose run in progress is its first (Repeats 1, or 0
	 * before it starts) has no earlier run to find: looking for one would
	 * read the whole history. It counts as running. */
	for (size_t i = 0; i < r->count; i++) {
		long long repeats = invocation_repeats(&r->inv, r->instances[i].instance_id);

		candidate[i] = r->instances[i].state == RUN_RUNNING && (repeats < 0 || repeats > 1);
		candidates += candidate[i];
	}
	for (unsigned page_no = 0; more == 1 && !(newest_first && judged == candidates);
	     page_no++) {
		struct record_page page;

		if (page_no >= MAX_PAGES) {
			fault_set(f, FAULT_SHAPE, "the API kept paging past %d pages of history",
				  MAX_PAGES);
			goto done;
		}
		if (api_results_page(api, opts->invoke_id, true, opts->show_output > 0, token, &page,
				     f) != 0)
			goto done;
		r->pages++;
		for (size_t i = 0; i < page.count; i++) {
			struct record *run = &page.records[i], *inst;
			enum run_state state;
			size_t at;

			if (previous_start[0] != '\0' && is_later(run->start_time, previous_start))
				newest_first = false;
			if (run->start_time != NULL)
				snprintf(previous_start, sizeof(previous_start), "%s", run->start_time);
			inst = bsearch(run, r->instances, r->count, sizeof(*r->instances),
				       by_instance_id);
			if (inst == NULL)
				continue; /* not an instance of this invocation */
			at = (size_t)(inst - r->instances);
			if (!candidate[at])
				continue;
			if (normalise(run, &opts->ok_codes, &state, f) != 0) {
				record_page_free(&page);
				goto done;
			}
			if (state == RUN_RUNNING)
				continue;
			if (state != RUN_FAILED && state != RUN_STOPPED) {
				free(run->output); /* not shown */
				run->output = NULL;
			}
			if (inst->state != RUN_RUNNING && !is_later(run->start_time, inst->start_time))
				continue; /* already have a later completed run */
			{
				/* Keep when the run in progress started: --max-runtime. */
				char *running_start = inst->state == RUN_RUNNING ? inst->start_time
										 : inst->running_start;

				if (inst->state == RUN_RUNNING) {
					judged++;
					inst->start_time = NULL;
				} else {
					inst->running_start = NULL;
				}
				record_free(inst);
				*inst = *run;
				inst->state = state;
				inst->running_start = running_start;
				memset(run, 0, sizeof(*run)); /* moved */
			}
		}
		more = advance_token(&token, &page, f);
		record_page_free(&page);
		if (more < 0)
			goto done;
	}
	memset(r->counts, 0, sizeof(r->counts));
	for (size_t i = 0; i < r->count; i++)
		r->counts[r->instances[i].state]++;
	r->aggregate = status_aggregate(r->counts);
	rc = 0;
done:
	free(candidate);
	free(token);
	return rc;
}

int check_run(struct api_client *api, const struct options *opts, struct check_result *out,
	      struct fault *f)
{
	struct check_result r = { 0 };
	char *token = NULL;
	size_t cap = 0;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (api_describe_invocation(api, opts->invoke_id, &r.inv, f) != 0) {
		/* The API's other way of saying "no such invocation". */
		if (strcmp(f->code, "InvalidInvokeId.NotFound") != 0)
			goto done;
		fault_clear(f);
		r.inv.found = false;
	}
	if (!r.inv.found) {
		r.aggregate = AGG_NOT_FOUND;
		rc = 0;
		goto done;
	}
	r.periodic = status_repeat_is_periodic(r.inv.repeat_mode);

	/* Every instance, from the paged action: its list is complete where the
	 * list nested in DescribeInvocations is not documented to be. */
	for (unsigned page_no = 0;; page_no++) {
		struct record_page page;
		int taken, more;

		if (page_no >= MAX_PAGES) {
			fault_set(f, FAULT_SHAPE, "the API kept paging past %d pages", MAX_PAGES);
			goto done;
		}
		if (api_results_page(api, opts->invoke_id, false, opts->show_output > 0, token, &page,
				     f) != 0)
			goto done;
		r.pages++;
		keep_needed_output(&page, &opts->ok_codes);
		more = advance_token(&token, &page, f);
		taken = more >= 0 ? take_page(&r, &page, &cap, f) : -1;
		record_page_free(&page);
		if (taken != 0)
			goto done;
		if (more == 0)
			break;
	}
	if (check_judge(&r, &opts->ok_codes, f) != 0)
		goto done;
	if (r.periodic && r.counts[RUN_RUNNING] > 0 && status_repeat_has_history(r.inv.repeat_mode) &&
	    judge_from_history(api, opts, &r, f) != 0)
		goto done;
	check_times(&r, opts, api_now(api));
	rc = 0;
done:
	free(token);
	if (rc == 0)
		*out = r;
	else
		check_result_free(&r);
	return rc;
}

int check_poll(struct api_client *api, const struct options *opts, struct check_result *out,
	       struct fault *f)
{
	double first = http_now();
	unsigned polls = 0;

	memset(out, 0, sizeof(*out));
	for (;;) {
		struct check_result r;
		double started = http_now(), took, next;

		if (check_run(api, opts, &r, f) != 0) {
			/* A later poll that runs into the deadline or the network
			 * does not undo what was seen: still running is the answer. */
			if (polls > 0 && (f->klass == FAULT_DEADLINE || f->retryable)) {
				api_trace(api, 2, "  poll %u failed (%s): keeping poll %u", polls + 1,
					  f->text, polls);
				fault_clear(f);
				out->still_running = true;
				out->waited_s = http_now() - first;
				return 0;
			}
			check_result_free(out);
			return -1;
		}
		check_result_free(out);
		*out = r;
		out->polls = ++polls;
		out->waited_s = started - first;
		if (!opts->wait || r.aggregate == AGG_NOT_FOUND || r.counts[RUN_RUNNING] == 0)
			return 0;
		/* Another poll only if it can start after the interval and still
		 * end, taking as long as this one did, before the deadline. */
		took = http_now() - started;
		next = http_now() + (double)opts->interval_s;
		/* An interval longer than what is left: one last poll that ends
		 * just inside the deadline. */
		if (next + 1.5 * took + 0.2 > api->deadline)
			next = api->deadline - 1.5 * took - 0.2;
		if (next <= http_now() + 0.05) {
			out->still_running = true;
			out->waited_s = http_now() - first;
			return 0;
		}
		api_trace(api, 2, "  poll %u: %lu running, next in %ld s", polls, r.counts[RUN_RUNNING],
			  opts->interval_s);
		while (http_now() < next) {
			struct timespec ts;
			double left = next - http_now();

			ts.tv_sec = (time_t)left;
			ts.tv_nsec = (long)((left - (double)ts.tv_sec) * 1e9);
			nanosleep(&ts, NULL);
		}
	}
}

void check_result_free(struct check_result *r)
{
	for (size_t i = 0; i < r->count; i++)
		record_free(&r->instances[i]);
	free(r->instances);
	invocation_free(&r->inv);
	memset(r, 0, sizeof(*r));
}

/* Scheduled: a periodic instance waiting for its next run (or reboot), not
 * a command in progress. */
static bool is_waiting_for_schedule(const struct record *inst)
{
	const char *s = inst->invocation_status && *inst->invocation_status ? inst->invocation_status
									    : inst->legacy_status;

	return s != NULL && strcmp(s, "Scheduled") == 0;
}

void check_times(struct check_result *r, const struct options *opts, long long now)
{
	r->now = now;
	r->hung = 0;
	r->stale = 0;
	for (size_t i = 0; i < r->count; i++) {
		struct record *inst = &r->instances[i];
		const char *since = NULL;
		long long t;

		inst->hung = false;
		inst->stale = false;
		inst->over_s = 0;
		if (opts->max_runtime_s > 0) {
			since = NULL;
			if (inst->state != RUN_RUNNING)
				since = inst->running_start;
			else if (is_waiting_for_schedule(inst))
				since = NULL; /* no command runs until its next time */
			else if (inst->start_time && *inst->start_time)
				since = inst->start_time;
			else if (!r->periodic)
				/* A Pending run of a one-shot invocation waits since
				 * the invocation was created; a periodic one became
				 * Pending at its last trigger, which the API does not
				 * give, so it is not measured. */
				since = r->inv.creation_time;
			if (since && parse_api_time(since, &t) == 0 && now - t > opts->max_runtime_s) {
				inst->hung = true;
				inst->over_s = now - t;
				r->hung++;
			}
		}
		if (opts->max_age_s > 0 && r->periodic && !inst->hung) {
			/* An instance that never completed a run is as old as the
			 * invocation. */
			if (inst->state == RUN_RUNNING)
				since = r->inv.creation_time;
			else
				since = inst->finished_time && *inst->finished_time ? inst->finished_time
										    : inst->start_time;
			if (since && parse_api_time(since, &t) == 0 && now - t > opts->max_age_s) {
				inst->stale = true;
				inst->over_s = now - t;
				r->stale++;
			}
		}
	}
}

unsigned long check_metric(const struct check_result *r, enum metric m)
{
	switch (m) {
	case METRIC_TOTAL: return (unsigned long)r->count;
	case METRIC_RUNNING: return r->counts[RUN_RUNNING];
	case METRIC_FINISHED: return r->counts[RUN_FINISHED];
	case METRIC_FAILED: return r->counts[RUN_FAILED];
	case METRIC_STOPPED: return r->counts[RUN_STOPPED];
	case METRIC_COUNT: break;
	}
	return 0;
}

enum plugin_state check_state(const struct check_result *r, const struct options *opts,
			      enum metric *breached)
{
	enum plugin_state state = opts->map.of[r->aggregate];

	*breached = METRIC_COUNT;
	/* NotFound too: its counts are all 0 (and its perfdata says so), so
	 * e.g. --critical-total 1: makes a missing invocation CRITICAL. */
	/* A hung run or a stalled schedule is an outage whatever the counts. */
	if (r->hung > 0 || r->stale > 0)
		state = state_worst(state, STATE_CRITICAL);
	for (int m = 0; m < METRIC_COUNT; m++) {
		double v = (double)check_metric(r, (enum metric)m);
		enum plugin_state t = STATE_OK;

		if (range_alerts(&opts->crit[m], v))
			t = STATE_CRITICAL;
		else if (range_alerts(&opts->warn[m], v))
			t = STATE_WARNING;
		if (t != STATE_OK && state_worst(state, t) == t && t != state) {
			state = t;
			*breached = (enum metric)m;
		} else if (t != STATE_OK && *breached == METRIC_COUNT && t == state) {
			*breached = (enum metric)m;
		}
	}
	return state;
}
