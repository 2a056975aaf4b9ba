/* test_options.c - the command line: what is accepted, what is refused with
 * which message, defaults, endpoints, and the help text's shape. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "options.h"
#include "tap.h"

static const char *fake_region, *fake_sts;

static const char *fake_env(const char *name)
{
	if (strcmp(name, "ALIBABA_CLOUD_REGION_ID") == 0)
		return fake_region;
	if (strcmp(name, "ALIBABA_CLOUD_STS_ENDPOINT") == 0)
		return fake_sts;
	return NULL;
}

/* Parse a NULL-terminated list of arguments. */
static enum options_result parse(struct options *o, struct fault *f, const char **args)
{
	char *argv[32];
	int argc = 0;

	argv[argc++] = (char *)"check_ecs_invocation";
	for (; *args && argc < 31; args++)
		argv[argc++] = (char *)*args;
	argv[argc] = NULL;
	fault_clear(f);
	{
		enum options_result r = options_parse(argc, argv, fake_env, o, f);

		/* The plugin settles the region after the credentials; with no
		 * profile region that is the same as right away. */
		if (r == OPTIONS_RUN && options_finish(o, NULL, f) != 0)
			return OPTIONS_ERROR;
		return r;
	}
}

#define PARSE(o, f, ...) parse(o, f, (const char *[]){ __VA_ARGS__, NULL })

