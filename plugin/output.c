/* output.c - see output.h. */
#include "config.h"

#include "output.h"
#include "sign.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"

#define PREFIX "ECS INVOCATION "
/* Room kept for the "... and N more" line. */
#define MORE_LINE_ROOM 40
/* Line 1 before the perfdata: short enough for a pager or an SMS. */
#define LINE1_TEXT_MAX 100
/* Said of every periodic invocation, when its runs ended only if there is room. */
#define PERIODIC_MARK " (periodic)"
/* Most of the output the -vv/-vvv trace may take from the instance lines. */
#define TRACE_ROOM 1600
/* API free text per instance line. */
#define ERROR_INFO_MAX 200

/* Our own multi-line text that quotes the server (the trace): keep the line
 * breaks, make each line safe. */
static void sanitize_lines(struct strbuf *out, const char *s, size_t len)
{
	while (len > 0) {
		const char *nl = memchr(s, '\n', len);
		size_t n = nl ? (size_t)(nl - s) : len;

		text_sanitize(out, s, n, 0);
		strbuf_putc(out, '\n');
		if (nl == NULL)
			break;
		len -= n + 1;
		s = nl + 1;
	}
}

/* Append the newest lines of the trace that fit in budget bytes: the lines
 * nearest the end are the ones that explain what happened last. */
static void append_trace(struct strbuf *out, const struct strbuf *trace, size_t budget)
{
	struct strbuf clean;
	size_t from = 0, skipped = 0;
	char note[64];
	int note_len;

	if (trace == NULL || trace->len == 0 || budget == 0)
		return;
	strbuf_init(&clean, 4 * trace->len + 16);
	sanitize_lines(&clean, trace->data, trace->len);
	if (clean.failed || clean.data == NULL)
		goto done;
	while (from < clean.len) {
		note_len = snprintf(note, sizeof(note), "... %zu earlier trace lines left out\n",
				    skipped);
		if (clean.len - from + (skipped ? (size_t)note_len : 0) <= budget)
			break;
		{
			const char *nl = memchr(clean.data + from, '\n', clean.len - from);
			from = nl ? (size_t)(nl - clean.data) + 1 : clean.len;
		}
		skipped++;
	}
	if (skipped) {
		snprintf(note, sizeof(note), "... %zu earlier trace lines left out\n", skipped);
		if (strlen(note) > budget)
			goto done;
		strbuf_puts(out, note);
	}
	strbuf_append(out, clean.data + from, clean.len - from);
done:
	strbuf_free(&clean);
}

/* One unit is enough on the first line: "45s", "12m", "21h", "3d". */
static void coarse_age(long long s, char *out, size_t size)
{
	if (s < 0)
		s = 0;
	if (s < 60)
		snprintf(out, size, "%llds", s);
	else if (s < 3600)
		snprintf(out, size, "%lldm", s / 60);
	else if (s < 86400)
		snprintf(out, size, "%lldh", s / 3600);
	else
		snprintf(out, size, "%lldd", s / 86400);
}

/* "periodic, 5m-2h ago": a periodic invocation is judged by each
 * instance's latest completed run, so say how recent those runs are. */
static void periodic_note(struct strbuf *out, const struct check_result *r)
{
	long long newest = -1, oldest = -1;
	char a[32], b[32];

	for (size_t i = 0; i < r->count; i++) {
		const struct record *rec = &r->instances[i];
		const char *end = rec->finished_time && *rec->finished_time ? rec->finished_time
									      : rec->start_time;
		long long t;

		if (rec->state == RUN_RUNNING || end == NULL || parse_api_time(end, &t) != 0)
			continue;
		if (newest < 0 || t > newest)
			newest = t;
		if (oldest < 0 || t < oldest)
			oldest = t;
	}
	if (newest < 0 || r->now <= 0) {
		strbuf_puts(out, PERIODIC_MARK);
		return;
	}
	coarse_age(r->now - newest, a, sizeof(a));
	coarse_age(r->now - oldest, b, sizeof(b));
	if (strcmp(a, b) == 0)
		strbuf_printf(out, " (periodic, %s ago)", a);
	else
		strbuf_printf(out, " (periodic, %s-%s ago)", a, b);
}

