/* options.h - the command line: parsing, validation, usage and help.
 *
 * Everything wrong with the command line is found here, before any network
 * traffic, and reported as one line that says what to fix.
 *
 * Ownership: struct options owns only `endpoint` (built from the region when
 * not given); every other string points into argv or the environment, which
 * outlive the run. options_free() releases what it owns. */
#ifndef ECS_OPTIONS_H
#define ECS_OPTIONS_H

#include <stdbool.h>

#include "credentials.h"
#include "fault.h"
#include "status.h"
#include "thresholds.h"
#include "util.h"

#define DEFAULT_TIMEOUT_S 30
#define DEFAULT_INTERVAL_S 10
#define DEFAULT_SHOW_OUTPUT 512
#define MAX_SHOW_OUTPUT 24576 /* the API keeps at most 24 KB of output */
#define MAX_TIMEOUT_S 3600
#define MAX_VERBOSITY 3
/* Signature V3 by default, as the official SDKs send: see README. */
#define DEFAULT_SIGNATURE_VERSION 3

struct options {
	const char *invoke_id;
	const char *region;        /* NULL until options_finish() when not given */
	char *region_copy;         /* owns a region taken from a profile */
	const char *region_source; /* "-r", "ALIBABA_CLOUD_REGION_ID", ... */
	char *endpoint;            /* scheme://host[:port], no trailing slash */
	const char *endpoint_arg;  /* -e as given, checked */
	bool vpc;                  /* --vpc: the region's VPC endpoint */
	const char *cacert;
	const char *profile;       /* --profile */
	const char *ram_role;      /* --ram-role */
	char *metadata_url;        /* --metadata-url, checked, without slash */
	char *sts_endpoint;        /* --sts-endpoint or ALIBABA_CLOUD_STS_ENDPOINT, or NULL */
	int signature_version;     /* 1 or 3 */
	bool json;                 /* --output-format=json */
	long long max_runtime_s;   /* --max-runtime, 0 = none */
	long long max_age_s;       /* --max-age, 0 = none */
	long show_output;          /* --show-output bytes per instance, 0 = off */
	bool wait;                 /* --wait: poll until nothing runs */
	long interval_s;           /* --interval between polls */
	long timeout_s;
	int verbosity;
	struct exit_codes ok_codes;
	struct state_map map;
	struct range warn[METRIC_COUNT];
	struct range crit[METRIC_COUNT];
};

enum options_result { OPTIONS_RUN, OPTIONS_HELP, OPTIONS_VERSION, OPTIONS_ERROR };

/* Parse argv. On OPTIONS_ERROR, f says what is wrong (class FAULT_USAGE).
 * The region may still be unknown: it can come from a credentials profile. */
enum options_result options_parse(int argc, char **argv, env_lookup_fn env, struct options *opts,
				  struct fault *f);
/* Settle the region (-r, the environment, else profile_region) and the
 * endpoint built from it. Fails when there is no region anywhere. */
int options_finish(struct options *opts, const char *profile_region, struct fault *f);
void options_free(struct options *opts);

/* Check an endpoint URL: https://host[:port][/], or http:// to a loopback
 * host only, as host_is_loopback() (util.h) reads one: 127.0.0.2 is,
 * 127.1 and 127.999.999.999 are not (any host when allow_http: the
 * metadata service is plain HTTP).
 * what names the option in messages. On success *normalised is an allocated
 * copy without the slash. */
int options_check_url(const char *url, const char *what, bool allow_http, char **normalised,
		      struct fault *f);
int options_check_endpoint(const char *url, char **normalised, struct fault *f);

/* Texts for -h, -V and a usage error. */
int options_help(struct strbuf *out);
int options_version(struct strbuf *out);
int options_usage(struct strbuf *out);

#endif
