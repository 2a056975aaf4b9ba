/* options.c - see options.h. */
#include "config.h"

#include "options.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define PROGNAME "check_ecs_invocation"

enum {
	OPT_CACERT = 256,
	OPT_OK_EXIT_CODES,
	OPT_MAP,
	OPT_PROFILE,
	OPT_RAM_ROLE,
	OPT_METADATA_URL,
	OPT_STS_ENDPOINT,
	OPT_SIGNATURE_VERSION,
	OPT_VPC,
	OPT_OUTPUT_FORMAT,
	OPT_MAX_RUNTIME,
	OPT_MAX_AGE,
	OPT_WAIT,
	OPT_SHOW_OUTPUT,
	OPT_INTERVAL,
	OPT_WARNING_FIRST,                               /* + enum metric */
	OPT_CRITICAL_FIRST = OPT_WARNING_FIRST + METRIC_COUNT /* + enum metric */
};

static const struct option long_options[] = {
	{ "invoke-id", required_argument, NULL, 'i' },
	{ "region", required_argument, NULL, 'r' },
	{ "endpoint", required_argument, NULL, 'e' },
	{ "cacert", required_argument, NULL, OPT_CACERT },
	{ "vpc", no_argument, NULL, OPT_VPC },
	{ "output-format", required_argument, NULL, OPT_OUTPUT_FORMAT },
	{ "max-runtime", required_argument, NULL, OPT_MAX_RUNTIME },
	{ "max-age", required_argument, NULL, OPT_MAX_AGE },
	{ "wait", no_argument, NULL, OPT_WAIT },
	{ "show-output", optional_argument, NULL, OPT_SHOW_OUTPUT },
	{ "interval", required_argument, NULL, OPT_INTERVAL },
	{ "profile", required_argument, NULL, OPT_PROFILE },
	{ "ram-role", required_argument, NULL, OPT_RAM_ROLE },
	{ "metadata-url", required_argument, NULL, OPT_METADATA_URL },
	{ "sts-endpoint", required_argument, NULL, OPT_STS_ENDPOINT },
	{ "signature-version", required_argument, NULL, OPT_SIGNATURE_VERSION },
	{ "timeout", required_argument, NULL, 't' },
	{ "ok-exit-codes", required_argument, NULL, OPT_OK_EXIT_CODES },
	{ "map", required_argument, NULL, OPT_MAP },
	{ "warning-total", required_argument, NULL, OPT_WARNING_FIRST + METRIC_TOTAL },
	{ "warning-running", required_argument, NULL, OPT_WARNING_FIRST + METRIC_RUNNING },
	{ "warning-finished", required_argument, NULL, OPT_WARNING_FIRST + METRIC_FINISHED },
	{ "warning-failed", required_argument, NULL, OPT_WARNING_FIRST + METRIC_FAILED },
	{ "warning-stopped", required_argument, NULL, OPT_WARNING_FIRST + METRIC_STOPPED },
	{ "critical-total", required_argument, NULL, OPT_CRITICAL_FIRST + METRIC_TOTAL },
	{ "critical-running", required_argument, NULL, OPT_CRITICAL_FIRST + METRIC_RUNNING },
	{ "critical-finished", required_argument, NULL, OPT_CRITICAL_FIRST + METRIC_FINISHED },
	{ "critical-failed", required_argument, NULL, OPT_CRITICAL_FIRST + METRIC_FAILED },
	{ "critical-stopped", required_argument, NULL, OPT_CRITICAL_FIRST + METRIC_STOPPED },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

static const char short_options[] = "i:r:e:t:vhV";

/* Invocation ids look like t-hz0jdfwd9f; allow the id alphabet and nothing
 * that could change the meaning of a URL or a line of output. */
static bool valid_id(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n == 0 || n > max || s[0] == '-')
		return false;
	for (; *s; s++) {
		char c = *s;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_' || c == '.'))
			return false;
	}
	return true;
}

int options_check_url(const char *url, const char *what, bool allow_http, char **normalised,
		      struct fault *f)
{
	const char *p, *host, *end;
	bool https;
	size_t host_len, n;

