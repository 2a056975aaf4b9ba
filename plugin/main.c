/* main.c - check_ecs_invocation: did this Cloud Assistant invocation succeed
 * on every instance?
 *
 * The one place that prints and the one place that exits. Everything else
 * returns a result or a fault; main() turns either into text and an exit
 * code 0..3. */
#include "config.h"

#include <curl/curl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "api.h"
#include "check.h"
#include "credentials.h"
#include "fault.h"
#include "http.h"
#include "jsonmem.h"
#include "jsonout.h"
#include "options.h"
#include "output.h"
#include "profiles.h"
#include "roles.h"
#include "util.h"
#include "wipelibs.h"
#include "wipemem.h"

/* Whatever the output, it must fit the cores' buffers with room to spare. */
#define OUTPUT_LIMIT ((size_t)64 * 1024)
/* The JSON document lists every instance: 10,000 of them fit easily. */
#define JSON_OUTPUT_LIMIT ((size_t)32 * 1024 * 1024)
/* The backstop fires this long after the deadline, should libcurl or the
 * resolver ever fail to honour its own timeout. */
#define BACKSTOP_GRACE_US 300000

static const char backstop_text[] =
	"ECS INVOCATION UNKNOWN - no result before the deadline (-t): the API or the network is too slow\n";
/* The same for --output-format=json, in the shape of every other fault. */
static const char backstop_json[] =
	"{\"state\":\"UNKNOWN\",\"exit_code\":3,\"invoke_id\":null,\"error\":{\"class\":\"deadline\","
	"\"code\":null,\"message\":\"no result before the deadline (-t): the API or the network is "
	"too slow\"},\"time_s\":null,\"requests\":null,\"clock_corrected_s\":null}\n";
static volatile sig_atomic_t backstop_as_json;

/* Async-signal-safe: write(2) and _exit(2) only. */
static void on_backstop(int sig)
{
	ssize_t ignored;

	(void)sig;
	if (backstop_as_json)
		ignored = write(STDOUT_FILENO, backstop_json, sizeof(backstop_json) - 1);
	else
		ignored = write(STDOUT_FILENO, backstop_text, sizeof(backstop_text) - 1);
	(void)ignored;
	_exit(STATE_UNKNOWN);
}

static void arm_backstop(long timeout_s, bool as_json)
{
	struct itimerval when = { 0 };
	struct sigaction sa = { 0 };

	backstop_as_json = as_json;
	sa.sa_handler = on_backstop;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	when.it_value.tv_sec = timeout_s;
	when.it_value.tv_usec = BACKSTOP_GRACE_US;
	setitimer(ITIMER_REAL, &when, NULL);
}

static void disarm_backstop(void)
{
	struct itimerval off = { 0 };

	setitimer(ITIMER_REAL, &off, NULL);
}

static const char *env_lookup(const char *name)
{
	return getenv(name);
}

/* What is said when memory ran out while the answer itself was written: the
 * text written so far may stop in the middle of a line. Static, so that it
 * needs no memory. */
static const char nomem_text[] =
	"ECS INVOCATION UNKNOWN - out of memory while writing the output\n";
static const char nomem_json[] =
	"{\"state\":\"UNKNOWN\",\"exit_code\":3,\"invoke_id\":null,\"error\":{\"class\":\"nomem\","
	"\"code\":null,\"message\":\"out of memory while writing the output\"},\"time_s\":null,"
	"\"requests\":null,\"clock_corrected_s\":null}\n";

/* Print the whole text at once; a plugin has no one to tell if this fails.
 * Returns -1 when the text was lost and the static answer went out instead. */
static int emit(const struct strbuf *text, bool json)
{
	int rc = 0;

	if (text->failed || text->data == NULL || text->len == 0) {
		if (json)
			(void)fputs(nomem_json, stdout);
		else
			(void)fputs(nomem_text, stdout);
		rc = -1;
	} else {
		(void)fwrite(text->data, 1, text->len, stdout);
	}
	(void)fflush(stdout);
	return rc;
}

/* What the API client learnt about the run, for the verbose lines. */
static void run_info_fill(struct run_info *info, const struct api_client *api, double started)
{
	info->elapsed = http_now() - started;
	info->requests = api->requests;
	info->retries = api->retries;
	info->clock_corrected = api->clock_corrected;
	info->clock_offset = api->clock_offset;
	info->clock_corrections = api->clock_corrections;
	info->api_clock_known = api_clock_skew(api, &info->api_clock_skew);
}

