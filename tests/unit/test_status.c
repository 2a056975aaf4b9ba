/* test_status.c - the normalisation table, the exit-code rule, aggregation,
 * --map and --ok-exit-codes parsing, state ranking. */
#include "config.h"

#include "status.h"
#include "tap.h"

static struct exit_codes ok0;

static int norm(const char *inv, const char *legacy, int has_exit, long long exit_code,
		const char *error_code, enum run_state *st)
{
	struct run_status r = { inv, legacy, has_exit != 0, exit_code, error_code };

	return status_normalise(&r, &ok0, st);
}

static void expect(const char *inv, const char *legacy, int has_exit, long long code,
		   const char *err, int want)
{
	enum run_state st = RUN_STATE_COUNT;
	int rc = norm(inv, legacy, has_exit, code, err, &st);

	if (want < 0)
		is_int(rc, -1, "'%s'/'%s' is not judged", inv ? inv : "", legacy ? legacy : "");
	else
		ok(rc == 0 && (int)st == want, "'%s'/'%s' exit %s%lld err '%s' -> %s (got %s)",
		   inv ? inv : "", legacy ? legacy : "", has_exit ? "" : "none ", code,
		   err ? err : "", run_state_name((enum run_state)want),
		   rc == 0 ? run_state_name(st) : "unknown");
}

static void test_table(void)
{
	/* product.md §2, every row. */
	expect("Pending", NULL, 0, 0, NULL, RUN_RUNNING);
	expect("Scheduled", NULL, 0, 0, NULL, RUN_RUNNING);
	expect("Running", NULL, 0, 0, NULL, RUN_RUNNING);
	expect("Stopping", NULL, 0, 0, NULL, RUN_RUNNING);
	expect("Success", NULL, 1, 0, NULL, RUN_FINISHED);
	expect("Success", NULL, 0, 0, NULL, RUN_FINISHED);
	expect("Success", NULL, 1, 3, NULL, RUN_FAILED);
	expect(NULL, "Finished", 1, 0, NULL, RUN_FINISHED);
	expect(NULL, "Finished", 1, 2, NULL, RUN_FAILED);
	expect(NULL, "Finished", 0, 0, NULL, RUN_FINISHED);
	expect("Failed", NULL, 1, 1, "ExitCodeNonzero", RUN_FAILED);
	expect("Failed", NULL, 1, 0, "", RUN_FINISHED); /* only fault would be its exit code */
	expect("Failed", NULL, 1, 0, "ExecutionTimeout", RUN_FAILED);
	expect("Failed", NULL, 0, 0, NULL, RUN_FAILED);
	expect("Invalid", NULL, 0, 0, NULL, RUN_FAILED);
	expect("Aborted", NULL, 0, 0, NULL, RUN_FAILED);
	expect("Error", NULL, 1, 0, "ClientNotRunning", RUN_FAILED);
	expect("Timeout", NULL, 1, 0, "ExecutionTimeout", RUN_FAILED);
	expect("Stopped", NULL, 0, 0, NULL, RUN_STOPPED);
	expect("Cancelled", NULL, 0, 0, NULL, RUN_STOPPED);
	expect("Terminated", NULL, 1, 137, NULL, RUN_STOPPED);
	expect(NULL, "PartialFailed", 0, 0, NULL, RUN_FAILED);
	expect(NULL, "Running", 0, 0, NULL, RUN_RUNNING);
	expect(NULL, "Stopped", 0, 0, NULL, RUN_STOPPED);
	expect(NULL, "Failed", 0, 0, NULL, RUN_FAILED);
	/* The newest field wins. */
	expect("Success", "Failed", 1, 0, NULL, RUN_FINISHED);
	expect("Failed", "Finished", 1, 1, "ExitCodeNonzero", RUN_FAILED);
	expect("", "Running", 0, 0, NULL, RUN_RUNNING);
	/* Unknown or absent. */
	expect("Exploded", NULL, 0, 0, NULL, -1);
	expect("success", NULL, 1, 0, NULL, -1); /* the API's values are exact */
	expect(NULL, NULL, 0, 0, NULL, -1);
	expect("", "", 0, 0, NULL, -1);
}

static void test_exit_codes(void)
{
	struct exit_codes set;
	struct exit_codes ok03;
	enum run_state st;
	struct run_status r = { "Success", NULL, true, 3, NULL };

	is_int(exit_codes_parse("0", &set), 0, "'0' parses");
	ok(exit_codes_contain(&set, 0) && !exit_codes_contain(&set, 1), "'0' holds 0 only");
	is_int(exit_codes_parse("0,3,10-20,-1", &set), 0, "list with a range and a negative");
	ok(exit_codes_contain(&set, 3) && exit_codes_contain(&set, 10) &&
		   exit_codes_contain(&set, 20) && exit_codes_contain(&set, -1) &&
		   !exit_codes_contain(&set, 21) && !exit_codes_contain(&set, 9) &&
		   !exit_codes_contain(&set, 2),
	   "membership of 0,3,10-20,-1");
	is_int(exit_codes_parse("", &set), -1, "empty rejected");
	is_int(exit_codes_parse("1,", &set), -1, "trailing comma rejected");
	is_int(exit_codes_parse("a", &set), -1, "letters rejected");
	is_int(exit_codes_parse("20-10", &set), -1, "reversed range rejected");
	is_int(exit_codes_parse("1 ", &set), -1, "trailing space rejected");
	is_int(exit_codes_parse("99999999999999999999", &set), -1, "overflow rejected");
	is_int(exit_codes_parse("-", &set), -1, "lone minus rejected");
	is_int(exit_codes_parse("-2-3", &set), -1, "range from a negative rejected");

	exit_codes_parse("0,3", &ok03);
	ok(status_normalise(&r, &ok03, &st) == 0 && st == RUN_FINISHED,
	   "--ok-exit-codes 0,3 makes Success exit 3 finished");
	ok(status_normalise(&r, &ok0, &st) == 0 && st == RUN_FAILED,
	   "default makes Success exit 3 failed");
}