	*normalised = NULL;
	if (strncasecmp(url, "https://", 8) == 0) {
		https = true;
		p = url + 8;
	} else if (strncasecmp(url, "http://", 7) == 0) {
		https = false;
		p = url + 7;
	} else {
		fault_set(f, FAULT_USAGE, "%s must start with https:// (got '%.100s')", what, url);
		return -1;
	}
	host = p;
	if (*p == '[') {
		p = strchr(p, ']');
		if (p == NULL)
			goto bad;
		p++;
	} else {
		while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		       (*p >= '0' && *p <= '9') || *p == '.' || *p == '-')
			p++;
	}
	host_len = (size_t)(p - host);
	if (host_len == 0)
		goto bad;
	if (*p == ':') {
		long long port;
		char digits[8];
		const char *d = ++p;

		while (*p >= '0' && *p <= '9')
			p++;
		if (p == d || (size_t)(p - d) >= sizeof(digits))
			goto bad;
		memcpy(digits, d, (size_t)(p - d));
		digits[p - d] = '\0';
		if (parse_long_long(digits, 1, 65535, &port) != 0)
			goto bad;
	}
	end = p;
	if (*p == '/')
		p++;
	if (*p != '\0')
		goto bad;
	if (!https && !allow_http && !host_is_loopback(host, host_len)) {
		fault_set(f, FAULT_USAGE,
			  "%s: plain http:// is only allowed to a loopback host (127.0.0.1, localhost, [::1]); use https://",
			  what);
		return -1;
	}
	n = (size_t)(end - url);
	*normalised = malloc(n + 1);
	if (*normalised == NULL) {
		fault_set(f, FAULT_NOMEM, "out of memory");
		return -1;
	}
	memcpy(*normalised, url, n);
	(*normalised)[n] = '\0';
	return 0;
bad:
	fault_set(f, FAULT_USAGE, "%s must be scheme://host[:port] with nothing after the host (got '%.100s')",
		  what, url);
	return -1;
}

int options_check_endpoint(const char *url, char **normalised, struct fault *f)
{
	return options_check_url(url, "--endpoint", false, normalised, f);
}

static const char *first_env(env_lookup_fn env, const char *const *names, const char **which)
{
	for (; *names; names++) {
		const char *v = env(*names);
		if (v != NULL && *v != '\0') {
			*which = *names;
			return v;
		}
	}
	return NULL;
}

enum options_result options_parse(int argc, char **argv, env_lookup_fn env, struct options *opts,
				  struct fault *f)
{
	static const char *const region_names[] = { "ALIBABA_CLOUD_REGION_ID",
						    "ALIBABACLOUD_REGION_ID", "ALICLOUD_REGION_ID",
						    NULL };
	const char *endpoint = NULL;
	int c;

	memset(opts, 0, sizeof(*opts));
	opts->timeout_s = DEFAULT_TIMEOUT_S;
	opts->signature_version = DEFAULT_SIGNATURE_VERSION;
	opts->interval_s = DEFAULT_INTERVAL_S;
	exit_codes_parse("0", &opts->ok_codes);
	state_map_default(&opts->map);

