/* jsonout.h - --output-format=json: one JSON document on stdout for scripts
 * and cron jobs, with the same exit code as the plugin text. Pure: builds
 * the document in a buffer; main() prints it.
 *
 * Unlike the plugin text it lists every instance and is not capped at 4 KB:
 * it is the way to get all the details without parsing text. */
#ifndef ECS_JSONOUT_H
#define ECS_JSONOUT_H

#include "check.h"
#include "fault.h"
#include "options.h"
#include "output.h"
#include "util.h"

/* The judged invocation: state, aggregate, counts, the API's own status,
 * thresholds, and each instance with its status, exit code, error code and
 * text, and times. Appends one line of JSON and a newline to out. */
int jsonout_result(struct strbuf *out, const struct check_result *r, const struct options *opts,
		   enum plugin_state state, enum metric breached, const struct run_info *info);

/* A check that could not be done: state UNKNOWN and the fault. invoke_id
 * may be NULL (bad options). */
int jsonout_fault(struct strbuf *out, const char *invoke_id, const struct fault *f,
		  const struct run_info *info);

#endif
