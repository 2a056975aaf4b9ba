/* jsonout.c - see jsonout.h.
 *
 * The document is built as a Jansson tree and dumped once. Text from the API
 * goes in as it came, except that bytes that are not valid UTF-8 become
 * U+FFFD: JSON escaping already makes '|', newlines and control characters
 * harmless, so the plugin-text sanitising (text_sanitize) would only lose
 * information here. Keys keep their insertion order, so the document reads
 * in the same order as the plugin text. */
#include "config.h"

#include "jsonout.h"

#include "text.h"

#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>


/* A run of the plugin is bounded by -t; beyond this "elapsed" is garbage. */
#define SECONDS_CAP 1e9

/* time_s is rounded to milliseconds; 15 significant digits print any such
 * value (below SECONDS_CAP) in its shortest decimal form. */
#define DUMP_FLAGS (JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15))

/* A JSON string of s with every byte that is not part of valid UTF-8
 * replaced by U+FFFD (one per bad byte, as in the plugin text). NULL on
 * allocation failure. */
static json_t *utf8_string(const char *s)
{
	struct strbuf fixed;
	json_t *v = NULL;

	strbuf_init(&fixed, 0);
	if (text_fix_utf8(&fixed, s, strlen(s)) == 0)
		v = json_stringn(fixed.data ? fixed.data : "", fixed.len);
	strbuf_free(&fixed);
	return v;
}

/* A value from the API: absent (NULL or "", as status.h treats both) is
 * null. */
static json_t *api_text(const char *s)
{
	if (s == NULL || *s == '\0')
		return json_null();
	return utf8_string(s);
}

/* Building helpers: each sets *bad on failure and is a no-op once it is set,
 * so the builder checks once at the end. A NULL value is an allocation
 * failure (json_object_set_new() fails on it and leaks nothing). */
static void put(json_t *obj, const char *key, json_t *value, bool *bad)
{
	if (*bad) {
		json_decref(value);
		return;
	}
	if (json_object_set_new(obj, key, value) != 0)
		*bad = true;
}

static void push(json_t *arr, json_t *value, bool *bad)
{
	if (*bad) {
		json_decref(value);
		return;
	}
	if (json_array_append_new(arr, value) != 0)
		*bad = true;
}

static json_t *integer(long long v)
{
	return json_integer((json_int_t)v);
}

static json_t *seconds(const struct run_info *info)
{
	double s;

	if (info == NULL)
		return json_null();
	s = info->elapsed;
	if (!isfinite(s) || s < 0)
		s = 0;
	if (s > SECONDS_CAP)
		s = SECONDS_CAP;
	/* Milliseconds, like the time perfdata (rounded half up). */
	return json_real((double)(long long)(s * 1000.0 + 0.5) / 1000.0);
}

static json_t *requests(const struct run_info *info)
{
	return info == NULL ? json_null() : integer((long long)info->requests);
}

/* The seconds request timestamps were moved by to the API's clock, or null
 * when the local clock was not corrected. */
static json_t *clock_corrected(const struct run_info *info)
{
	if (info == NULL || !info->clock_corrected)
		return json_null();
	return integer(info->clock_offset);
}

static int append_text(const char *text, size_t size, void *out)
{
	return strbuf_append(out, text, size);
}

/* Dump doc and a newline onto out. Takes doc. Not through json_dumps():
 * Jansson 2.14 does not check every write to its own buffer, so a key whose
 * allocation failed goes missing from the text, whereas out stays failed
 * after any failed append. A document cut short leaves out failed too. */
static int finish(struct strbuf *out, json_t *doc, bool bad)
{
	int rc = -1;

	if (doc != NULL && !bad && json_dump_callback(doc, append_text, out, DUMP_FLAGS) == 0 &&
	    strbuf_putc(out, '\n') == 0)
		rc = 0;
	json_decref(doc);
	if (rc != 0 || out->failed) {
		out->failed = true;
		rc = -1;
	}
	return rc;
}

/* The words of line 1, exactly as the text output has them. */
static json_t *summary_value(const struct check_result *r, const struct options *opts,
			     enum plugin_state state, enum metric breached)
{
	struct strbuf text;
	json_t *v = NULL;