	opterr = 0; /* getopt must not print to stderr; we report ourselves */
	optind = 0; /* GNU: start afresh (tests parse several command lines) */
	while ((c = getopt_long(argc, argv, short_options, long_options, NULL)) != -1) {
		const char *bad;
		long long n;

		switch (c) {
		case 'i':
			opts->invoke_id = optarg;
			break;
		case 'r':
			opts->region = optarg;
			opts->region_source = "-r";
			break;
		case 'e':
			endpoint = optarg;
			break;
		case OPT_CACERT:
			/* NOLINTNEXTLINE(clang-analyzer-core.NullDereference): see OPT_SHOW_OUTPUT */
			if (*optarg == '\0') {
				fault_set(f, FAULT_USAGE, "--cacert needs a file name");
				return OPTIONS_ERROR;
			}
			opts->cacert = optarg;
			break;
		case 't':
			if (parse_long_long(optarg, 1, MAX_TIMEOUT_S, &n) != 0) {
				fault_set(f, FAULT_USAGE,
					  "-t/--timeout must be whole seconds from 1 to %d (got '%.40s')",
					  MAX_TIMEOUT_S, optarg);
				return OPTIONS_ERROR;
			}
			opts->timeout_s = (long)n;
			break;
		case OPT_VPC:
			opts->vpc = true;
			break;
		case OPT_WAIT:
			opts->wait = true;
			break;
		case OPT_SHOW_OUTPUT:
			/* The one option whose argument is optional. After it,
			 * clang-analyzer 14 keeps optarg NULL into the next turn of
			 * the loop, although getopt_long() always sets it for an
			 * option that requires an argument: the lines it then
			 * flags carry a NOLINT that points here. */
			if (optarg == NULL) {
				opts->show_output = DEFAULT_SHOW_OUTPUT;
			} else if (parse_long_long(optarg, 1, MAX_SHOW_OUTPUT, &n) == 0) {
				opts->show_output = (long)n;
			} else {
				fault_set(f, FAULT_USAGE,
					  "--show-output=BYTES takes 1 to %d (got '%.20s')",
					  MAX_SHOW_OUTPUT, optarg);
				return OPTIONS_ERROR;
			}
			break;
		case OPT_INTERVAL:
			if (parse_long_long(optarg, 1, MAX_TIMEOUT_S, &n) != 0) {
				fault_set(f, FAULT_USAGE,
					  "--interval must be whole seconds from 1 to %d (got '%.40s')",
					  MAX_TIMEOUT_S, optarg);
				return OPTIONS_ERROR;
			}
			opts->interval_s = (long)n;
			break;
		case OPT_MAX_RUNTIME:
		case OPT_MAX_AGE:
			if (parse_duration(optarg, c == OPT_MAX_AGE ? &opts->max_age_s
								  : &opts->max_runtime_s) != 0) {
				fault_set(f, FAULT_USAGE,
					  "--%s takes a duration such as 90, 90s, 15m, 2h or 1d (got '%.20s')",
					  c == OPT_MAX_AGE ? "max-age" : "max-runtime", optarg);
				return OPTIONS_ERROR;
			}
			break;
		case OPT_OUTPUT_FORMAT:
			/* NOLINTNEXTLINE(clang-analyzer-core.NonNullParamChecker): see OPT_SHOW_OUTPUT */
			if (strcmp(optarg, "json") == 0) {
				opts->json = true;
			} else if (strcmp(optarg, "text") == 0) {
				opts->json = false;
			} else {
				fault_set(f, FAULT_USAGE,
					  "--output-format is text (the default) or json, not '%.20s'",
					  optarg);
				return OPTIONS_ERROR;
			}
			break;
		case OPT_PROFILE:
			if (!valid_id(optarg, 64)) {
				fault_set(f, FAULT_USAGE, "--profile '%.64s' is not a profile name", optarg);
				return OPTIONS_ERROR;
			}
			opts->profile = optarg;
			break;
		case OPT_RAM_ROLE:
			if (!valid_id(optarg, 64)) {
				fault_set(f, FAULT_USAGE, "--ram-role '%.64s' is not a RAM role name", optarg);
				return OPTIONS_ERROR;
			}
			opts->ram_role = optarg;
			break;
		case OPT_METADATA_URL:
			free(opts->metadata_url);
			opts->metadata_url = NULL;
			if (options_check_url(optarg, "--metadata-url", true, &opts->metadata_url, f) != 0)
				return OPTIONS_ERROR;
			break;
		case OPT_STS_ENDPOINT:
			free(opts->sts_endpoint);
			opts->sts_endpoint = NULL;
			if (options_check_url(optarg, "--sts-endpoint", false, &opts->sts_endpoint, f) != 0)
				return OPTIONS_ERROR;
			break;
		case OPT_SIGNATURE_VERSION:
			/* NOLINTNEXTLINE(clang-analyzer-core.NonNullParamChecker): see OPT_SHOW_OUTPUT */
			if (strcmp(optarg, "1") != 0 && strcmp(optarg, "3") != 0) {
				fault_set(f, FAULT_USAGE,
					  "--signature-version is 1 (HMAC-SHA1) or 3 (ACS3-HMAC-SHA256), not '%.20s'",
					  optarg);
				return OPTIONS_ERROR;
			}
			opts->signature_version = optarg[0] - '0';
			break;
		case OPT_OK_EXIT_CODES:
			if (exit_codes_parse(optarg, &opts->ok_codes) != 0) {
				fault_set(f, FAULT_USAGE,
					  "--ok-exit-codes takes a comma-separated list of codes and ranges such as 0,3,10-20 (got '%.60s')",
					  optarg);
				return OPTIONS_ERROR;
			}
			break;
		case OPT_MAP:
			if (state_map_parse(optarg, &opts->map, &bad) != 0) {
				fault_set(f, FAULT_USAGE,
					  "--map takes AGGREGATE=STATE items (Finished, Running, Stopped, PartialFailed, Failed, NotFound = ok, warning, critical, unknown); cannot use '%.60s'",
					  bad);
				return OPTIONS_ERROR;
			}
			break;
		case 'v':
			if (opts->verbosity < MAX_VERBOSITY)
				opts->verbosity++;
			break;
		case 'h':
			return OPTIONS_HELP;
		case 'V':
			return OPTIONS_VERSION;
		case '?': {
			/* getopt says only "something is wrong with this option":
			 * tell the operator which of the three it is. */
			const char *arg = argv[optind - 1];

			if (optopt == 0)
				fault_set(f, FAULT_USAGE, "unknown option '%.60s'", arg);
			else if ((optopt >= OPT_CACERT && optopt != OPT_VPC && optopt != OPT_WAIT &&
				  optopt != OPT_SHOW_OUTPUT) ||
				 strchr("iret", optopt))
				fault_set(f, FAULT_USAGE, "option '%.60s' needs a value", arg);
			else if (strncmp(arg, "--", 2) == 0)
				fault_set(f, FAULT_USAGE, "option '%.60s' takes no value", arg);
			else
				fault_set(f, FAULT_USAGE, "unknown option '-%c'", optopt);
			return OPTIONS_ERROR;
		}
		case ':':
			fault_set(f, FAULT_USAGE, "option '%.60s' needs a value", argv[optind - 1]);
			return OPTIONS_ERROR;
		default:
			if (c >= OPT_WARNING_FIRST && c < OPT_CRITICAL_FIRST + METRIC_COUNT) {
				bool warning = c < OPT_CRITICAL_FIRST;
				int m = warning ? c - OPT_WARNING_FIRST : c - OPT_CRITICAL_FIRST;
				struct range *r = warning ? &opts->warn[m] : &opts->crit[m];

				if (range_parse(optarg, r) != 0) {
					fault_set(f, FAULT_USAGE,
						  "--%s-%s: '%.40s' is not a range (use N, N:, ~:N, N:M or @N:M)",
						  warning ? "warning" : "critical",
						  metric_name((enum metric)m), optarg);
					return OPTIONS_ERROR;
				}
				break;
			}
			fault_set(f, FAULT_INTERNAL, "option parsing went wrong (code %d)", c);
			return OPTIONS_ERROR;
		}
	}
	if (optind < argc) {
		fault_set(f, FAULT_USAGE, "unexpected argument '%.60s' (all options need their flag)",
			  argv[optind]);
		return OPTIONS_ERROR;
	}
	if (opts->invoke_id == NULL) {
		fault_set(f, FAULT_USAGE, "missing -i/--invoke-id: which invocation to check (t-...)");
		return OPTIONS_ERROR;
	}
	if (!valid_id(opts->invoke_id, 64)) {
		fault_set(f, FAULT_USAGE,
			  "-i/--invoke-id '%.64s' is not an invocation id (letters, digits, '-', '_', '.')",
			  opts->invoke_id);
		return OPTIONS_ERROR;
	}
	if (opts->region == NULL)
		opts->region = first_env(env, region_names, &opts->region_source);
	if (opts->region != NULL && !is_region_id(opts->region)) {
		fault_set(f, FAULT_USAGE, "region '%.64s' is not a region id such as cn-hangzhou",
			  opts->region);
		return OPTIONS_ERROR;
	}
	if (endpoint != NULL && opts->vpc) {
		fault_set(f, FAULT_USAGE, "-e/--endpoint and --vpc both choose the endpoint: give one");
		return OPTIONS_ERROR;
	}
	if (endpoint != NULL && options_check_endpoint(endpoint, &opts->endpoint, f) != 0)
		return OPTIONS_ERROR;
	if (opts->sts_endpoint == NULL) {
		/* The SDKs' variable holds a host name or a URL. */
		const char *sts = env("ALIBABA_CLOUD_STS_ENDPOINT");

		if (sts != NULL && *sts != '\0') {
			struct strbuf url;
			int rc;

			strbuf_init(&url, 512);
			strbuf_printf(&url, "%s%s", strstr(sts, "://") ? "" : "https://", sts);
			rc = url.failed ? -1
					: options_check_url(url.data, "ALIBABA_CLOUD_STS_ENDPOINT", false,
							    &opts->sts_endpoint, f);
			strbuf_free(&url);
			if (rc != 0) {
				if (f->klass == FAULT_NONE)
					fault_set(f, FAULT_NOMEM, "out of memory");
				return OPTIONS_ERROR;
			}
		}
	}
	if (opts->metadata_url == NULL) {
		opts->metadata_url = strdup("http://100.100.100.200");
		if (opts->metadata_url == NULL) {
			fault_set(f, FAULT_NOMEM, "out of memory");
			return OPTIONS_ERROR;
		}
	}
	return OPTIONS_RUN;
}