int main(int argc, char **argv)
{
	struct options opts;
	struct credentials creds = { 0 };
	struct cred_spec spec = { 0 };
	struct cred_query query = { 0 };
	struct role_options roles = { 0 };
	struct http_client *http = NULL;
	struct check_result result = { 0 };
	struct strbuf out, trace;
	struct fault f;
	struct run_info info = { 0 };
	struct api_client api = { 0 };
	enum plugin_state state = STATE_UNKNOWN;
	enum metric breached;
	double started = http_now();
	bool curl_ready = false;

	/* First of all: OpenSSL takes an allocator only before it allocates
	 * anything. Should something have made it allocate already, its
	 * buffers are freed unwiped, as they would be without this: no reason
	 * to give up the check. */
	(void)wipelibs_openssl();
	jsonmem_install();
	strbuf_init(&out, OUTPUT_LIMIT);
	strbuf_init(&trace, OUTPUT_LIMIT / 4);
	fault_clear(&f);

	switch (options_parse(argc, argv, env_lookup, &opts, &f)) {
	case OPTIONS_HELP:
		options_help(&out);
		goto finish;
	case OPTIONS_VERSION:
		options_version(&out);
		goto finish;
	case OPTIONS_ERROR:
		if (opts.json) {
			jsonout_fault(&out, opts.invoke_id, &f, &info);
			goto finish;
		}
		strbuf_puts(&out, "ECS INVOCATION UNKNOWN - ");
		strbuf_puts(&out, f.text);
		strbuf_putc(&out, '\n');
		/* Out of memory is no reason to show how to call the plugin. */
		if (f.klass != FAULT_NOMEM)
			options_usage(&out);
		goto finish;
	case OPTIONS_RUN:
		break;
	}
	if (opts.json)
		out.limit = JSON_OUTPUT_LIMIT;
	arm_backstop(opts.timeout_s, opts.json);

	/* Everything local first: a mistake ends here, before any traffic. */
	query.env = env_lookup;
	query.profile = opts.profile;
	query.ram_role = opts.ram_role;
	query.want_region = opts.region == NULL; /* neither -r nor the environment */
	if (credentials_find(&query, &spec, &f) != 0 || options_finish(&opts, spec.region, &f) != 0)
		goto fault;

	if (wipelibs_curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
		fault_set(&f, FAULT_INTERNAL, "cannot initialise libcurl");
		goto fault;
	}
	curl_ready = true;
	if (http_client_new(&http, opts.cacert, &f) != 0)
		goto fault;

	api.http = http;
	api.ecs.endpoint = opts.endpoint;
	api.ecs.version = API_VERSION;
	api.ecs.region = opts.region;
	api.ecs.creds = &creds;
	api.signature = opts.signature_version == 1 ? SIGNATURE_V1 : SIGNATURE_V3;
	api.deadline = started + (double)opts.timeout_s;
	api.verbosity = opts.verbosity;
	api.trace = &trace;

	roles.metadata_url = opts.metadata_url;
	roles.sts_endpoint = opts.sts_endpoint;
	roles.imdsv1_disabled = env_lookup("ALIBABA_CLOUD_IMDSV1_DISABLED") != NULL &&
				ascii_casecmp(env_lookup("ALIBABA_CLOUD_IMDSV1_DISABLED"), "true") == 0;
	if (roles_resolve(&api, &spec, &roles, &creds, &f) != 0)
		goto fault;
	/* The long-lived secret is not needed once the keys are in hand. */
	cred_spec_free(&spec);

	if (check_poll(&api, &opts, &result, &f) != 0)
		goto fault;

	state = check_state(&result, &opts, &breached);
	run_info_fill(&info, &api, started);
	info.credentials_source = creds.source;
	info.signature = api.signature == SIGNATURE_V1 ? "v1 (HMAC-SHA1)" : "v3 (ACS3-HMAC-SHA256)";
	info.trace = &trace;
	if (opts.json ? jsonout_result(&out, &result, &opts, state, breached, &info) != 0
		      : output_result(&out, &result, &opts, state, breached, &info) != 0) {
		/* Never an empty answer: say why there is none. */
		state = STATE_UNKNOWN;
		strbuf_reset(&out);
		out.failed = false;
		fault_set(&f, FAULT_NOMEM, "out of memory while writing the output");
		goto write_fault;
	}
	goto finish;

fault:
	state = STATE_UNKNOWN;
	fault_advise(&f, NULL); /* what to do, after what went wrong */
	run_info_fill(&info, &api, started);
	info.credentials_source = creds.source[0] ? creds.source : spec.source;
	info.trace = &trace;
	strbuf_reset(&out);
	out.failed = false;
write_fault:
	if (opts.json)
		jsonout_fault(&out, opts.invoke_id, &f, &info);
	else
		output_fault(&out, opts.invoke_id, &f, opts.verbosity, &info);

finish:
	/* The verdict is ready: the backstop must not add a second one. */
	disarm_backstop();
	if (emit(&out, opts.json) != 0)
		state = STATE_UNKNOWN;
	check_result_free(&result);
	http_client_free(http);
	if (curl_ready)
		curl_global_cleanup();
	credentials_free(&creds);
	cred_spec_free(&spec);
	options_free(&opts);
	strbuf_wipe(&trace);
	strbuf_free(&out);
	jsonmem_cleanup();
	return (int)state;
}