	strbuf_init(&text, 1024);
	output_summary(&text, r, opts, breached,
		       output_summary_room(state, opts->invoke_id, r->aggregate));
	if (!text.failed)
		v = utf8_string(text.data ? text.data : "");
	strbuf_free(&text);
	return v;
}

static json_t *counts_value(const struct check_result *r)
{
	json_t *o = json_object();
	bool bad = o == NULL;

	for (int m = 0; m < METRIC_COUNT; m++)
		put(o, metric_name((enum metric)m),
		    integer((long long)check_metric(r, (enum metric)m)), &bad);
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *range_value(const struct range *range)
{
	return range->set ? utf8_string(range->text) : json_null();
}

/* Only the metrics with a threshold, each range as it was given. */
static json_t *thresholds_value(const struct options *opts)
{
	json_t *o = json_object();
	bool bad = o == NULL;

	for (int m = 0; m < METRIC_COUNT && !bad; m++) {
		json_t *t;

		if (!opts->warn[m].set && !opts->crit[m].set)
			continue;
		t = json_object();
		bad = t == NULL;
		put(t, "warning", range_value(&opts->warn[m]), &bad);
		put(t, "critical", range_value(&opts->crit[m]), &bad);
		put(o, metric_name((enum metric)m), t, &bad);
	}
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *api_status_value(const struct invocation *inv)
{
	json_t *o = json_object();
	bool bad = o == NULL;

	put(o, "InvocationStatus", api_text(inv->invocation_status), &bad);
	put(o, "InvokeStatus", api_text(inv->invoke_status), &bad);
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* Worst first, as the plugin text lists them. */
static int rank(enum run_state s)
{
	switch (s) {
	case RUN_FAILED: return 0;
	case RUN_STOPPED: return 1;
	case RUN_RUNNING: return 2;
	case RUN_FINISHED: return 3;
	case RUN_STATE_COUNT: break;
	}
	return 4;
}

static int worst_first(const void *pa, const void *pb)
{
	const struct record *a = *(const struct record *const *)pa;
	const struct record *b = *(const struct record *const *)pb;
	int d = rank(a->state) - rank(b->state);

	if (d != 0)
		return d;
	d = strcmp(a->instance_id ? a->instance_id : "", b->instance_id ? b->instance_id : "");
	if (d != 0)
		return d;
	/* Same id twice: keep the order they came in (one array). */
	return a < b ? -1 : a > b;
}

/* The decoded command output (--show-output), whole: scripts may cut it
 * themselves. null when not asked for, not kept, or not Base64. */
static json_t *output_value(const struct record *rec)
{
	struct strbuf raw;
	json_t *v;

	if (rec->output == NULL)
		return json_null();
	strbuf_init(&raw, (size_t)64 * 1024);
	if (base64_decode(rec->output, strlen(rec->output), &raw) != 0 || raw.failed) {
		/* Out of memory is a failure, not "no output". */
		v = raw.failed && !raw.over ? NULL : json_null();
		strbuf_free(&raw);
		return v;
	}
	{
		struct strbuf fixed;

		strbuf_init(&fixed, 0);
		v = text_fix_utf8(&fixed, raw.data ? raw.data : "", raw.len) == 0
			    ? json_stringn(fixed.data ? fixed.data : "", fixed.len)
			    : NULL;
		strbuf_free(&fixed);
	}
	strbuf_free(&raw);
	return v;
}

static json_t *instance_value(const struct record *rec)
{
	json_t *o = json_object();
	bool bad = o == NULL;
	const char *status = rec->invocation_status && *rec->invocation_status
				     ? rec->invocation_status
				     : rec->legacy_status;

	put(o, "instance_id", api_text(rec->instance_id), &bad);
	put(o, "state", json_string(run_state_name(rec->state)), &bad);
	put(o, "status", api_text(status), &bad);
	put(o, "invocation_status", api_text(rec->invocation_status), &bad);
	put(o, "legacy_status", api_text(rec->legacy_status), &bad);
	put(o, "exit_code", rec->has_exit_code ? integer(rec->exit_code) : json_null(), &bad);
	put(o, "error_code", api_text(rec->error_code), &bad);
	put(o, "error_info", api_text(rec->error_info), &bad);
	put(o, "start_time", api_text(rec->start_time), &bad);
	put(o, "finished_time", api_text(rec->finished_time), &bad);
	put(o, "output", output_value(rec), &bad);
	put(o, "dropped", integer(rec->dropped), &bad);
	put(o, "hung", json_boolean(rec->hung), &bad);
	put(o, "stale", json_boolean(rec->stale), &bad);
	put(o, "over_s", rec->hung || rec->stale ? integer(rec->over_s) : json_null(), &bad);
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *instances_value(const struct check_result *r)
{
	const struct record **order = NULL;
	json_t *a = json_array();
	bool bad = a == NULL;

	if (!bad && r->count > 0) {
		/* sizeof(*order) is one element, a pointer, as meant; clang-tidy
		 * takes it for a pointer measured by mistake.
		 * NOLINTNEXTLINE(bugprone-sizeof-expression) */
		order = calloc(r->count, sizeof(*order));
		bad = order == NULL;
	}
	if (!bad) {
		for (size_t i = 0; i < r->count; i++)
			order[i] = &r->instances[i];
		if (r->count > 1) /* NOLINTNEXTLINE(bugprone-sizeof-expression): as above */
			qsort(order, r->count, sizeof(*order), worst_first);
		for (size_t i = 0; i < r->count && !bad; i++)
			push(a, instance_value(order[i]), &bad);
	}
	free(order);
	if (bad) {
		json_decref(a);
		return NULL;
	}
	return a;
}

int jsonout_result(struct strbuf *out, const struct check_result *r, const struct options *opts,
		   enum plugin_state state, enum metric breached, const struct run_info *info)
{
	json_t *doc = json_object();
	bool bad = doc == NULL;
	const struct invocation *inv = &r->inv;

	put(doc, "state", json_string(plugin_state_name(state)), &bad);
	put(doc, "exit_code", integer((long long)state), &bad);
	put(doc, "invoke_id", opts->invoke_id ? utf8_string(opts->invoke_id) : json_null(), &bad);
	put(doc, "region", opts->region ? utf8_string(opts->region) : json_null(), &bad);
	put(doc, "aggregate", json_string(aggregate_name(r->aggregate)), &bad);
	put(doc, "summary", summary_value(r, opts, state, breached), &bad);
	put(doc, "periodic", json_boolean(r->periodic), &bad);
	put(doc, "repeat_mode", api_text(inv->repeat_mode), &bad);
	put(doc, "command_name", api_text(inv->command_name), &bad);
	put(doc, "creation_time", api_text(inv->creation_time), &bad);
	put(doc, "api_status", api_status_value(inv), &bad);
	put(doc, "counts", counts_value(r), &bad);
	put(doc, "thresholds", thresholds_value(opts), &bad);
	put(doc, "breached",
	    (unsigned)breached < METRIC_COUNT ? json_string(metric_name(breached)) : json_null(),
	    &bad);
	/* --wait: how many polls, and whether the deadline came first. */
	put(doc, "polls", integer((long long)r->polls), &bad);
	put(doc, "still_running", json_boolean(r->still_running), &bad);
	put(doc, "instances", instances_value(r), &bad);
	put(doc, "time_s", seconds(info), &bad);
	put(doc, "requests", requests(info), &bad);
	put(doc, "clock_corrected_s", clock_corrected(info), &bad);
	return finish(out, doc, bad);
}

int jsonout_fault(struct strbuf *out, const char *invoke_id, const struct fault *f,
		  const struct run_info *info)
{
	json_t *doc = json_object(), *err = json_object();
	bool bad = doc == NULL || err == NULL;

	put(err, "class", json_string(fault_class_name(f->klass)), &bad);
	put(err, "code", f->code[0] ? utf8_string(f->code) : json_null(), &bad);
	put(err, "message", utf8_string(f->text), &bad);

	put(doc, "state", json_string(plugin_state_name(STATE_UNKNOWN)), &bad);
	put(doc, "exit_code", integer(STATE_UNKNOWN), &bad);
	put(doc, "invoke_id", invoke_id ? utf8_string(invoke_id) : json_null(), &bad);
	put(doc, "error", err, &bad);
	put(doc, "time_s", seconds(info), &bad);
	put(doc, "requests", requests(info), &bad);
	put(doc, "clock_corrected_s", clock_corrected(info), &bad);
	return finish(out, doc, bad);
}