/* The notes that may follow the counts, in the order they are printed. */
enum note { NOTE_PERIODIC, NOTE_STILL_RUNNING, NOTE_HUNG, NOTE_STALE, NOTE_BREACH, NOTE_COUNT };

/* ... and in the order they are kept when line 1 grows long: what makes the
 * state an outage, then the threshold that set it off, then context. */
static const enum note note_priority[NOTE_COUNT] = {
	NOTE_HUNG, NOTE_STALE, NOTE_BREACH, NOTE_STILL_RUNNING, NOTE_PERIODIC,
};

static void summary_note(struct strbuf *out, enum note which, const struct check_result *r,
			 const struct options *opts, enum metric breached)
{
	char limit[32];

	switch (which) {
	case NOTE_HUNG:
		if (r->hung == 0)
			return;
		format_duration(opts->max_runtime_s, limit, sizeof(limit));
		strbuf_printf(out, " - %lu running over %s", r->hung, limit);
		return;
	case NOTE_STALE:
		if (r->stale == 0)
			return;
		format_duration(opts->max_age_s, limit, sizeof(limit));
		strbuf_printf(out, " - %lu with no run in %s", r->stale, limit);
		return;
	case NOTE_BREACH: {
		const struct range *crit, *hit;
		double v;

		if (breached == METRIC_COUNT)
			return;
		crit = &opts->crit[breached];
		v = (double)check_metric(r, breached);
		hit = range_alerts(crit, v) ? crit : &opts->warn[breached];
		strbuf_printf(out, " - %s=%lu %s %s range %s", metric_name(breached),
			      check_metric(r, breached), hit->inside ? "inside" : "outside",
			      hit == crit ? "critical" : "warning", hit->text);
		return;
	}
	case NOTE_STILL_RUNNING:
		if (r->still_running)
			strbuf_printf(out, " - still running after %.0f s of --wait", r->waited_s);
		return;
	case NOTE_PERIODIC:
		if (r->periodic)
			periodic_note(out, r);
		return;
	case NOTE_COUNT:
		return;
	}
}

size_t output_summary_room(enum plugin_state state, const char *invoke_id,
			   enum aggregate aggregate)
{
	size_t head = strlen(PREFIX) + strlen(plugin_state_name(state)) + strlen(" - ") +
		      strlen(invoke_id ? invoke_id : "") + 1 + strlen(aggregate_name(aggregate)) +
		      strlen(": ");

	return head < LINE1_TEXT_MAX ? LINE1_TEXT_MAX - head : 0;
}

void output_summary(struct strbuf *out, const struct check_result *r, const struct options *opts,
		    enum metric breached, size_t room)
{
	size_t start = out->len, used;
	unsigned long n = (unsigned long)r->count;
	const unsigned long *c = r->counts;
	struct strbuf note[NOTE_COUNT];
	bool keep[NOTE_COUNT] = { false }, first = true;

	switch (r->aggregate) {
	case AGG_NOT_FOUND:
		strbuf_printf(out, "no such invocation in %s", opts->region);
		/* A threshold on its counts of 0 that set the state is said, as for
		 * any aggregate; the reason why is left out for it to fit. */
		if ((unsigned)breached >= METRIC_COUNT) {
			strbuf_puts(out, " (unknown or expired id)");
			return;
		}
		break;
	case AGG_FINISHED:
		strbuf_printf(out, "%lu of %lu instances finished", c[RUN_FINISHED], n);
		if (c[RUN_STOPPED])
			strbuf_printf(out, ", %lu stopped", c[RUN_STOPPED]);
		break;
	case AGG_RUNNING:
		strbuf_printf(out, "%lu of %lu instances running", c[RUN_RUNNING], n);
		break;
	case AGG_STOPPED:
		strbuf_printf(out, "%lu of %lu instances stopped", c[RUN_STOPPED], n);
		break;
	case AGG_PARTIAL_FAILED:
	case AGG_FAILED:
		strbuf_printf(out, "%lu of %lu instances failed", c[RUN_FAILED], n);
		if (c[RUN_RUNNING])
			strbuf_printf(out, ", %lu running", c[RUN_RUNNING]);
		break;
	case AGG_COUNT:
		break;
	}
	/* The first line goes to pagers: the counts and the most important
	 * note always, the others only while the whole fits in room (the long
	 * output, -v and the JSON fields say the rest). */
	used = out->len - start;
	for (int w = 0; w < NOTE_COUNT; w++) {
		strbuf_init(&note[w], 256);
		summary_note(&note[w], (enum note)w, r, opts, breached);
	}
	/* That the invocation is periodic is part of the counts' meaning and
	 * always said; only when its judged runs ended is a note. */
	if (r->periodic)
		used += strlen(PERIODIC_MARK);
	for (int p = 0; p < NOTE_COUNT; p++) {
		enum note w = note_priority[p];
		size_t cost = note[w].len;

		if (w == NOTE_PERIODIC && cost >= strlen(PERIODIC_MARK))
			cost -= strlen(PERIODIC_MARK);
		if (note[w].len == 0 || note[w].failed || (!first && used + cost > room))
			continue;
		keep[w] = true;
		used += cost;
		first = false;
	}
	for (int w = 0; w < NOTE_COUNT; w++) {
		if (keep[w])
			strbuf_append(out, note[w].data, note[w].len);
		else if (w == NOTE_PERIODIC && r->periodic)
			strbuf_puts(out, PERIODIC_MARK);
		/* A note lost for want of memory must not pass for no note. */
		if (note[w].failed && !note[w].over)
			out->failed = true;
		strbuf_free(&note[w]);
	}
}

