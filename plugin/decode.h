/* decode.h - turning API response bodies into the plugin's records, strictly.
 *
 * The API documents every field as optional; what is present must have the
 * documented type, or the response is refused (FAULT_SHAPE naming the field):
 * a plugin that guesses at a malformed answer can report a false OK.
 *
 * Ownership: each decode_* function fills a caller-provided struct whose
 * strings it allocates; the matching *_free() releases them. On failure the
 * struct is left empty (nothing to free, freeing is still safe). */
#ifndef ECS_DECODE_H
#define ECS_DECODE_H

#include <stdbool.h>
#include <stddef.h>

#include "credentials.h"
#include "fault.h"
#include "status.h"

/* How many times an instance has run the command so far (InvokeInstance
 * Repeats), where DescribeInvocations says. */
struct instance_runs {
	char *instance_id;
	long long repeats;
};

/* What a response may hold before it is parsed at all (FAULT_TOO_LARGE).
 * The API's documents nest 7 levels deep; its longest strings are command
 * output and content, 24 KB before Base64; a page holds at most 50 records,
 * and the list nested in DescribeInvocations some 25 values per instance:
 * 250,000 values are 10,000 instances. The bounds keep the parser's memory
 * to some 60 MB whatever a server sends (Jansson alone stops at 2048 levels
 * and at the size of the body). */
#define DECODE_MAX_DEPTH 64u
#define DECODE_MAX_STRING ((size_t)1024 * 1024)
#define DECODE_MAX_ITEMS 250000u

/* The invocation as DescribeInvocations reports it. */
struct invocation {
	bool found;               /* false: the API returned no such invocation */
	char *invoke_id;
	char *command_name;
	char *repeat_mode;        /* Once, Period, NextRebootOnly, EveryReboot, DryRun */
	char *frequency;
	char *invocation_status;  /* recommended overall status */
	char *invoke_status;      /* legacy overall status */
	char *creation_time;
	struct instance_runs *runs; /* those with InstanceId and Repeats, by id */
	size_t runs_count;
};

/* The Repeats DescribeInvocations gave for instance_id, or -1 if none. */
long long invocation_repeats(const struct invocation *inv, const char *instance_id);

/* One instance, or one run of a periodic invocation, as
 * DescribeInvocationResults reports it. */
struct record {
	char *instance_id;
	char *invocation_status;   /* InvocationStatus */
	char *legacy_status;       /* InvokeRecordStatus */
	bool has_exit_code;
	long long exit_code;
	char *error_code;
	char *error_info;
	char *start_time;
	char *finished_time;
	long long repeats;
	long long dropped;
	char *output;              /* Output as sent (Base64), only when asked for */
	/* Filled by the checker, not by decoding. */
	enum run_state state;
	char *running_start;   /* periodic: start of a newer run still in progress */
	bool hung;             /* in progress longer than --max-runtime */
	bool stale;            /* latest completed run older than --max-age */
	long long over_s;      /* how long it has run, or how old its last run is */
};

/* One page of DescribeInvocationResults. */
struct record_page {
	struct record *records;
	size_t count;
	char *next_token;          /* NULL or "" on the last page */
};

/* An API error body: {"RequestId","HostId","Code","Message","Recommend"}. */
struct api_error {
	char *code;
	char *message;
	char *request_id;
};

/* invoke_id: the id asked for; an entry with another id is a wrong answer. */
int decode_invocations(const char *body, size_t len, const char *invoke_id, struct invocation *out,
		       struct fault *f);
/* keep_output: keep each record's Output (for --show-output); otherwise it
 * is not copied, since it can be 24 KB a record. */
int decode_results(const char *body, size_t len, bool keep_output, struct record_page *out,
		   struct fault *f);
/* Returns 0 when the body is an error document with a Code, -1 otherwise
 * (then out is empty). Never fails loudly: error bodies are best effort. */
int decode_error(const char *body, size_t len, struct api_error *out);

/* The ECS metadata service's answer for a RAM role:
 * {"Code":"Success","AccessKeyId","AccessKeySecret","SecurityToken","Expiration",...}.
 * Anything but Code "Success" with all three secrets is refused. */
int decode_metadata_credentials(const char *body, size_t len, struct credentials *out,
				struct fault *f);
/* STS AssumeRole's answer: {"Credentials":{"AccessKeyId","AccessKeySecret",
 * "SecurityToken","Expiration"},"AssumedRoleUser":{...},"RequestId"}. */
int decode_assume_role(const char *body, size_t len, struct credentials *out, struct fault *f);

/* "an object", "a string", ...: what a JSON value is, for messages. */
struct json_t;
const char *decode_json_kind(const struct json_t *v);

void invocation_free(struct invocation *inv);
void record_free(struct record *rec);
void record_page_free(struct record_page *page);
void api_error_free(struct api_error *err);

#endif
