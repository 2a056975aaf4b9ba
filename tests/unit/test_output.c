/* test_output.c - the text the operator reads: first line, perfdata, long
 * output order, the size cap, sanitising, and the judged state with
 * thresholds. Records are built in memory; no network. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "output.h"
#include "fixtures.h"
#include "tap.h"

static char *render(struct check_result *r, struct options *o, int *state_out)
{
	struct strbuf out;
	struct fault f;
	struct run_info info = { .elapsed = 0.142 };
	enum metric breached;
	enum plugin_state state;

	r->inv.found = true;
	r->inv.invoke_id = strdup("t-hz0abc123");
	if (check_judge(r, &o->ok_codes, &f) != 0) {
		printf("# judge failed: %s\n", f.text);
		return NULL;
	}
	state = check_state(r, o, &breached);
	if (state_out)
		*state_out = (int)state;
	strbuf_init(&out, 64 * 1024);
	output_result(&out, r, o, state, breached, &info);
	return strbuf_release(&out);
}

static const char *line2(const char *text)
{
	const char *nl = strchr(text, '\n');
	return nl ? nl + 1 : "";
}

static void test_product_example(void)
{
	struct check_result r = { 0 };
	struct options o = opts_for(NULL);
	int state;
	char *text;

	add(&r, "i-bp1ccc", "Success", 1, 0, NULL, NULL);
	add(&r, "i-bp1aaa", "Failed", 1, 1, "ExitCodeNonzero",
	    "the command exited with a non-zero code");
	add(&r, "i-bp1bbb", "Success", 1, 0, NULL, NULL);
	add(&r, "i-bp1ddd", "Success", 1, 0, NULL, NULL);
	text = render(&r, &o, &state);
	is_int(state, STATE_CRITICAL, "PartialFailed is CRITICAL");
	is_str(text,
	       "ECS INVOCATION CRITICAL - t-hz0abc123 PartialFailed: 1 of 4 instances failed | "
	       "total=4;;;0 running=0;;;0;4 finished=3;;;0;4 failed=1;;;0;4 stopped=0;;;0;4 "
	       "time=0.142s;;;0\n"
	       "i-bp1aaa Failed exit=1 ExitCodeNonzero: the command exited with a non-zero code\n",
	       "the output of product.md §1, byte for byte");
	free(text);
	check_result_free(&r);
	options_free(&o);
}

static void test_order_and_verbose(void)
{
	struct check_result r = { 0 };
	static const char *const v[] = { "-v", NULL };
	struct options o = opts_for(NULL), ov = opts_for(v);
	char *text;

	add(&r, "i-1run", "Running", 0, 0, NULL, NULL);
	add(&r, "i-2ok", "Success", 1, 0, NULL, NULL);
	add(&r, "i-3stop", "Cancelled", 0, 0, NULL, NULL);
	add(&r, "i-4fail", "Timeout", 0, 0, "ExecutionTimeout", "timed out");
	text = render(&r, &o, NULL);
	is_str(line2(text),
	       "i-4fail Timeout ExecutionTimeout: timed out\ni-3stop Cancelled\ni-1run Running\n",
	       "worst first, finished left out");
	ok(strstr(text, "1 running") != NULL, "first line says what still runs");
	free(text);
	check_result_free(&r);

	memset(&r, 0, sizeof(r));
	add(&r, "i-2ok", "Success", 1, 0, NULL, NULL);
	add(&r, "i-4fail", "Failed", 1, 2, "", NULL);
	text = render(&r, &ov, NULL);
	ok(strstr(text, "i-4fail Failed exit=2 (not an --ok-exit-codes value)\ni-2ok Success exit=0\n") !=
		   NULL,
	   "-v lists finished instances too, after the others");
	ok(strstr(text, "API status:") != NULL, "-v shows the API's own status");
	free(text);
	check_result_free(&r);
	options_free(&o);
	options_free(&ov);
}

static void test_sanitising(void)
{
	struct check_result r = { 0 };
	struct options o = opts_for(NULL);
	char *text;
	const char *first_nl;

	add(&r, "i-1", "Failed", 1, 1, "ExitCodeNonzero", "a|b\nsecond line\x07 end");
	text = render(&r, &o, NULL);
	first_nl = strchr(text, '\n');
	ok(first_nl && strchr(first_nl + 1, '|') == NULL, "no '|' in the long output");
	ok(strstr(text, "a/b second line? end\n") != NULL, "pipe, newline and BEL made harmless");
	ok(strchr(first_nl + 1, '\n') == text + strlen(text) - 1, "the instance stays on one line");
	free(text);
	check_result_free(&r);
	options_free(&o);
}

static void test_cap(void)
{
	struct check_result r = { 0 };
	struct options o = opts_for(NULL);
	char id[32], *text;
	int state;

	for (int i = 0; i < 1000; i++) {
		snprintf(id, sizeof(id), "i-%04d", i);
		add(&r, id, "Failed", 1, 1, "ExitCodeNonzero",
		    "the command execution exit code is not zero");
	}
	text = render(&r, &o, &state);
	is_int(state, STATE_CRITICAL, "all failed is CRITICAL");
	ok(strncmp(text, "ECS INVOCATION CRITICAL - t-hz0abc123 Failed: 1000 of 1000 instances failed |",
		   77) == 0,
	   "first line");
	ok(strlen(text) <= OUTPUT_MAX, "whole output within %d bytes (%zu)", OUTPUT_MAX,
	   strlen(text));
	ok(strstr(text, " more\n") != NULL && strstr(text, "... and ") != NULL,
	   "ends with '... and N more'");
	{
		int lines = 0;
		unsigned more = 0;
		const char *p, *m = strstr(text, "... and ");
		for (p = text; *p; p++)
			lines += *p == '\n';
		sscanf(m, "... and %u more", &more);
		is_int((long long)(lines - 2) + more, 1000, "shown + more = every failed instance");
	}
	free(text);
	check_result_free(&r);
	options_free(&o);
}

static void test_thresholds_and_map(void)
{
	struct check_result r = { 0 };
	static const char *const a1[] = { "--critical-failed", "0", NULL };
	static const char *const a2[] = { "--map", "PartialFailed=warning", "--warning-failed", "5",
					  NULL };
	static const char *const a3[] = { "--map", "Running=ok", "--warning-running", "@1:",
					  "--critical-total", "10:", NULL };
	struct options o1 = opts_for(a1), o2 = opts_for(a2), o3 = opts_for(a3);
	int state;
	char *text;

	add(&r, "i-1", "Failed", 1, 1, "ExitCodeNonzero", NULL);
	add(&r, "i-2", "Success", 1, 0, NULL, NULL);
	text = render(&r, &o1, &state);
	is_int(state, STATE_CRITICAL, "critical-failed 0 with one failure");
	ok(strstr(text, "failed=1;;0;0;2") != NULL, "crit range in perfdata: %.200s", text);
	free(text);
	check_result_free(&r);

	memset(&r, 0, sizeof(r));
	add(&r, "i-1", "Failed", 1, 1, "ExitCodeNonzero", NULL);
	add(&r, "i-2", "Success", 1, 0, NULL, NULL);
	text = render(&r, &o2, &state);
	is_int(state, STATE_WARNING, "--map PartialFailed=warning, threshold not hit");
	ok(strstr(text, "failed=1;5;;0;2") != NULL, "warn range in perfdata");
	free(text);
	check_result_free(&r);

	memset(&r, 0, sizeof(r));
	add(&r, "i-1", "Running", 0, 0, NULL, NULL);
	add(&r, "i-2", "Success", 1, 0, NULL, NULL);
	text = render(&r, &o3, &state);
	is_int(state, STATE_CRITICAL, "critical-total 10: with 2 instances wins over mapped OK");
	ok(strstr(text, "running=1;@1:;;0;2") != NULL, "@ range kept as given in perfdata");
	ok(strstr(text, " - total=2 outside critical range 10:") != NULL, "first line names it: %.120s",
	   text);
	free(text);
	check_result_free(&r);
	memset(&r, 0, sizeof(r));
	{
		static const char *const a4[] = { "--map", "Running=ok", "--warning-running", "@1:",
						  NULL };
		struct options o4 = opts_for(a4);

		add(&r, "i-1", "Running", 0, 0, NULL, NULL);
		add(&r, "i-2", "Success", 1, 0, NULL, NULL);
		text = render(&r, &o4, &state);
		is_int(state, STATE_WARNING, "@1: warns when one instance runs");
		ok(strstr(text, " - running=1 inside warning range @1: |") != NULL,
		   "an @ range is 'inside', not 'outside': %.140s", text);
		free(text);
		check_result_free(&r);
		options_free(&o4);
	}
	options_free(&o1);
	options_free(&o2);
	options_free(&o3);
}

static void test_not_found_and_fault(void)
{
	struct check_result r = { 0 };
	static const char *const crit[] = { "--critical-total", "1:", NULL };
	struct options o = opts_for(crit), o_none = opts_for(NULL);
	struct strbuf out;
	struct run_info info = { .elapsed = 0.5 };
	struct fault f;
	enum metric breached;

	r.aggregate = AGG_NOT_FOUND;
	/* The thresholds apply to its counts of 0: the worst state wins. */
	is_int(check_state(&r, &o, &breached), STATE_CRITICAL, "NotFound with --critical-total 1: is CRITICAL");
	is_int(breached, METRIC_TOTAL, "NotFound: the total set it off");
	is_int(check_state(&r, &o_none, &breached), STATE_UNKNOWN, "NotFound without thresholds is UNKNOWN");
	strbuf_init(&out, 0);
	output_result(&out, &r, &o, STATE_UNKNOWN, breached, &info);
	ok(strncmp(out.data,
		   "ECS INVOCATION UNKNOWN - t-hz0abc123 NotFound: no such invocation in cn-hangzhou",
		   80) == 0,
	   "NotFound line: %s", out.data);
	strbuf_free(&out);

	strbuf_init(&out, 0);
	fault_set(&f, FAULT_API, "API error Forbidden.RAM: denied | really\n(RequestId X)");
	output_fault(&out, "t-hz0abc123", &f, 0, &info);
	is_str(out.data, "ECS INVOCATION UNKNOWN - t-hz0abc123: API error Forbidden.RAM: denied / really (RequestId X)\n",
	       "fault is one sanitised line");
	strbuf_free(&out);
	options_free(&o_none);
	options_free(&o);
}