static void test_basic(void)
{
	struct options o;
	struct fault f;

	fake_region = NULL;
	is_int(PARSE(&o, &f, "-i", "t-hz0abc", "-r", "cn-hangzhou"), OPTIONS_RUN, "minimal line");
	is_str(o.invoke_id, "t-hz0abc", "invoke id");
	is_str(o.endpoint, "https://ecs.cn-hangzhou.aliyuncs.com", "default endpoint from region");
	is_int(o.timeout_s, 30, "default timeout 30 s");
	ok(exit_codes_contain(&o.ok_codes, 0) && !exit_codes_contain(&o.ok_codes, 1),
	   "default ok exit codes = 0");
	is_int(o.map.of[AGG_RUNNING], STATE_WARNING, "default map");
	options_free(&o);

	fake_region = "ap-southeast-1";
	is_int(PARSE(&o, &f, "--invoke-id=t-1"), OPTIONS_RUN, "region from the environment");
	is_str(o.region, "ap-southeast-1", "ALIBABA_CLOUD_REGION_ID used");
	is_str(o.region_source, "ALIBABA_CLOUD_REGION_ID", "its source named");
	options_free(&o);
	is_int(PARSE(&o, &f, "-i", "t-1", "-r", "cn-beijing"), OPTIONS_RUN, "-r wins");
	is_str(o.region, "cn-beijing", "-r over the environment");
	options_free(&o);
	fake_region = NULL;

	is_int(PARSE(&o, &f, "-i", "t-1", "-r", "cn-hangzhou", "-vvv", "-v", "-t", "12",
		     "--ok-exit-codes", "0,3", "--map", "Running=ok", "--critical-failed", "0",
		     "--warning-running=@1:", "-e", "https://127.0.0.1:8443/", "--cacert", "/x.pem"),
	       OPTIONS_RUN, "every option");
	is_int(o.verbosity, 3, "verbosity capped at 3");
	is_int(o.timeout_s, 12, "timeout");
	ok(exit_codes_contain(&o.ok_codes, 3), "ok exit codes");
	is_int(o.map.of[AGG_RUNNING], STATE_OK, "--map");
	ok(o.crit[METRIC_FAILED].set && o.warn[METRIC_RUNNING].set && o.warn[METRIC_RUNNING].inside,
	   "thresholds parsed");
	is_str(o.endpoint, "https://127.0.0.1:8443", "endpoint without its slash");
	is_str(o.cacert, "/x.pem", "cacert");
	options_free(&o);

	is_int(PARSE(&o, &f, "-i", "t-1", "-r", "cn-shanghai", "--vpc", "--signature-version=1",
		     "--profile", "prod", "--metadata-url", "http://127.0.0.1:9/",
		     "--sts-endpoint", "https://sts.cn-shanghai.aliyuncs.com"),
	       OPTIONS_RUN, "credential and endpoint options");
	is_str(o.endpoint, "https://ecs-vpc.cn-shanghai.aliyuncs.com", "--vpc endpoint");
	is_int(o.signature_version, 1, "--signature-version=1");
	is_str(o.profile, "prod", "--profile");
	is_str(o.metadata_url, "http://127.0.0.1:9", "--metadata-url without its slash");
	is_str(o.sts_endpoint, "https://sts.cn-shanghai.aliyuncs.com", "--sts-endpoint");
	options_free(&o);
	is_int(PARSE(&o, &f, "-i", "t-1", "-r", "x"), OPTIONS_RUN, "defaults");
	is_int(o.signature_version, 3, "signature v3 by default");
	is_str(o.metadata_url, "http://100.100.100.200", "default metadata URL");
	ok(o.sts_endpoint == NULL, "no STS endpoint unless given");
	options_free(&o);
	{
		struct options p;
		struct fault g;
		char *argv[] = { (char *)"x", (char *)"-i", (char *)"t-1", NULL };

		fake_region = NULL;
		is_int(options_parse(3, argv, fake_env, &p, &g), OPTIONS_RUN,
		       "no region yet is not an error while parsing");
		is_int(options_finish(&p, "eu-central-1", &g), 0, "the profile's region is taken");
		is_str(p.region, "eu-central-1", "region from the profile");
		is_str(p.endpoint, "https://ecs.eu-central-1.aliyuncs.com", "and its endpoint");
		options_free(&p);
		options_parse(3, argv, fake_env, &p, &g);
		is_int(options_finish(&p, "EU central", &g), -1, "a bad profile region is refused");
		ok(strstr(g.text, "'(not shown)' is not a region id") != NULL,
		   "and not quoted: it is no plain word (%s)", g.text);
		options_free(&p);
		options_parse(3, argv, fake_env, &p, &g);
		is_int(options_finish(&p, "EU_central", &g), -1, "an odd profile region is refused");
		ok(strstr(g.text, "'EU_central' is not a region id") != NULL,
		   "and quoted: it is a plain word (%s)", g.text);
		options_free(&p);
	}

	/* The STS endpoint: --sts-endpoint, else ALIBABA_CLOUD_STS_ENDPOINT
	 * (a URL, or a bare host as the SDKs take it); the profile's
	 * sts_region and the default come after (test_roles.c). */
	fake_sts = "https://127.0.0.1:9443/";
	is_int(PARSE(&o, &f, "-i", "t-1", "-r", "x"), OPTIONS_RUN, "ALIBABA_CLOUD_STS_ENDPOINT");
	is_str(o.sts_endpoint, "https://127.0.0.1:9443", "ALIBABA_CLOUD_STS_ENDPOINT as a URL");
	options_free(&o);
	is_int(PARSE(&o, &f, "-i", "t-1", "-r", "x", "--sts-endpoint", "https://127.0.0.1:8443"),
	       OPTIONS_RUN, "--sts-endpoint and ALIBABA_CLOUD_STS_ENDPOINT");
	is_str(o.sts_endpoint, "https://127.0.0.1:8443", "--sts-endpoint wins over the environment");
	options_free(&o);
	fake_sts = "sts-vpc.cn-beijing.aliyuncs.com";
	is_int(PARSE(&o, &f, "-i", "t-1", "-r", "x"), OPTIONS_RUN, "ALIBABA_CLOUD_STS_ENDPOINT host");
	is_str(o.sts_endpoint, "https://sts-vpc.cn-beijing.aliyuncs.com",
	       "ALIBABA_CLOUD_STS_ENDPOINT as a bare host: https://");
	options_free(&o);
	fake_sts = "";
	is_int(PARSE(&o, &f, "-i", "t-1", "-r", "x"), OPTIONS_RUN, "empty ALIBABA_CLOUD_STS_ENDPOINT");
	ok(o.sts_endpoint == NULL, "an empty ALIBABA_CLOUD_STS_ENDPOINT is none");
	options_free(&o);
	fake_sts = "http://sts.aliyuncs.com";
	is_int(PARSE(&o, &f, "-i", "t-1", "-r", "x"), OPTIONS_ERROR,
	       "plain http in ALIBABA_CLOUD_STS_ENDPOINT is refused");
	ok(strstr(f.text, "ALIBABA_CLOUD_STS_ENDPOINT") != NULL, "... naming the variable ('%s')",
	   f.text);
	options_free(&o);
	is_int(PARSE(&o, &f, "-i", "t-1", "-r", "x", "--sts-endpoint", "https://127.0.0.1:8443"),
	       OPTIONS_RUN, "a bad ALIBABA_CLOUD_STS_ENDPOINT is not judged under --sts-endpoint");
	options_free(&o);
	fake_sts = NULL;

	is_int(PARSE(&o, &f, "-h"), OPTIONS_HELP, "-h");
	is_int(PARSE(&o, &f, "--version"), OPTIONS_VERSION, "--version");
}