static void perfdata(struct strbuf *out, const struct check_result *r, const struct options *opts,
		     double elapsed)
{
	long long total = (long long)r->count;

	strbuf_puts(out, " | ");
	perfdata_int(out, "total", total, "", &opts->warn[METRIC_TOTAL], &opts->crit[METRIC_TOTAL],
		     true, 0, false, 0);
	for (int m = METRIC_RUNNING; m < METRIC_COUNT; m++)
		perfdata_int(out, metric_name((enum metric)m),
			     (long long)check_metric(r, (enum metric)m), "", &opts->warn[m],
			     &opts->crit[m], true, 0, true, total);
	perfdata_seconds(out, "time", elapsed, NULL, NULL);
}

static const char *api_status_of(const struct record *rec)
{
	if (rec->invocation_status && *rec->invocation_status)
		return rec->invocation_status;
	if (rec->legacy_status && *rec->legacy_status)
		return rec->legacy_status;
	return "?";
}

/* A finished instance that still needs the operator's eye. */
static bool listed_anyway(const struct record *rec)
{
	return rec->hung || rec->stale;
}

/* "  output: ..." under an instance: the first --show-output bytes of its
 * command output, Base64-decoded, on one safe line. */
/* The command output under an instance's line, within room bytes:
 * "  output: <start of the output, made safe>[...] [N more bytes dropped by
 * the API]\n". The text is cut (at a character boundary, with "...") before
 * the note is, so the note survives a small share. Returns the bytes
 * appended to out (0 when not even a short start fits). */
static size_t output_lines(struct strbuf *out, struct strbuf *work, const struct record *rec,
			   const struct options *opts, size_t room)
{
	static const char head[] = "  output: ", cut[] = "...";
	char note[64] = "";
	struct strbuf raw;
	size_t n, keep;

	if (rec->dropped > 0)
		snprintf(note, sizeof(note), " [%lld more bytes dropped by the API]", rec->dropped);
	strbuf_init(&raw, (size_t)64 * 1024);
	strbuf_reset(work);
	if (base64_decode(rec->output, strlen(rec->output), &raw) != 0) {
		if (raw.failed && !raw.over)
			work->failed = true; /* out of memory, not bad Base64 */
		else
			strbuf_puts(work, "(not Base64: not shown)");
	} else if (raw.len == 0)
		strbuf_puts(work, "(none)");
	else
		text_sanitize(work, raw.data, raw.len, (size_t)opts->show_output);
	strbuf_free(&raw);
	n = sizeof(head) - 1 + strlen(note) + 1;
	if (work->failed || room < n + 16)
		return 0;
	keep = work->len;
	if (n + keep > room) {
		keep = room - n - (sizeof(cut) - 1);
		while (keep > 0 && ((unsigned char)work->data[keep] & 0xC0) == 0x80)
			keep--; /* not inside a UTF-8 sequence */
	}
	strbuf_puts(out, head);
	strbuf_append(out, work->data, keep);
	if (keep < work->len)
		strbuf_puts(out, cut);
	strbuf_puts(out, note);
	strbuf_putc(out, '\n');
	return n + keep + (keep < work->len ? sizeof(cut) - 1 : 0);
}

