/* api.h - the two ECS API actions, as signed requests with retries.
 *
 * Builds each request (common parameters, a fresh nonce and timestamp),
 * signs it (RPC signature v1, HMAC-SHA1), sends it over the run's one
 * connection, retries what is worth retrying inside the deadline, and turns
 * error bodies into faults that carry the API's Code, Message and RequestId
 * and end with what to do (after "after N attempts", where there were). A
 * page of results with more records than asked for is refused.
 *
 * Ownership: struct api_client borrows everything it points to; the caller
 * keeps the credentials, the HTTP client and the trace buffer alive. */
#ifndef ECS_API_H
#define ECS_API_H

#include <stdbool.h>

#include "credentials.h"
#include "decode.h"
#include "fault.h"
#include "http.h"
#include "util.h"

#define API_VERSION "2014-05-26"
#define API_PAGE_SIZE "50" /* the documented maximum: fewest requests */
#define API_MAX_ATTEMPTS 5

/* Which signature requests carry (--signature-version). */
enum signature_version { SIGNATURE_V1 = 1, SIGNATURE_V3 = 3 };

/* One API service: ECS, or STS for AssumeRole. */
struct api_target {
	const char *endpoint;  /* scheme://host[:port] */
	const char *version;   /* the API version, e.g. "2014-05-26" */
	const char *region;    /* the RegionId parameter, NULL for none */
	const struct credentials *creds;
	/* What to check when the endpoint cannot be reached or verified
	 * (a fault about_endpoint); NULL keeps the transport's advice,
	 * which names -e. */
	const char *reach_advice;
};

struct api_client {
	struct http_client *http;
	struct api_target ecs; /* where the invocation is read */
	enum signature_version signature;
	double deadline;       /* CLOCK_MONOTONIC seconds (http_now()) */
	int verbosity;
	struct strbuf *trace;  /* -vv / -vvv lines are appended here; may be NULL */
	unsigned requests;     /* requests sent, retries included */
	unsigned retries;
	/* The API's clock, from the newest Date header: ages are measured
	 * against it, not against a local clock that may be wrong. */
	bool server_time_known;
	long long server_time;
	double server_time_at; /* http_now() when it was read */
	/* Seconds added to the local clock in request timestamps, once the API
	 * refused one as expired (InvalidTimeStamp.Expired) and its Date
	 * header told how far off the local clock is. */
	long long clock_offset;
	unsigned clock_corrections; /* how often the offset was taken this run */
	bool clock_corrected;       /* a request was sent signed with it */
	char clock_note[256];       /* the advice of a refused timestamp */
};

/* Now on the API's clock (the local clock until a Date header was seen). */
long long api_now(const struct api_client *api);
/* How far the API's clock is ahead of the local one, in seconds (negative:
 * behind); false while no Date header was seen. */
bool api_clock_skew(const struct api_client *api, long long *skew);

/* Send action to target until it succeeds, fails for good, or the deadline
 * comes; each attempt is signed anew with a fresh nonce and timestamp. On
 * success resp holds the HTTP 200 answer. */
int api_call(struct api_client *api, const struct api_target *target, const char *action,
	     const struct params *action_params, struct http_response *resp, struct fault *f);

/* Append a line to the trace when verbosity >= level. */
void api_trace(struct api_client *api, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

int api_describe_invocation(struct api_client *api, const char *invoke_id, struct invocation *out,
			    struct fault *f);
/* One page of DescribeInvocationResults for invoke_id; next_token NULL for
 * the first page; with_history asks for every run (IncludeHistory=true). */
int api_results_page(struct api_client *api, const char *invoke_id, bool with_history,
		     bool with_output, const char *next_token, struct record_page *out,
		     struct fault *f);

/* Exposed for tests: what a SignatureDoesNotMatch answer means, comparing
 * the server's string-to-sign (in its Message) with ours. */
const char *api_signature_verdict(const char *message, const char *ours);

#endif