static enum aggregate agg(unsigned long run, unsigned long fin, unsigned long fail,
			  unsigned long stop)
{
	unsigned long c[RUN_STATE_COUNT];

	c[RUN_RUNNING] = run;
	c[RUN_FINISHED] = fin;
	c[RUN_FAILED] = fail;
	c[RUN_STOPPED] = stop;
	return status_aggregate(c);
}

static void test_aggregate(void)
{
	is_int(agg(0, 0, 3, 0), AGG_FAILED, "all failed -> Failed");
	is_int(agg(0, 2, 1, 0), AGG_PARTIAL_FAILED, "some failed -> PartialFailed");
	is_int(agg(2, 0, 1, 0), AGG_PARTIAL_FAILED, "failed while others run -> PartialFailed");
	is_int(agg(0, 0, 1, 1), AGG_PARTIAL_FAILED, "failed + stopped -> PartialFailed");
	is_int(agg(1, 2, 0, 0), AGG_RUNNING, "some running -> Running");
	is_int(agg(1, 0, 0, 1), AGG_RUNNING, "running + stopped -> Running");
	is_int(agg(0, 0, 0, 3), AGG_STOPPED, "all stopped -> Stopped");
	is_int(agg(0, 2, 0, 1), AGG_FINISHED, "finished + stopped -> Finished");
	is_int(agg(0, 5, 0, 0), AGG_FINISHED, "all finished -> Finished");
}

static void test_map(void)
{
	struct state_map m;
	const char *bad = NULL;

	state_map_default(&m);
	ok(m.of[AGG_FINISHED] == STATE_OK && m.of[AGG_RUNNING] == STATE_WARNING &&
		   m.of[AGG_STOPPED] == STATE_WARNING && m.of[AGG_PARTIAL_FAILED] == STATE_CRITICAL &&
		   m.of[AGG_FAILED] == STATE_CRITICAL && m.of[AGG_NOT_FOUND] == STATE_UNKNOWN,
	   "default map as product.md §4");
	is_int(state_map_parse("running=ok,PartialFailed=WARNING", &m, &bad), 0, "map parses");
	ok(m.of[AGG_RUNNING] == STATE_OK && m.of[AGG_PARTIAL_FAILED] == STATE_WARNING,
	   "map applied, case-insensitively");
	is_int(state_map_parse("NotFound=critical", &m, &bad), 0, "second --map adds");
	ok(m.of[AGG_NOT_FOUND] == STATE_CRITICAL && m.of[AGG_RUNNING] == STATE_OK,
	   "earlier --map kept");
	is_int(state_map_parse("Finished=ok,Bogus=ok", &m, &bad), -1, "unknown aggregate rejected");
	is_str(bad, "Bogus=ok", "the bad item is named");
	is_int(state_map_parse("Finished=fine", &m, &bad), -1, "unknown state rejected");
	is_int(state_map_parse("Finished", &m, &bad), -1, "missing = rejected");
	is_int(state_map_parse("Finished=ok,", &m, &bad), -1, "trailing comma rejected");
	is_int(m.of[AGG_FINISHED], STATE_OK, "a rejected --map changes nothing");
}

static void test_rank_and_names(void)
{
	is_int(state_worst(STATE_OK, STATE_UNKNOWN), STATE_UNKNOWN, "UNKNOWN worse than OK");
	is_int(state_worst(STATE_UNKNOWN, STATE_WARNING), STATE_WARNING, "WARNING worse than UNKNOWN");
	is_int(state_worst(STATE_CRITICAL, STATE_WARNING), STATE_CRITICAL, "CRITICAL worst");
	is_int(state_worst(STATE_CRITICAL, STATE_UNKNOWN), STATE_CRITICAL, "CRITICAL over UNKNOWN");
	ok(status_repeat_is_periodic("Period") && status_repeat_is_periodic("EveryReboot") &&
		   status_repeat_is_periodic("NextRebootOnly") && !status_repeat_is_periodic("Once") &&
		   !status_repeat_is_periodic(NULL),
	   "periodic repeat modes");
	ok(status_repeat_has_history("Period") && status_repeat_has_history("EveryReboot") &&
		   !status_repeat_has_history("NextRebootOnly"),
	   "history only for Period and EveryReboot");
	is_str(aggregate_name(AGG_PARTIAL_FAILED), "PartialFailed", "aggregate name");
	is_str(metric_name(METRIC_STOPPED), "stopped", "metric name");
}

int main(void)
{
	exit_codes_parse("0", &ok0);
	test_table();
	test_exit_codes();
	test_aggregate();
	test_map();
	test_rank_and_names();
	return tap_done();
}