/* One instance: "i-bp1aaa Failed exit=1 ExitCodeNonzero: the command ..." */
static void instance_line(struct strbuf *line, const struct record *rec,
			  const struct options *opts, long long now)
{
	const char *status = api_status_of(rec);

	strbuf_reset(line);
	text_sanitize(line, rec->instance_id, strlen(rec->instance_id), 64);
	strbuf_putc(line, ' ');
	text_sanitize(line, status, strlen(status), 32);
	if (rec->has_exit_code)
		strbuf_printf(line, " exit=%lld", rec->exit_code);
	if (rec->state == RUN_FAILED && rec->has_exit_code &&
	    exit_codes_contain(&opts->ok_codes, rec->exit_code) == false &&
	    (rec->error_code == NULL || !*rec->error_code))
		strbuf_puts(line, " (not an --ok-exit-codes value)");
	if (rec->error_code && *rec->error_code) {
		strbuf_putc(line, ' ');
		text_sanitize(line, rec->error_code, strlen(rec->error_code), 64);
	}
	if (rec->error_info && *rec->error_info) {
		strbuf_puts(line, ": ");
		text_sanitize(line, rec->error_info, strlen(rec->error_info), ERROR_INFO_MAX);
	}
	if (rec->hung || rec->stale) {
		char age[32];

		format_duration(rec->over_s, age, sizeof(age));
		if (rec->hung && rec->state != RUN_RUNNING)
			strbuf_printf(line, "; a newer run in progress for %s (over --max-runtime)", age);
		else if (rec->hung)
			strbuf_printf(line, " running for %s (over --max-runtime)", age);
		else if (rec->state == RUN_RUNNING)
			strbuf_printf(line, " no completed run since its creation %s ago (over --max-age)",
				      age);
		else
			strbuf_printf(line, " last run %s ago (over --max-age)", age);
	}
	if (rec->start_time && *rec->start_time) {
		strbuf_puts(line, " started ");
		text_sanitize(line, rec->start_time, strlen(rec->start_time), 32);
		if (rec->state == RUN_RUNNING && !rec->hung && now > 0) {
			long long t0;

			if (parse_api_time(rec->start_time, &t0) == 0 && now >= t0) {
				char ran[32];

				format_duration(now - t0, ran, sizeof(ran));
				strbuf_printf(line, " (running %s)", ran);
			}
		}
		if (rec->finished_time && *rec->finished_time) {
			long long t0, t1;

			strbuf_puts(line, " finished ");
			text_sanitize(line, rec->finished_time, strlen(rec->finished_time), 32);
			if (parse_api_time(rec->start_time, &t0) == 0 &&
			    parse_api_time(rec->finished_time, &t1) == 0 && t1 >= t0) {
				char took[32];

				format_duration(t1 - t0, took, sizeof(took));
				strbuf_printf(line, " (%s)", took);
			}
		}
	}
	strbuf_putc(line, '\n');
}

/* The API's overall status as our aggregate, to notice disagreement. */
static int api_aggregate(const char *s, enum aggregate *out)
{
	static const struct {
		const char *name;
		enum aggregate agg;
	} table[] = { { "Success", AGG_FINISHED },	{ "Finished", AGG_FINISHED },
		      { "Failed", AGG_FAILED },		{ "PartialFailed", AGG_PARTIAL_FAILED },
		      { "Stopped", AGG_STOPPED },	{ "Running", AGG_RUNNING },
		      { "Pending", AGG_RUNNING },	{ "Scheduled", AGG_RUNNING },
		      { "Stopping", AGG_RUNNING } };

	for (size_t i = 0; s && i < sizeof(table) / sizeof(table[0]); i++) {
		if (strcmp(s, table[i].name) == 0) {
			*out = table[i].agg;
			return 0;
		}
	}
	return -1;
}

/* "the local clock is 3600 s behind the API's ..." */
static void clock_line(struct strbuf *out, const struct run_info *info)
{
	char rel[48];

	format_clock_relation(info->clock_offset, rel, sizeof(rel));
	strbuf_printf(out, "the local clock %s the API's", rel);
	if (info->clock_corrections > 1)
		strbuf_printf(out, " (it moved during the run: corrected %u times)",
			      info->clock_corrections);
	strbuf_puts(out, ": requests were signed with the API's time (fix NTP)\n");
}