int options_finish(struct options *opts, const char *profile_region, struct fault *f)
{
	struct strbuf b;

	if (opts->region == NULL && profile_region != NULL && *profile_region != '\0') {
		if (!is_region_id(profile_region)) {
			fault_set(f, FAULT_USAGE,
				  "the credentials profile's region_id '%.64s' is not a region id",
				  is_plain_word(profile_region, strlen(profile_region)) ? profile_region
											: "(not shown)");
			return -1;
		}
		/* A copy: the profile goes away once its keys are in hand. */
		opts->region_copy = strdup(profile_region);
		if (opts->region_copy == NULL) {
			fault_set(f, FAULT_NOMEM, "out of memory");
			return -1;
		}
		opts->region = opts->region_copy;
		opts->region_source = "the credentials profile";
	}
	if (opts->region == NULL) {
		fault_set(f, FAULT_USAGE,
			  "missing region: give -r/--region (e.g. cn-hangzhou), set ALIBABA_CLOUD_REGION_ID, or a region_id in the profile");
		return -1;
	}
	if (opts->endpoint != NULL)
		return 0;
	strbuf_init(&b, 256);
	strbuf_printf(&b, "https://%s.%s.aliyuncs.com", opts->vpc ? "ecs-vpc" : "ecs", opts->region);
	opts->endpoint = strbuf_release(&b);
	if (opts->endpoint == NULL) {
		fault_set(f, FAULT_NOMEM, "out of memory");
		return -1;
	}
	return 0;
}