static void refused(const char *why, const char *needle, const char **args)
{
	struct options o;
	struct fault f;
	enum options_result r = parse(&o, &f, args);

	ok(r == OPTIONS_ERROR && f.klass == FAULT_USAGE && strstr(f.text, needle) != NULL,
	   "refused: %s ('%s')", why, f.text);
	options_free(&o);
}

#define REFUSED(why, needle, ...) refused(why, needle, (const char *[]){ __VA_ARGS__, NULL })

static void test_refusals(void)
{
	fake_region = NULL;
	REFUSED("no id", "missing -i", "-r", "cn-hangzhou");
	REFUSED("no region", "missing region", "-i", "t-1");
	REFUSED("bad id", "not an invocation id", "-i", "t-1/../x", "-r", "cn-hangzhou");
	REFUSED("id with a pipe", "not an invocation id", "-i", "t|1", "-r", "cn-hangzhou");
	REFUSED("bad region", "not a region", "-i", "t-1", "-r", "CN_HANGZHOU");
	REFUSED("timeout 0", "-t/--timeout", "-i", "t-1", "-r", "x", "-t", "0");
	REFUSED("timeout text", "-t/--timeout", "-i", "t-1", "-r", "x", "-t", "10s");
	REFUSED("timeout huge", "-t/--timeout", "-i", "t-1", "-r", "x", "-t", "99999");
	REFUSED("bad range", "not a range", "-i", "t-1", "-r", "x", "--warning-failed", "1:abc");
	REFUSED("bad map", "--map", "-i", "t-1", "-r", "x", "--map", "Done=ok");
	REFUSED("bad exit codes", "--ok-exit-codes", "-i", "t-1", "-r", "x", "--ok-exit-codes", "x");
	REFUSED("unknown long option", "unknown option '--bogus'", "-i", "t-1", "-r", "x", "--bogus");
	REFUSED("unknown short option", "unknown option '-z'", "-i", "t-1", "-r", "x", "-z");
	REFUSED("missing value", "needs a value", "-r", "x", "-i");
	REFUSED("positional", "unexpected argument", "-i", "t-1", "-r", "x", "extra");
	REFUSED("--vpc with -e", "give one", "-i", "t-1", "-r", "x", "--vpc", "-e", "https://h");
	REFUSED("signature version 2", "--signature-version", "-i", "t-1", "-r", "x",
		"--signature-version", "2");
	REFUSED("bad profile name", "not a profile name", "-i", "t-1", "-r", "x", "--profile", "a/b");
	REFUSED("bad role name", "not a RAM role name", "-i", "t-1", "-r", "x", "--ram-role", "../x");
	REFUSED("metadata URL with a path", "--metadata-url", "-i", "t-1", "-r", "x",
		"--metadata-url", "http://100.100.100.200/latest");
	REFUSED("plain http STS", "--sts-endpoint", "-i", "t-1", "-r", "x", "--sts-endpoint",
		"http://sts.aliyuncs.com");
	REFUSED("--vpc takes no value", "takes no value", "-i", "t-1", "-r", "x", "--vpc=yes");
	REFUSED("http to a remote host", "loopback", "-i", "t-1", "-r", "x", "-e",
		"http://ecs.cn-hangzhou.aliyuncs.com");
	REFUSED("http to a look-alike", "loopback", "-i", "t-1", "-r", "x", "-e",
		"http://127.0.0.1.evil.example");
	REFUSED("ftp", "https://", "-i", "t-1", "-r", "x", "-e", "ftp://x");
	REFUSED("path", "nothing after the host", "-i", "t-1", "-r", "x", "-e", "https://h/path");
	REFUSED("userinfo", "nothing after the host", "-i", "t-1", "-r", "x", "-e",
		"https://user:pw@h");
	REFUSED("bad port", "nothing after the host", "-i", "t-1", "-r", "x", "-e", "https://h:99999");
	REFUSED("empty host", "nothing after the host", "-i", "t-1", "-r", "x", "-e", "https://");
}