/* -vv: which clock the ages were measured on, and how far the local one is
 * off it (within a second is as close as a Date header can tell). */
static void api_clock_line(struct strbuf *out, const struct check_result *r,
			   const struct run_info *info)
{
	char when[SIGN_TIMESTAMP_SIZE];
	long long skew = info->api_clock_skew, off = skew < 0 ? -skew : skew;

	if (!info->api_clock_known || r->now <= 0 || sign_timestamp((time_t)r->now, when) != 0) {
		strbuf_puts(out, "times measured on the local clock (the API sent no Date header)\n");
		return;
	}
	strbuf_printf(out, "times measured on the API's clock (its Date header): %s; ", when);
	if (off <= 1)
		strbuf_puts(out, "the local clock agrees\n");
	else
		strbuf_printf(out, "the local clock is %lld s %s\n", off,
			      skew > 0 ? "behind" : "ahead");
}

static void verbose_tail(struct strbuf *tail, const struct check_result *r,
			 const struct options *opts, const struct run_info *info)
{
	if (opts->verbosity >= 1 && info->clock_corrected)
		clock_line(tail, info);
	if (opts->verbosity >= 1 && r->inv.found) {
		const char *api = r->inv.invocation_status && *r->inv.invocation_status
					  ? r->inv.invocation_status
					  : r->inv.invoke_status;
		enum aggregate theirs;

		strbuf_puts(tail, "API status: ");
		text_sanitize(tail, api ? api : "none", api ? strlen(api) : 4, 40);
		if (api != NULL && api_aggregate(api, &theirs) == 0 && theirs != r->aggregate)
			strbuf_printf(tail, " (this check judged %s%s)", aggregate_name(r->aggregate),
				      r->periodic ? ": periodic invocations stay Running at the invocation level" : "");
		strbuf_putc(tail, '\n');
		if (r->inv.command_name && *r->inv.command_name) {
			strbuf_puts(tail, "command: ");
			text_sanitize(tail, r->inv.command_name, strlen(r->inv.command_name), 80);
			strbuf_putc(tail, '\n');
		}
		if (r->inv.repeat_mode && *r->inv.repeat_mode) {
			strbuf_puts(tail, "repeat mode: ");
			text_sanitize(tail, r->inv.repeat_mode, strlen(r->inv.repeat_mode), 40);
			strbuf_putc(tail, '\n');
		}
	}
	if (opts->verbosity >= 2) {
		strbuf_printf(tail, "endpoint %s, region %s (from %s), signature %s\n",
			      opts->endpoint, opts->region, opts->region_source ? opts->region_source : "?",
			      info->signature ? info->signature : "?");
		strbuf_puts(tail, "credentials: ");
		text_sanitize(tail, info->credentials_source ? info->credentials_source : "?",
			      info->credentials_source ? strlen(info->credentials_source) : 1, 640);
		strbuf_putc(tail, '\n');
		strbuf_printf(tail, "%u requests (%u retries), %u result pages%s", info->requests,
			      info->retries, r->pages, r->history_read ? ", history read" : "");
		if (r->polls > 1)
			strbuf_printf(tail, ", %u polls over %.0f s", r->polls, r->waited_s);
		strbuf_putc(tail, '\n');
		api_clock_line(tail, r, info);
	}
}

int output_result(struct strbuf *out, const struct check_result *r, const struct options *opts,
		  enum plugin_state state, enum metric breached, const struct run_info *info)
{
	struct strbuf tail, line;
	size_t shown = 0, outputs = 0, budget, trace_room = 0;
	static const enum run_state order[] = { RUN_FAILED, RUN_STOPPED, RUN_RUNNING, RUN_FINISHED };
	const struct record **shown_recs;
	int rc;

	/* sizeof(*shown_recs) is one element, a pointer, as meant.
	 * NOLINTNEXTLINE(bugprone-sizeof-expression) */
	shown_recs = calloc(r->count ? r->count : 1, sizeof(*shown_recs));
	if (shown_recs == NULL)
		return -1;
	strbuf_init(&tail, OUTPUT_MAX / 2);
	strbuf_init(&line, 0); /* an output line can be 3x its bytes: U+FFFD */

