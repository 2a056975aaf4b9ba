/* test_roles.c - where STS AssumeRole goes: the endpoint given, else the
 * profile's sts_region, else the central endpoint; and what is refused.
 * (Which of --sts-endpoint and ALIBABA_CLOUD_STS_ENDPOINT is "given" is
 * test_options.c's part.) No network: the choice is a pure function. */
#include "config.h"

#include <string.h>

#include "roles.h"
#include "tap.h"

/* The URL roles_sts_endpoint() picks, or "(refused: TEXT)". */
static const char *pick(const char *given, const char *sts_region, char *buf, size_t size)
{
	static char shown[FAULT_TEXT_SIZE + 16];
	struct fault f;

	fault_clear(&f);
	if (roles_sts_endpoint(given, sts_region, buf, size, &f) == 0)
		return buf;
	snprintf(shown, sizeof(shown), "(refused: %s)", f.text);
	return shown;
}

static void test_choice(void)
{
	char buf[256];

	is_str(DEFAULT_STS_ENDPOINT, "https://sts.aliyuncs.com",
	       "the default is the SDKs' central endpoint");
	is_str(pick(NULL, NULL, buf, sizeof(buf)), "https://sts.aliyuncs.com",
	       "nothing given, no sts_region: the central endpoint");
	is_str(pick(NULL, "", buf, sizeof(buf)), "https://sts.aliyuncs.com",
	       "an empty sts_region is none");
	is_str(pick(NULL, "cn-shanghai", buf, sizeof(buf)), "https://sts.cn-shanghai.aliyuncs.com",
	       "sts_region: that region's endpoint");
	is_str(pick(NULL, "ap-southeast-1", buf, sizeof(buf)),
	       "https://sts.ap-southeast-1.aliyuncs.com", "sts_region with a digit");
	is_str(pick("https://127.0.0.1:8443", "cn-shanghai", buf, sizeof(buf)),
	       "https://127.0.0.1:8443", "an endpoint given wins over the sts_region");
	is_str(pick("https://sts-vpc.cn-beijing.aliyuncs.com", NULL, buf, sizeof(buf)),
	       "https://sts-vpc.cn-beijing.aliyuncs.com", "an endpoint given wins over the default");
	is_str(pick("https://127.0.0.1:8443", "not a region/", buf, sizeof(buf)),
	       "https://127.0.0.1:8443", "an sts_region that is not used is not judged");
}

static void refused(const char *given, const char *sts_region, size_t size, const char *needle,
		    enum fault_class klass, const char *why)
{
	char buf[256];
	struct fault f;
	int rc;

	fault_clear(&f);
	rc = roles_sts_endpoint(given, sts_region, buf, size, &f);
	ok(rc == -1 && f.klass == klass && strstr(f.text, needle) != NULL, "refused: %s ('%s')",
	   why, f.text);
}

static void test_refused(void)
{
	char big[300];

	/* A profile's value that would make another host name. */
	refused(NULL, "evil.example.com", sizeof(big), "sts_region 'evil.example.com' is not a region id",
		FAULT_CREDENTIALS, "an sts_region with dots");
	/* Not a plain word: it might be a secret in the wrong field. */
	refused(NULL, "x@evil.example#", sizeof(big), "sts_region '(not shown)' is not a region id",
		FAULT_CREDENTIALS, "an sts_region with '@' and '#', not quoted");
	refused(NULL, "evil.example.com/", sizeof(big), "'(not shown)' is not a region id",
		FAULT_CREDENTIALS, "an sts_region with a slash, not quoted");
	refused(NULL, "CN-SHANGHAI", sizeof(big), "is not a region id", FAULT_CREDENTIALS,
		"an sts_region in capitals");
	refused(NULL, "-cn", sizeof(big), "is not a region id", FAULT_CREDENTIALS,
		"an sts_region starting with '-'");
	memset(big, 'a', 65);
	big[65] = '\0';
	refused(NULL, big, sizeof(big), "'(not shown)' is not a region id", FAULT_CREDENTIALS,
		"an sts_region of 65 letters, too long to quote");

	/* Cut short, a URL would name another host. */
	refused(NULL, "cn-shanghai", 36, "longer than 35 bytes", FAULT_USAGE,
		"a region endpoint that does not fit");
	refused("https://127.0.0.1:8443", NULL, 10, "longer than 9 bytes", FAULT_USAGE,
		"an endpoint given that does not fit");
	refused(NULL, NULL, 24, "longer than 23 bytes", FAULT_USAGE,
		"the default that does not fit");
}

static void test_fits(void)
{
	char buf[37];

	/* "https://sts.cn-shanghai.aliyuncs.com" is 36 bytes: it fits 37. */
	is_str(pick(NULL, "cn-shanghai", buf, sizeof(buf)), "https://sts.cn-shanghai.aliyuncs.com",
	       "a URL that just fits");
}

int main(void)
{
	test_choice();
	test_refused();
	test_fits();
	return tap_done();
}
