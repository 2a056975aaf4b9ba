/* output.h - what the operator reads: the first line with perfdata, the long
 * output, and the one line of a check that could not be done. Pure: builds
 * text in a buffer; main() prints it.
 *
 * Everything that came from the API is sanitised (text.h); the whole text is
 * kept under OUTPUT_MAX bytes, because Nagios and notification paths cut
 * longer output in awkward places. */
#ifndef ECS_OUTPUT_H
#define ECS_OUTPUT_H

#include "check.h"
#include "fault.h"
#include "options.h"
#include "util.h"

#define OUTPUT_MAX 4000

/* What the run knows about itself, for the verbose lines. */
struct run_info {
	double elapsed;             /* seconds since start */
	const char *credentials_source;
	const char *signature;      /* "v3 (ACS3-HMAC-SHA256)", ... */
	bool clock_corrected;       /* the local clock was off and corrected */
	long long clock_offset;     /* seconds added to it */
	unsigned clock_corrections; /* more than one: it moved during the run */
	bool api_clock_known;       /* a Date header was seen: ages are on the API's clock */
	long long api_clock_skew;   /* API clock minus local clock, seconds */
	unsigned requests;
	unsigned retries;
	const struct strbuf *trace; /* -vv/-vvv lines, may be NULL or empty */
};

/* The words of line 1 after "<aggregate>: ", e.g. "1 of 4 instances failed",
 * "(periodic)" for a periodic invocation, then the notes, most important
 * first: runs over --max-runtime, instances over --max-age, the threshold
 * that set the state off (breached, or METRIC_COUNT), "still running after
 * N s of --wait", when the judged periodic runs ended ("(periodic, 5m-2h
 * ago)"). The counts and the most important note are always there; the
 * others only while the whole stays within room characters. */
void output_summary(struct strbuf *out, const struct check_result *r, const struct options *opts,
		    enum metric breached, size_t room);
/* The room line 1 leaves for the summary after "ECS INVOCATION <STATE> -
 * <id> <aggregate>: ", so that the text before the perfdata stays within
 * about 100 characters. */
size_t output_summary_room(enum plugin_state state, const char *invoke_id,
			   enum aggregate aggregate);

int output_result(struct strbuf *out, const struct check_result *r, const struct options *opts,
		  enum plugin_state state, enum metric breached, const struct run_info *info);

/* "ECS INVOCATION UNKNOWN - <id>: <why>", then the trace at -vv. invoke_id
 * may be NULL (the options were bad). */
int output_fault(struct strbuf *out, const char *invoke_id, const struct fault *f, int verbosity,
		 const struct run_info *info);

#endif
