/* test_jsonout.c - --output-format=json: every field, read back with Jansson;
 * worst-first order; null where the API said nothing; invalid UTF-8 made
 * valid; every instance of a large invocation; thresholds; NotFound; fault
 * documents; allocation limits. Records are built in memory; no network. */
#include "config.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "jsonout.h"
#include "output.h"
#include "fixtures.h"
#include "tap.h"

static void invocation(struct check_result *r, const char *status, const char *legacy,
		       const char *name, const char *repeat)
{
	r->inv.found = true;
	r->inv.invoke_id = dup_s("t-hz0abc123");
	r->inv.invocation_status = dup_s(status);
	r->inv.invoke_status = dup_s(legacy);
	r->inv.command_name = dup_s(name);
	r->inv.repeat_mode = dup_s(repeat);
	r->inv.creation_time = dup_s("2026-11-28T10:00:00Z");
}

static void judge(struct check_result *r, const struct options *o)
{
	struct fault f;

	if (r->inv.invoke_id == NULL)
		invocation(r, "PartialFailed", NULL, "sim-check", "Once");
	if (check_judge(r, &o->ok_codes, &f) != 0) {
		printf("# judge failed: %s\n", f.text);
		exit(2);
	}
}

/* The document for an already-judged r, parsed back; *text (if asked) gets
 * the raw output. Checks that it is exactly one line. */
static json_t *render(const struct check_result *r, const struct options *o, double elapsed,
		      unsigned requests, char **text)
{
	struct strbuf out;
	struct run_info info = { .elapsed = elapsed, .requests = requests };
	enum metric breached;
	enum plugin_state state;
	json_error_t err;
	json_t *doc;
	char *s;

	state = check_state(r, o, &breached);
	strbuf_init(&out, 0);
	if (jsonout_result(&out, r, o, state, breached, &info) != 0) {
		ok(0, "jsonout_result succeeds");
		strbuf_free(&out);
		return NULL;
	}
	s = strbuf_release(&out);
	ok(s && strlen(s) > 0 && strchr(s, '\n') == s + strlen(s) - 1,
	   "one line ending in a newline (%zu bytes)", s ? strlen(s) : 0);
	doc = json_loads(s, JSON_REJECT_DUPLICATES, &err);
	ok(doc != NULL && json_is_object(doc), "parses as one JSON object%s%s", doc ? "" : ": ",
	   doc ? "" : err.text);
	if (text)
		*text = s;
	else
		free(s);
	return doc;
}