void options_free(struct options *opts)
{
	free(opts->endpoint);
	free(opts->metadata_url);
	free(opts->sts_endpoint);
	free(opts->region_copy);
	opts->region_copy = NULL;
	opts->endpoint = NULL;
	opts->metadata_url = NULL;
	opts->sts_endpoint = NULL;
}

int options_version(struct strbuf *out)
{
	return strbuf_puts(out, PROGNAME " " PACKAGE_VERSION "\n");
}

/* The synopsis, shared by a usage error and --help. */
static int usage_lines(struct strbuf *out)
{
	return strbuf_puts(out,
		"Usage: " PROGNAME " -i INVOKE_ID [-r REGION] [-e URL | --vpc]\n"
		"         [--cacert FILE] [--signature-version 1|3]\n"
		"         [--profile NAME | --ram-role NAME] [--metadata-url URL]\n"
		"         [--sts-endpoint URL] [-t SECONDS] [--ok-exit-codes LIST]\n"
		"         [--map AGGREGATE=STATE,...] [--warning-METRIC RANGE]\n"
		"         [--critical-METRIC RANGE] [--max-runtime DURATION]\n"
		"         [--max-age DURATION] [--wait [--interval SECONDS]]\n"
		"         [--show-output[=BYTES]] [--output-format text|json] [-v...]\n"
		"       " PROGNAME " -h | -V\n");
}