/* Whether needle occurs in text before end. */
static bool before(const char *text, const char *needle, const char *end)
{
	const char *at = strstr(text, needle);

	return at != NULL && at < end;
}

/* Line 1 before the perfdata stays within about 100 characters however
 * many notes apply: the counts and the most important note always, the
 * rest while they fit, in a fixed order. */
static void test_line1_length(void)
{
	static const char *const args[] = { "--max-runtime", "15m", "--max-age", "2h",
					    "--critical-failed", "0", "--wait", NULL };
	struct options o = opts_for(args);
	struct check_result r = { 0 };
	struct strbuf out;
	struct run_info info = { .elapsed = 0.1 };
	enum metric breached;
	enum plugin_state state;
	const char *bar, *expect;
	struct fault f;

	for (int i = 0; i < 600; i++) {
		char id[32];

		snprintf(id, sizeof(id), "i-%04d", i);
		add(&r, id, i % 3 ? "Running" : "Failed", i % 3 == 0, 1, NULL, NULL);
	}
	r.inv.found = true;
	r.inv.invoke_id = strdup("t-hz0abc123");
	ok(check_judge(&r, &o.ok_codes, &f) == 0, "600 instances judged");
	r.periodic = true;
	r.still_running = true;
	r.waited_s = 900;
	r.hung = 3;
	r.stale = 2;
	state = check_state(&r, &o, &breached);
	strbuf_init(&out, 0);
	output_result(&out, &r, &o, state, breached, &info);
	/* Counts and one note already pass 100 characters: no other note,
	 * though "(periodic)" is always said. */
	bar = strstr(out.data, " | ");
	ok(bar != NULL && !before(out.data, "no run in", bar) && !before(out.data, "--wait", bar) &&
		   !before(out.data, " ago", bar) && !before(out.data, "outside", bar),
	   "line 1 (%d characters) leaves the other four notes out", bar ? (int)(bar - out.data) : -1);
	expect = "ECS INVOCATION CRITICAL - t-hz0abc123 PartialFailed: "
		 "200 of 600 instances failed, 400 running (periodic) - 3 running over 15m00s | ";
	ok(strncmp(out.data, expect, strlen(expect)) == 0,
	   "counts and the hung runs, the most important note: %.130s", out.data);
	strbuf_free(&out);

	/* Without hung or stale runs, the threshold is the most important. */
	r.hung = 0;
	r.stale = 0;
	r.still_running = false;
	state = check_state(&r, &o, &breached);
	strbuf_init(&out, 0);
	output_result(&out, &r, &o, state, breached, &info);
	expect = "ECS INVOCATION CRITICAL - t-hz0abc123 PartialFailed: "
		 "200 of 600 instances failed, 400 running (periodic) - failed=200 outside critical range 0 | ";
	ok(strncmp(out.data, expect, strlen(expect)) == 0, "then the threshold: %.140s", out.data);
	strbuf_free(&out);
	options_free(&o);

	/* A note that is alone is kept, whatever the length. */
	o = opts_for(NULL);
	state = check_state(&r, &o, &breached);
	strbuf_init(&out, 0);
	output_result(&out, &r, &o, state, breached, &info);
	expect = "ECS INVOCATION CRITICAL - t-hz0abc123 PartialFailed: "
		 "200 of 600 instances failed, 400 running (periodic) | ";
	ok(strncmp(out.data, expect, strlen(expect)) == 0, "a lone periodic note: %.140s", out.data);
	strbuf_free(&out);
	check_result_free(&r);
	options_free(&o);
}

int main(void)
{
	test_product_example();
	test_order_and_verbose();
	test_sanitising();
	test_cap();
	test_thresholds_and_map();
	test_not_found_and_fault();
	test_line1_length();
	return tap_done();
}