static const char *jstr(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static long long jint(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	return json_is_integer(v) ? (long long)json_integer_value(v) : -999999;
}

static bool jnull(const json_t *o, const char *key)
{
	return json_is_null(json_object_get(o, key));
}

/* "a,b,c": the keys in document order. */
static void keys_of(const json_t *o, char *buf, size_t size)
{
	void *it;

	buf[0] = '\0';
	for (it = json_object_iter((json_t *)o); it; it = json_object_iter_next((json_t *)o, it)) {
		if (buf[0])
			strncat(buf, ",", size - strlen(buf) - 1);
		strncat(buf, json_object_iter_key(it), size - strlen(buf) - 1);
	}
}

static bool is_keys(const json_t *o, const char *want, const char *name)
{
	char got[1024];

	keys_of(o, got, sizeof(got));
	is_str(got, want, "%s: keys in order", name);
	return strcmp(got, want) == 0;
}

#define RESULT_KEYS                                                                        \
	"state,exit_code,invoke_id,region,aggregate,summary,periodic,repeat_mode,command_name," \
	"creation_time,api_status,counts,thresholds,breached,polls,still_running,instances,time_s,requests," \
	"clock_corrected_s"
#define INSTANCE_KEYS                                                                    \
	"instance_id,state,status,invocation_status,legacy_status,exit_code,error_code," \
	"error_info,start_time,finished_time,output,dropped,hung,stale,over_s"
#define FAULT_KEYS "state,exit_code,invoke_id,error,time_s,requests,clock_corrected_s"

static void is_counts(const json_t *doc, long long total, long long running, long long finished,
		      long long failed, long long stopped, const char *name)
{
	const json_t *c = json_object_get(doc, "counts");

	is_keys(c, "total,running,finished,failed,stopped", name);
	is_int(jint(c, "total"), total, "%s: counts.total", name);
	is_int(jint(c, "running"), running, "%s: counts.running", name);
	is_int(jint(c, "finished"), finished, "%s: counts.finished", name);
	is_int(jint(c, "failed"), failed, "%s: counts.failed", name);
	is_int(jint(c, "stopped"), stopped, "%s: counts.stopped", name);
}

/* The summary must be the words of the text's first line. */
static void same_summary_as_text(const struct check_result *r, const struct options *o,
				 const json_t *doc, const char *name)
{
	struct strbuf out;
	struct run_info info = { .elapsed = 0.1 };
	enum metric breached;
	enum plugin_state state = check_state(r, o, &breached);
	const char *sum = jstr(doc, "summary");
	char prefix[256];
	size_t n;

	strbuf_init(&out, 0);
	output_result(&out, r, o, state, breached, &info);
	snprintf(prefix, sizeof(prefix), "ECS INVOCATION %s - %s %s: ", plugin_state_name(state),
		 o->invoke_id, aggregate_name(r->aggregate));
	n = strlen(prefix);
	ok(sum && out.data && strncmp(out.data, prefix, n) == 0 &&
		   strncmp(out.data + n, sum, strlen(sum)) == 0 &&
		   (strncmp(out.data + n + strlen(sum), " | ", 3) == 0 ||
		    strncmp(out.data + n + strlen(sum), " - ", 3) == 0),
	   "%s: summary '%s' is the text's: %.160s", name, sum ? sum : "(none)",
	   out.data ? out.data : "");
	strbuf_free(&out);
}

static void test_product_example(void)
{
	struct check_result r = { 0 };
	struct options o = opts_for(NULL);
	struct record *rec;
	json_t *doc, *inst, *a;
	char *text = NULL;

	invocation(&r, "PartialFailed", "Finished", "sim-check", "Once");
	add(&r, "i-bp1ccc", "Success", 1, 0, NULL, NULL);
	rec = add(&r, "i-bp1aaa", "Failed", 1, 1, "ExitCodeNonzero",
		  "the command exited with a non-zero code");
	rec->legacy_status = dup_s("Failed");
	rec->start_time = dup_s("2026-11-28T10:00:01Z");
	rec->finished_time = dup_s("2026-11-28T10:00:03Z");
	add(&r, "i-bp1bbb", "Success", 1, 0, NULL, NULL);
	add(&r, "i-bp1ddd", "Success", 1, 0, "", "");
	judge(&r, &o);
	doc = render(&r, &o, 0.142, 3, &text);
	if (doc == NULL)
		goto out;
	is_keys(doc, RESULT_KEYS, "product example");
	is_str(jstr(doc, "state"), "CRITICAL", "state");
	is_int(jint(doc, "exit_code"), 2, "exit_code");
	is_str(jstr(doc, "invoke_id"), "t-hz0abc123", "invoke_id");
	is_str(jstr(doc, "region"), "cn-hangzhou", "region");
	is_str(jstr(doc, "aggregate"), "PartialFailed", "aggregate");
	is_str(jstr(doc, "summary"), "1 of 4 instances failed", "summary");
	same_summary_as_text(&r, &o, doc, "product example");
	ok(json_is_false(json_object_get(doc, "periodic")), "periodic is false");
	is_str(jstr(doc, "repeat_mode"), "Once", "repeat_mode");
	is_str(jstr(doc, "command_name"), "sim-check", "command_name");
	is_str(jstr(doc, "creation_time"), "2026-11-28T10:00:00Z", "creation_time");
	a = json_object_get(doc, "api_status");
	is_keys(a, "InvocationStatus,InvokeStatus", "api_status");
	is_str(jstr(a, "InvocationStatus"), "PartialFailed", "api_status.InvocationStatus");
	is_str(jstr(a, "InvokeStatus"), "Finished", "api_status.InvokeStatus");
	is_counts(doc, 4, 0, 3, 1, 0, "product example");
	ok(json_is_object(json_object_get(doc, "thresholds")) &&
		   json_object_size(json_object_get(doc, "thresholds")) == 0,
	   "thresholds is {} without thresholds");
	ok(jnull(doc, "breached"), "breached is null");
	ok(json_is_array(json_object_get(doc, "instances")) &&
		   json_array_size(json_object_get(doc, "instances")) == 4,
	   "all 4 instances listed, finished ones too");
	inst = json_array_get(json_object_get(doc, "instances"), 0);
	is_keys(inst, INSTANCE_KEYS, "instance");
	is_str(jstr(inst, "instance_id"), "i-bp1aaa", "failed instance first");
	is_str(jstr(inst, "state"), "failed", "its state");
	is_str(jstr(inst, "status"), "Failed", "its status");
	is_str(jstr(inst, "invocation_status"), "Failed", "its invocation_status");
	is_str(jstr(inst, "legacy_status"), "Failed", "its legacy_status");
	is_int(jint(inst, "exit_code"), 1, "its exit_code");
	is_str(jstr(inst, "error_code"), "ExitCodeNonzero", "its error_code");
	is_str(jstr(inst, "error_info"), "the command exited with a non-zero code", "its error_info");
	is_str(jstr(inst, "start_time"), "2026-11-28T10:00:01Z", "its start_time");
	is_str(jstr(inst, "finished_time"), "2026-11-28T10:00:03Z", "its finished_time");
	ok(json_is_false(json_object_get(inst, "hung")) && json_is_false(json_object_get(inst, "stale")) &&
		   json_is_null(json_object_get(inst, "over_s")),
	   "not hung, not stale, no over_s");
	inst = json_array_get(json_object_get(doc, "instances"), 1);
	is_str(jstr(inst, "instance_id"), "i-bp1bbb", "then the finished ones by id");
	is_str(jstr(inst, "state"), "finished", "finished state");
	is_int(jint(inst, "exit_code"), 0, "exit_code 0 is 0, not null");
	ok(jnull(inst, "legacy_status") && jnull(inst, "error_code") && jnull(inst, "error_info") &&
		   jnull(inst, "start_time") && jnull(inst, "finished_time"),
	   "absent API fields are null");
	inst = json_array_get(json_object_get(doc, "instances"), 3);
	is_str(jstr(inst, "instance_id"), "i-bp1ddd", "last by id");
	ok(jnull(inst, "error_code") && jnull(inst, "error_info"), "empty API strings are null too");
	ok(json_is_real(json_object_get(doc, "time_s")) &&
		   fabs(json_real_value(json_object_get(doc, "time_s")) - 0.142) < 1e-9,
	   "time_s is the real 0.142");
	ok(text && strstr(text, ",\"time_s\":0.142,") != NULL, "written as 0.142");
	is_int(jint(doc, "requests"), 3, "requests");
	ok(jnull(doc, "clock_corrected_s"), "clock_corrected_s null: the local clock was not corrected");
	ok(text && strncmp(text, "{\"state\":\"CRITICAL\",\"exit_code\":2,\"invoke_id\":\"t-hz0abc123\",", 60) == 0,
	   "compact, in insertion order: %.80s", text ? text : "");
	ok(text && strstr(text, ": ") == NULL && strstr(text, ", ") == NULL, "no spaces between tokens");
	json_decref(doc);
out:
	free(text);
	check_result_free(&r);
	options_free(&o);
}

static void test_order_and_nulls(void)
{
	struct check_result r = { 0 };
	struct options o = opts_for(NULL);
	struct record *rec;
	json_t *doc, *list;
	static const char *const want[][2] = {
		{ "i-4fail", "failed" },  { "i-9fail", "failed" },   { "i-3stop", "stopped" },
		{ "i-7stop", "stopped" }, { "i-1run", "running" },   { "i-8run", "running" },
		{ "i-2ok", "finished" },  { "i-5ok", "finished" },
	};
	char ids[256] = "", want_ids[256] = "";

	add(&r, "i-8run", "Pending", 0, 0, NULL, NULL);
	add(&r, "i-5ok", "Success", 1, 0, NULL, NULL);
	add(&r, "i-9fail", "Failed", 1, 3, "ExitCodeNonzero", "x");
	add(&r, "i-1run", "Running", 0, 0, NULL, NULL);
	add(&r, "i-7stop", "Terminated", 0, 0, NULL, NULL);
	add(&r, "i-2ok", "Success", 1, 0, NULL, NULL);
	add(&r, "i-3stop", "Cancelled", 0, 0, NULL, NULL);
	rec = add(&r, "i-4fail", NULL, 0, 0, "ExecutionTimeout", "timed out");
	rec->legacy_status = dup_s("Timeout");
	judge(&r, &o);
	doc = render(&r, &o, 1.0, 2, NULL);
	if (doc == NULL)
		goto out;
	list = json_object_get(doc, "instances");
	for (size_t i = 0; i < json_array_size(list); i++) {
		json_t *e = json_array_get(list, i);

		snprintf(ids + strlen(ids), sizeof(ids) - strlen(ids), "%s%s:%s", i ? " " : "",
			 jstr(e, "instance_id"), jstr(e, "state"));
	}
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		snprintf(want_ids + strlen(want_ids), sizeof(want_ids) - strlen(want_ids), "%s%s:%s",
			 i ? " " : "", want[i][0], want[i][1]);
	is_str(ids, want_ids, "worst first (failed, stopped, running, finished), by id within");
	{
		json_t *t = json_array_get(list, 0);

		is_str(jstr(t, "instance_id"), "i-4fail", "legacy-only instance");
		is_str(jstr(t, "status"), "Timeout", "status falls back to the legacy status");
		ok(jnull(t, "invocation_status"), "invocation_status null when absent");
		is_str(jstr(t, "legacy_status"), "Timeout", "legacy_status");
		ok(jnull(t, "exit_code"), "exit_code null without an exit code");
		is_str(jstr(t, "error_code"), "ExecutionTimeout", "error_code");
	}
	ok(jnull(json_array_get(list, 4), "exit_code"), "a running instance has exit_code null");
	is_str(jstr(doc, "summary"), "2 of 8 instances failed, 2 running", "summary");
	same_summary_as_text(&r, &o, doc, "mixed");
	is_counts(doc, 8, 2, 2, 2, 2, "mixed");
	ok(json_is_real(json_object_get(doc, "time_s")) &&
		   json_real_value(json_object_get(doc, "time_s")) == 1.0,
	   "a whole number of seconds is still a real");
	json_decref(doc);
out:
	check_result_free(&r);
	options_free(&o);
}

static void test_utf8(void)
{
	struct check_result r = { 0 };
	struct options o = opts_for(NULL);
	json_t *doc, *inst;
	char *text = NULL;

	invocation(&r, "Failed", NULL, "deploy|app\nstep\x07 \xC3\xA9 \xff", "Once");
	/* stray continuation, 0xFF, overlong '/', surrogate, > U+10FFFF, a
	 * truncated sequence at the end; valid é and 中文; JSON's own specials. */
	add(&r, "i-1", "Failed", 1, 1, "ExitCodeNonzero",
	    "a|b\nc\t\"q\"\\ \x80\xff \xC0\xAF \xED\xA0\x80 \xF4\x90\x80\x80 \xC3\xA9 \xE4\xB8\xAD\xE6\x96\x87 \x7f\x01 \xE4\xB8");
	judge(&r, &o);
	doc = render(&r, &o, 0.5, 2, &text);
	if (doc == NULL)
		goto out;
	inst = json_array_get(json_object_get(doc, "instances"), 0);
	is_str(jstr(inst, "error_info"),
	       "a|b\nc\t\"q\"\\ \xEF\xBF\xBD\xEF\xBF\xBD \xEF\xBF\xBD\xEF\xBF\xBD "
	       "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD \xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD "
	       "\xC3\xA9 \xE4\xB8\xAD\xE6\x96\x87 \x7f\x01 \xEF\xBF\xBD\xEF\xBF\xBD",
	       "each invalid byte is one U+FFFD; valid UTF-8, '|', controls and quotes kept as data");
	is_str(jstr(doc, "command_name"), "deploy|app\nstep\x07 \xC3\xA9 \xEF\xBF\xBD",
	       "the command name too");
	ok(text && strstr(text, "\\n") && strstr(text, "\\u0007") && strstr(text, "\\\"q\\\""),
	   "controls and quotes escaped by JSON");
	json_decref(doc);
out:
	free(text);
	check_result_free(&r);
	options_free(&o);
}

static void test_many(void)
{
	struct check_result r = { 0 };
	struct options o = opts_for(NULL);
	struct strbuf small;
	struct run_info info = { .elapsed = 2.0 };
	enum metric breached;
	enum plugin_state state;
	char id[32], *text = NULL;
	json_t *doc, *list;
	size_t failed_first = 0, sorted = 1;

	for (int i = 999; i >= 0; i--) {
		snprintf(id, sizeof(id), "i-%04d", i);
		if (i % 7 == 0)
			add(&r, id, "Failed", 1, 1, "ExitCodeNonzero",
			    "the command execution exit code is not zero");
		else
			add(&r, id, "Success", 1, 0, NULL, NULL);
	}
	judge(&r, &o);
	doc = render(&r, &o, 12.3456, 21, &text);
	if (doc == NULL)
		goto out;
	list = json_object_get(doc, "instances");
	is_int(json_array_size(list), 1000, "all 1,000 instances listed");
	ok(text && strlen(text) > OUTPUT_MAX, "not capped at %d bytes (%zu)", OUTPUT_MAX,
	   text ? strlen(text) : 0);
	is_counts(doc, 1000, 0, 857, 143, 0, "1000");
	for (size_t i = 0; i < json_array_size(list); i++) {
		const char *st = jstr(json_array_get(list, i), "state");

		if (i < 143 && st && strcmp(st, "failed") == 0)
			failed_first++;
		if (i > 0 && i != 143 &&
		    strcmp(jstr(json_array_get(list, i - 1), "instance_id"),
			   jstr(json_array_get(list, i), "instance_id")) >= 0)
			sorted = 0;
	}
	is_int(failed_first, 143, "the 143 failed come first");
	ok(sorted, "by id within each group");
	is_str(jstr(json_array_get(list, 0), "instance_id"), "i-0000", "first failed");
	is_str(jstr(json_array_get(list, 143), "instance_id"), "i-0001", "first finished");
	ok(fabs(json_real_value(json_object_get(doc, "time_s")) - 12.346) < 1e-9 &&
		   strstr(text, "\"time_s\":12.346,"),
	   "time_s rounded to milliseconds");
	json_decref(doc);

	/* A buffer too small for it: -1, and the buffer says so. */
	state = check_state(&r, &o, &breached);
	strbuf_init(&small, 64 * 1024);
	strbuf_puts(&small, "before\n");
	is_int(jsonout_result(&small, &r, &o, state, breached, &info), -1,
	       "over the buffer's limit: -1");
	ok(small.failed, "and the buffer is marked failed");
	strbuf_free(&small);
out:
	free(text);
	check_result_free(&r);
	options_free(&o);
}

static void test_thresholds(void)
{
	static const char *const a1[] = { "--critical-failed", "0", "--warning-failed", "5",
					  "--warning-running", "@1:", NULL };
	static const char *const a2[] = { "--map", "Running=ok", "--critical-total", "10:",
					  "--warning-stopped", "~:0", NULL };
	struct options o1 = opts_for(a1), o2 = opts_for(a2);
	struct check_result r = { 0 };
	json_t *doc, *t;

	add(&r, "i-1", "Failed", 1, 1, "ExitCodeNonzero", NULL);
	add(&r, "i-2", "Success", 1, 0, NULL, NULL);
	judge(&r, &o1);
	doc = render(&r, &o1, 0.1, 2, NULL);
	if (doc) {
		t = json_object_get(doc, "thresholds");
		is_keys(t, "running,failed", "thresholds, in metric order, only those set");
		is_keys(json_object_get(t, "failed"), "warning,critical", "thresholds.failed");
		is_str(jstr(json_object_get(t, "failed"), "warning"), "5", "warning as given");
		is_str(jstr(json_object_get(t, "failed"), "critical"), "0", "critical as given");
		is_str(jstr(json_object_get(t, "running"), "warning"), "@1:", "@ range as given");
		ok(jnull(json_object_get(t, "running"), "critical"), "unset critical is null");
		is_str(jstr(doc, "breached"), "failed", "breached names the metric");
		is_str(jstr(doc, "state"), "CRITICAL", "state");
		same_summary_as_text(&r, &o1, doc, "thresholds");
		json_decref(doc);
	}
	check_result_free(&r);

	memset(&r, 0, sizeof(r));
	add(&r, "i-1", "Running", 0, 0, NULL, NULL);
	add(&r, "i-2", "Success", 1, 0, NULL, NULL);
	judge(&r, &o2);
	doc = render(&r, &o2, 0.1, 2, NULL);
	if (doc) {
		t = json_object_get(doc, "thresholds");
		is_keys(t, "total,stopped", "total and stopped");
		is_str(jstr(json_object_get(t, "total"), "critical"), "10:", "10: as given");
		is_str(jstr(json_object_get(t, "stopped"), "warning"), "~:0", "~:0 as given");
		is_str(jstr(doc, "breached"), "total", "total breached");
		is_str(jstr(doc, "state"), "CRITICAL", "threshold wins over the mapped OK");
		is_int(jint(doc, "exit_code"), 2, "exit_code follows");
		is_str(jstr(doc, "aggregate"), "Running", "aggregate stays Running");
		json_decref(doc);
	}
	check_result_free(&r);
	options_free(&o1);
	options_free(&o2);
}

static void test_periodic_and_times(void)
{
	static const char *const a[] = { "--max-runtime", "15m", "--max-age", "2h", NULL };
	struct options o = opts_for(a);
	struct check_result r = { 0 };
	json_t *doc;

	invocation(&r, "Running", NULL, "tick", "Period");
	add(&r, "i-1", "Success", 1, 0, NULL, NULL)->stale = true;
	add(&r, "i-2", "Running", 0, 0, NULL, NULL)->hung = true;
	add(&r, "i-3", "Success", 1, 0, NULL, NULL);
	judge(&r, &o);
	r.periodic = true;
	r.hung = 1;
	r.stale = 1;
	doc = render(&r, &o, 0.2, 4, NULL);
	if (doc) {
		ok(json_is_true(json_object_get(doc, "periodic")), "periodic is true");
		is_str(jstr(doc, "repeat_mode"), "Period", "repeat_mode");
		/* All three notes would make line 1 118 characters: the hung run
		 * is kept, the stale one left out; "(periodic)" is always said. */
		is_str(jstr(doc, "summary"), "1 of 3 instances running (periodic) - 1 running over 15m00s",
		       "summary keeps the most important note when all would be too long");
		same_summary_as_text(&r, &o, doc, "periodic");
		ok(jnull(json_object_get(doc, "api_status"), "InvokeStatus"), "absent InvokeStatus null");
		json_decref(doc);
	}
	check_result_free(&r);
	options_free(&o);
}

static void test_not_found(void)
{
	static const char *const crit[] = { "--critical-total", "1:", NULL };
	struct options o = opts_for(crit);
	struct check_result r = { 0 };
	json_t *doc;
	char *text = NULL;

	r.aggregate = AGG_NOT_FOUND;
	doc = render(&r, &o, 0.3, 1, &text);
	if (doc == NULL)
		goto out;
	is_keys(doc, RESULT_KEYS, "NotFound");
	/* The worst of UNKNOWN and --critical-total 1: on a total of 0. */
	is_str(jstr(doc, "state"), "CRITICAL", "NotFound: CRITICAL by the threshold on its total of 0");
	is_int(jint(doc, "exit_code"), 2, "NotFound: exit_code 2");
	is_str(jstr(doc, "breached"), "total", "NotFound: breached names the threshold");
	is_str(jstr(doc, "aggregate"), "NotFound", "NotFound: aggregate");
	is_str(jstr(doc, "summary"), "no such invocation in cn-hangzhou - total=0 outside critical range 1:",
	       "NotFound: summary with the threshold that set it off");
	same_summary_as_text(&r, &o, doc, "NotFound");
	is_counts(doc, 0, 0, 0, 0, 0, "NotFound");
	ok(json_is_array(json_object_get(doc, "instances")) &&
		   json_array_size(json_object_get(doc, "instances")) == 0,
	   "NotFound: instances []");
	ok(text && strstr(text, "\"instances\":[],") != NULL, "written as []");
	ok(jnull(doc, "repeat_mode") && jnull(doc, "command_name") && jnull(doc, "creation_time"),
	   "NotFound: invocation fields null");
	ok(jnull(json_object_get(doc, "api_status"), "InvocationStatus") &&
		   jnull(json_object_get(doc, "api_status"), "InvokeStatus"),
	   "NotFound: api_status members null");
	is_str(jstr(json_object_get(json_object_get(doc, "thresholds"), "total"), "critical"), "1:",
	       "NotFound: the thresholds are still shown");
	json_decref(doc);
out:
	free(text);
	check_result_free(&r);
	options_free(&o);
}

static json_t *fault_doc(const char *invoke_id, const struct fault *f, const struct run_info *info,
			 char **text)
{
	struct strbuf out;
	json_t *doc;

	strbuf_init(&out, 0);
	if (jsonout_fault(&out, invoke_id, f, info) != 0) {
		ok(0, "jsonout_fault succeeds");
		strbuf_free(&out);
		return NULL;
	}
	*text = strbuf_release(&out);
	ok(*text && strchr(*text, '\n') == *text + strlen(*text) - 1, "fault: one line");
	doc = json_loads(*text, JSON_REJECT_DUPLICATES, NULL);
	ok(json_is_object(doc), "fault: parses");
	return doc;
}

static void test_faults(void)
{
	struct run_info info = { .elapsed = 0.25, .requests = 1 };
	struct fault f;
	json_t *doc, *e;
	char *text = NULL;

	fault_set(&f, FAULT_API,
		  "API error Forbidden.RAM: User not authorized | really\n(HTTP 403, RequestId X)");
	snprintf(f.code, sizeof(f.code), "Forbidden.RAM");
	doc = fault_doc("t-hz0forbidden", &f, &info, &text);
	if (doc) {
		is_keys(doc, FAULT_KEYS, "fault");
		is_str(jstr(doc, "state"), "UNKNOWN", "fault: UNKNOWN");
		is_int(jint(doc, "exit_code"), 3, "fault: exit_code 3");
		is_str(jstr(doc, "invoke_id"), "t-hz0forbidden", "fault: invoke_id");
		e = json_object_get(doc, "error");
		is_keys(e, "class,code,message", "fault.error");
		is_str(jstr(e, "class"), "api", "fault: class");
		is_str(jstr(e, "code"), "Forbidden.RAM", "fault: the API's code");
		is_str(jstr(e, "message"),
		       "API error Forbidden.RAM: User not authorized | really\n(HTTP 403, RequestId X)",
		       "fault: the message as it is");
		ok(fabs(json_real_value(json_object_get(doc, "time_s")) - 0.25) < 1e-9,
		   "fault: time_s");
		is_int(jint(doc, "requests"), 1, "fault: requests");
		json_decref(doc);
	}
	free(text);

	/* Bad options: no id yet, no code, no run info; a message cut inside a
	 * character. */
	fault_set(&f, FAULT_USAGE, "-i/--invoke-id is required \xE4\xB8");
	doc = fault_doc(NULL, &f, NULL, &text);
	if (doc) {
		ok(jnull(doc, "invoke_id"), "usage: invoke_id null");
		e = json_object_get(doc, "error");
		is_str(jstr(e, "class"), "usage", "usage: class");
		ok(jnull(e, "code"), "usage: code null");
		is_str(jstr(e, "message"), "-i/--invoke-id is required \xEF\xBF\xBD\xEF\xBF\xBD",
		       "usage: a cut character becomes U+FFFD");
		ok(jnull(doc, "time_s") && jnull(doc, "requests"), "usage: no run info, null");
		json_decref(doc);
	}
	free(text);

	info.elapsed = -1;
	fault_set(&f, FAULT_DEADLINE, "no answer before the deadline");
	doc = fault_doc("t-x", &f, &info, &text);
	if (doc) {
		ok(json_is_real(json_object_get(doc, "time_s")) &&
			   json_real_value(json_object_get(doc, "time_s")) == 0.0,
		   "negative elapsed written as 0.0");
		is_str(jstr(json_object_get(doc, "error"), "class"), "deadline", "deadline class");
		json_decref(doc);
	}
	free(text);

	info.elapsed = NAN;
	doc = fault_doc("t-x", &f, &info, &text);
	if (doc) {
		ok(json_real_value(json_object_get(doc, "time_s")) == 0.0, "NaN elapsed written as 0.0");
		json_decref(doc);
	}
	free(text);
}

static void test_buffers(void)
{
	struct run_info info = { .elapsed = 0.1 };
	struct strbuf out;
	struct fault f;
	json_t *doc;

	fault_set(&f, FAULT_CONNECT, "connection refused");
	strbuf_init(&out, 0);
	strbuf_puts(&out, "already here\n");
	is_int(jsonout_fault(&out, "t-1", &f, &info), 0, "appends to what is there");
	ok(strncmp(out.data, "already here\n{", 14) == 0, "after it");
	doc = json_loads(out.data + 13, 0, NULL);
	ok(doc != NULL, "the appended document parses");
	json_decref(doc);
	strbuf_free(&out);

	strbuf_init(&out, 0);
	out.failed = true;
	is_int(jsonout_fault(&out, "t-1", &f, &info), -1, "a failed buffer stays failed: -1");
	strbuf_free(&out);

	strbuf_init(&out, 20);
	is_int(jsonout_fault(&out, "t-1", &f, &info), -1, "too small a buffer: -1");
	ok(out.failed, "marked failed");
	strbuf_free(&out);
}

/* Jansson's allocations fail from the n-th on. */
static long alloc_budget = -1;

static void *failing_malloc(size_t n)
{
	if (alloc_budget == 0)
		return NULL;
	if (alloc_budget > 0)
		alloc_budget--;
	return malloc(n);
}

/* Every allocation Jansson makes may fail: the result is -1, out is left
 * as it was or failed, nothing leaks (the sanitizer and valgrind see to
 * that), and with enough memory the document comes out whole. */
static void test_allocation_failures(void)
{
	static const char *const a[] = { "--critical-failed", "0", NULL };
	struct options o = opts_for(a);
	struct check_result r = { 0 };
	struct run_info info = { .elapsed = 0.5, .requests = 2 };
	enum metric breached;
	enum plugin_state state;
	struct fault f;
	long n, bad_result = 0, bad_fault = 0, n_result = -1, n_fault = -1;

	add(&r, "i-1", "Failed", 1, 1, "ExitCodeNonzero", "bad \xff byte");
	add(&r, "i-2", "Success", 1, 0, NULL, NULL);
	judge(&r, &o);
	state = check_state(&r, &o, &breached);
	fault_set(&f, FAULT_API, "API error X: y \xff");
	snprintf(f.code, sizeof(f.code), "X");
	json_set_alloc_funcs(failing_malloc, free);
	for (n = 0; n < 10000 && (n_result < 0 || n_fault < 0); n++) {
		struct strbuf out;
		int rc;

		if (n_result < 0) {
			strbuf_init(&out, 0);
			strbuf_puts(&out, "x");
			alloc_budget = n;
			rc = jsonout_result(&out, &r, &o, state, breached, &info);
			alloc_budget = -1;
			if (rc == 0 && out.len > 1 && out.data[out.len - 1] == '\n')
				n_result = n;
			else if (rc != -1 || (strcmp(out.data, "x") != 0 && !out.failed))
				bad_result++;
			strbuf_free(&out);
		}
		if (n_fault < 0) {
			strbuf_init(&out, 0);
			alloc_budget = n;
			rc = jsonout_fault(&out, "t-1", &f, &info);
			alloc_budget = -1;
			if (rc == 0 && out.len > 0)
				n_fault = n;
			else if (rc != -1 || (out.len != 0 && !out.failed))
				bad_fault++;
			strbuf_free(&out);
		}
	}
	json_set_alloc_funcs(malloc, free);
	ok(n_result > 0, "jsonout_result: done once Jansson has %ld allocations", n_result);
	is_int(bad_result, 0, "jsonout_result: every failed allocation gives -1, out untouched");
	ok(n_fault > 0, "jsonout_fault: done once Jansson has %ld allocations", n_fault);
	is_int(bad_fault, 0, "jsonout_fault: every failed allocation gives -1, out untouched");
	check_result_free(&r);
	options_free(&o);
}

int main(void)
{
	test_product_example();
	test_order_and_nulls();
	test_utf8();
	test_many();
	test_thresholds();
	test_periodic_and_times();
	test_not_found();
	test_faults();
	test_buffers();
	test_allocation_failures();
	return tap_done();
}