int options_usage(struct strbuf *out)
{
	usage_lines(out);
	return strbuf_puts(out, "Try '" PROGNAME " --help' for more.\n");
}

/* Laid out as the Monitoring Plugins' print_help(): version and copyright,
 * what it checks, usage, options in groups (-t and -v last), notes on the
 * status model and the threshold ranges, examples, where to report. Every
 * line fits 80 columns; tests/packaging/test_manpage.t holds the option
 * headings to the option table above and to the man page. */
int options_help(struct strbuf *out)
{
	options_version(out);
	strbuf_puts(out,
		"Copyright (c) 2026 The check_ecs_invocation developers. MIT licence.\n"
		"\n"
		"Checks one Alibaba Cloud ECS Cloud Assistant command invocation: did it\n"
		"succeed on every instance? Reads the invocation with the ECS API\n"
		"(DescribeInvocations, DescribeInvocationResults) over HTTPS.\n"
		"\n");
	usage_lines(out);
	return strbuf_puts(out,
		"\n"
		"Options:\n"
		" -h, --help\n"
		"    Print this help and exit (UNKNOWN, as the plugin guidelines ask).\n"
		" -V, --version\n"
		"    Print the version and exit (UNKNOWN).\n"
		" -i, --invoke-id=ID\n"
		"    The invocation to check, e.g. t-hz0jdfwd9f (required).\n"
		"\n"
		"Where the API is:\n"
		" -r, --region=REGION\n"
		"    Its region, e.g. cn-hangzhou. Default: ALIBABA_CLOUD_REGION_ID, else\n"
		"    the region_id of the credentials profile.\n"
		" -e, --endpoint=URL\n"
		"    API base URL. Default: https://ecs.REGION.aliyuncs.com. Plain http://\n"
		"    is refused except to a loopback host (for tests).\n"
		" --vpc\n"
		"    Use the region's VPC endpoint, https://ecs-vpc.REGION.aliyuncs.com.\n"
		" --cacert=FILE\n"
		"    CA bundle to verify the server with. TLS is always verified.\n"
		" --signature-version=1|3\n"
		"    Sign requests with HMAC-SHA1 (1) or ACS3-HMAC-SHA256 (3, the default,\n"
		"    as the official SDKs do).\n"
		"\n"
		"Credentials (no option takes a secret):\n"
		" --profile=NAME\n"
		"    Profile NAME of ~/.aliyun/config.json, else section NAME of\n"
		"    ~/.alibabacloud/credentials.\n"
		" --ram-role=NAME\n"
		"    The ECS instance RAM role NAME, from the metadata service.\n"
		" --metadata-url=URL\n"
		"    The ECS metadata service (default http://100.100.100.200).\n"
		" --sts-endpoint=URL\n"
		"    STS for RamRoleArn profiles (default ALIBABA_CLOUD_STS_ENDPOINT, else\n"
		"    https://sts.aliyuncs.com).\n"
		"\n"
		"Judging:\n"
		" --ok-exit-codes=LIST\n"
		"    Exit codes that count as success, e.g. 0,3,10-20 (default 0).\n"
		" --map=AGGREGATE=STATE[,...]\n"
		"    Change the state of an aggregate; repeatable. Aggregates: Finished\n"
		"    (ok), Running (warning), Stopped (warning), PartialFailed (critical),\n"
		"    Failed (critical), NotFound (unknown). States: ok, warning, critical,\n"
		"    unknown.\n"
		" --warning-METRIC=RANGE, --critical-METRIC=RANGE\n"
		"    Thresholds on the instance counts; METRIC is total, running,\n"
		"    finished, failed or stopped. RANGE: see Thresholds below.\n"
		" --max-runtime=DURATION\n"
		"    CRITICAL when a run has been in progress longer (a hung command),\n"
		"    from its start, or from the invocation's creation while Pending.\n"
		" --max-age=DURATION\n"
		"    Periodic invocations: CRITICAL when an instance's latest completed\n"
		"    run is older (a stalled schedule). Durations: 90, 90s, 15m, 2h, 1d.\n"
		"    Ages are measured on the API's clock (its Date header).\n"
		"\n"
		"Waiting and output:\n"
		" --wait\n"
		"    Poll until no instance is running, or the -t deadline comes, then\n"
		"    judge: still running at the deadline is Running, never OK.\n"
		" --interval=SECONDS\n"
		"    Between polls with --wait (default 10).\n"
		" --show-output[=BYTES]\n"
		"    Show the start (default 512 bytes, at most 24576) of each failed or\n"
		"    stopped instance's command output in the long output, made safe.\n"
		" --output-format=text|json\n"
		"    json: one JSON document with every instance, for scripts (same exit\n"
		"    code).\n"
		" -t, --timeout=SECONDS\n"
		"    Deadline for the whole check, retries and --wait included (default\n"
		"    30, at most 3600).\n"
		" -v, --verbose\n"
		"    More detail on stdout after the first line: -v every instance, -vv\n"
		"    endpoint, credential source and requests, -vvv each request (secrets\n"
		"    redacted).\n"
		"\n"
		"Credentials, in this order: --profile or --ram-role; the environment\n"
		"(ALIBABA_CLOUD_ACCESS_KEY_ID, ALIBABA_CLOUD_ACCESS_KEY_SECRET,\n"
		"ALIBABA_CLOUD_SECURITY_TOKEN); the aliyun CLI's ~/.aliyun/config.json\n"
		"(profile ALIBABA_CLOUD_PROFILE, else current); ALIBABA_CLOUD_CREDENTIALS_FILE\n"
		"or ~/.alibabacloud/credentials (section ALIBABA_CLOUD_PROFILE, else\n"
		"default); the ECS RAM role named by ALIBABA_CLOUD_ECS_METADATA. Files\n"
		"readable by others are refused.\n"
		"\n"
		"How an invocation is judged:\n"
		"  Each instance counts as running (Pending, Scheduled, Running, Stopping),\n"
		"  finished (Success/Finished with an exit code in --ok-exit-codes), failed\n"
		"  (Failed, Invalid, Aborted, Error, Timeout, the legacy per-instance\n"
		"  PartialFailed, or a bad exit code) or stopped (Stopped, Cancelled,\n"
		"  Terminated). Then, in this order: all failed = Failed; some failed =\n"
		"  PartialFailed; some running = Running; all stopped = Stopped; otherwise\n"
		"  Finished. Periodic invocations are judged by each instance's latest\n"
		"  completed run. The final state is the worst of the aggregate's state\n"
		"  and every threshold's (CRITICAL > WARNING > UNKNOWN > OK). An unknown\n"
		"  or expired id is NotFound, with every count 0. Anything that stops\n"
		"  the check (options, credentials, network, TLS, API errors, bad\n"
		"  responses, the deadline) is UNKNOWN.\n"
		"\n"
		"Thresholds:\n"
		"  N means 0..N; N: means N or more; ~:N means up to N; N:M between;\n"
		"  @N:M alerts inside. Alert when the count is outside the range. See\n"
		"  https://www.monitoring-plugins.org/doc/guidelines.html#THRESHOLDFORMAT\n"
		"\n"
		"Examples:\n"
		"  " PROGNAME " -i t-hz0jdfwd9f -r cn-hangzhou\n"
		"    Every instance of t-hz0jdfwd9f must have finished with exit code 0.\n"
		"  " PROGNAME " -i t-hz0jdfwd9f -r cn-hangzhou --map Running=ok \\\n"
		"      --critical-failed 0\n"
		"    Quiet while it runs; CRITICAL as soon as one instance failed.\n"
		"  " PROGNAME " -i t-... --wait -t 900 || alert\n"
		"    In a cron script: wait up to 15 minutes for the verdict.\n"
		"\n"
		"Exit codes: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.\n"
		"\n"
		"The manual page check_ecs_invocation(1) has the details. Report bugs to\n"
		"the project's issue tracker, with the output of -vvv (it shows no secret).\n"
		"It comes with ABSOLUTELY NO WARRANTY, as the MIT licence says.\n");
}