	strbuf_printf(out, PREFIX "%s - %s %s: ", plugin_state_name(state), opts->invoke_id,
		      aggregate_name(r->aggregate));
	output_summary(out, r, opts, breached,
		       output_summary_room(state, opts->invoke_id, r->aggregate));
	perfdata(out, r, opts, info->elapsed);
	strbuf_putc(out, '\n');

	verbose_tail(&tail, r, opts, info);
	if (opts->verbosity >= 2 && info->trace != NULL)
		trace_room = info->trace->len < TRACE_ROOM ? info->trace->len + 64 : TRACE_ROOM;
	budget = OUTPUT_MAX > out->len + tail.len + trace_room + MORE_LINE_ROOM
			 ? OUTPUT_MAX - out->len - tail.len - trace_room - MORE_LINE_ROOM
			 : 0;

	/* Worst first; finished instances only with -v, or when their schedule
	 * has stalled or a newer run hangs. First the instance lines that fit:
	 * which instances failed matters more than what one of them printed. */
	for (size_t o = 0; o < sizeof(order) / sizeof(order[0]); o++) {
		for (size_t i = 0; i < r->count; i++) {
			const struct record *rec = &r->instances[i];

			if (rec->state != order[o] ||
			    (order[o] == RUN_FINISHED && opts->verbosity < 1 && !listed_anyway(rec)))
				continue;
			instance_line(&line, rec, opts, r->now);
			if (line.failed || line.len > budget) {
				budget = 0;
				continue;
			}
			budget -= line.len;
			shown_recs[shown++] = rec;
			if (opts->show_output > 0 && rec->output != NULL)
				outputs++;
		}
	}
	/* Then each line with its command output under it, the outputs sharing
	 * what is left: an output shorter than its share leaves the rest to the
	 * ones after it. */
	for (size_t k = 0; k < shown; k++) {
		const struct record *rec = shown_recs[k];

		instance_line(&line, rec, opts, r->now);
		strbuf_append(out, line.data, line.len);
		if (opts->show_output > 0 && rec->output != NULL) {
			budget -= output_lines(out, &line, rec, opts, budget / outputs);
			outputs--;
		}
	}
	{
		size_t listable = r->count;

		for (size_t i = 0; opts->verbosity < 1 && i < r->count; i++)
			if (r->instances[i].state == RUN_FINISHED && !listed_anyway(&r->instances[i]))
				listable--;
		if (shown < listable)
			strbuf_printf(out, "... and %zu more\n", listable - shown);
	}
	if (tail.len)
		strbuf_append(out, tail.data, tail.len);
	if (opts->verbosity >= 2 && out->len < OUTPUT_MAX)
		append_trace(out, info->trace, OUTPUT_MAX - out->len);
	/* Out of memory in a part must not pass for a shorter answer. */
	rc = out->failed || (tail.failed && !tail.over) || (line.failed && !line.over) ? -1 : 0;
	free(shown_recs);
	strbuf_free(&tail);
	strbuf_free(&line);
	return rc;
}

int output_fault(struct strbuf *out, const char *invoke_id, const struct fault *f, int verbosity,
		 const struct run_info *info)
{
	strbuf_puts(out, PREFIX "UNKNOWN - ");
	if (invoke_id) {
		strbuf_puts(out, invoke_id);
		strbuf_puts(out, ": ");
	}
	text_sanitize(out, f->text, strlen(f->text), 400);
	strbuf_putc(out, '\n');
	if (verbosity >= 1 && info != NULL && info->clock_corrected)
		clock_line(out, info);
	if (verbosity >= 2 && info != NULL) {
		strbuf_printf(out, "fault class: %s; %u requests (%u retries) in %.3f s\n",
			      fault_class_name(f->klass), info->requests, info->retries, info->elapsed);
		if (info->credentials_source && *info->credentials_source) {
			strbuf_puts(out, "credentials: ");
			text_sanitize(out, info->credentials_source, strlen(info->credentials_source), 640);
			strbuf_putc(out, '\n');
		}
		if (out->len < OUTPUT_MAX)
			append_trace(out, info->trace, OUTPUT_MAX - out->len);
	}
	return out->failed ? -1 : 0;
}