/* http:// to hosts that are not plainly loopback: each would reach a
 * resolver, or mean another address to another parser. */
static const char *const not_loopback[] = {
	"http://127.999.999.999",   /* no address: libcurl would ask DNS */
	"http://127.0.0.256",       /* one part past 255 */
	"http://127.1",             /* short form: only some parsers expand it */
	"http://127.0.1",           /* three parts */
	"http://127.0.0.1.2",       /* five parts */
	"http://127.0.0.010",       /* octal to inet_aton and libcurl */
	"http://0127.0.0.1",        /* the same for the first part */
	"http://127.0.0.",          /* a part missing */
	"http://127..0.1",
	"http://128.0.0.1",         /* outside 127/8 */
	"http://localhost.evil.com", /* a name that only starts like one */
	"http://localhost.",
	"http://[::2]",
};

static void test_endpoints(void)
{
	char *n = NULL;
	struct fault f;

	is_int(options_check_endpoint("http://127.0.0.1:8080", &n, &f), 0, "http to 127.0.0.1");
	free(n);
	is_int(options_check_endpoint("http://localhost:1/", &n, &f), 0, "http to localhost");
	free(n);
	is_int(options_check_endpoint("http://[::1]:9", &n, &f), 0, "http to [::1]");
	free(n);
	is_int(options_check_endpoint("http://[::1]", &n, &f), 0, "http to [::1] without a port");
	free(n);
	is_int(options_check_endpoint("http://127.0.0.2:5", &n, &f), 0, "http to 127.0.0.2: all of 127/8");
	free(n);
	is_int(options_check_endpoint("http://127.255.255.254", &n, &f), 0,
	       "http to 127.255.255.254: every part up to 255");
	free(n);
	for (size_t i = 0; i < sizeof(not_loopback) / sizeof(not_loopback[0]); i++) {
		n = NULL;
		fault_clear(&f);
		ok(options_check_endpoint(not_loopback[i], &n, &f) == -1 && n == NULL &&
			   strstr(f.text, "loopback") != NULL,
		   "http to %s refused as not loopback", not_loopback[i] + 7);
		free(n);
	}
	is_int(options_check_endpoint("https://ecs-vpc.cn-hangzhou.aliyuncs.com", &n, &f), 0,
	       "https anywhere");
	is_str(n, "https://ecs-vpc.cn-hangzhou.aliyuncs.com", "kept as given");
	free(n);
	is_int(options_check_endpoint("HTTPS://H.example:443", &n, &f), 0, "scheme case-insensitive");
	free(n);
}

static void test_help(void)
{
	struct strbuf b;
	const char *line;
	size_t longest = 0;
	int all_options = 1;
	static const char *const names[] = { "--invoke-id", "--region", "--endpoint", "--cacert",
					     "--timeout", "--ok-exit-codes", "--map", "--warning-",
					     "--critical-", "--verbose", "--help", "--version",
					     "--vpc", "--signature-version", "--profile",
					     "--ram-role", "--metadata-url", "--sts-endpoint" };

	strbuf_init(&b, 0);
	options_help(&b);
	for (line = b.data; line && *line;) {
		const char *nl = strchr(line, '\n');
		size_t n = nl ? (size_t)(nl - line) : strlen(line);
		if (n > longest)
			longest = n;
		line = nl ? nl + 1 : line + n;
	}
	ok(longest <= 80, "help fits 80 columns (longest line %zu)", longest);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strstr(b.data, names[i]) == NULL)
			all_options = 0;
	ok(all_options, "help names every option");
	ok(strstr(b.data, "ALIBABA_CLOUD_ACCESS_KEY_SECRET") != NULL, "help says where secrets go");
	strbuf_free(&b);
}

int main(void)
{
	test_basic();
	test_refusals();
	test_endpoints();
	test_help();
	return tap_done();
}
