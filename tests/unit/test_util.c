/* test_util.c - durations, the API's time formats, and the bounded buffer. */
#include "config.h"

#include <string.h>

#include "tap.h"
#include "util.h"

static void test_durations(void)
{
	long long s = -1;
	char buf[32];

	ok(parse_duration("90", &s) == 0 && s == 90, "90 = 90 s");
	ok(parse_duration("90s", &s) == 0 && s == 90, "90s");
	ok(parse_duration("15m", &s) == 0 && s == 900, "15m");
	ok(parse_duration("2h", &s) == 0 && s == 7200, "2h");
	ok(parse_duration("1d", &s) == 0 && s == 86400, "1d");
	is_int(parse_duration("0", &s), -1, "0 refused");
	is_int(parse_duration("", &s), -1, "empty refused");
	is_int(parse_duration("1w", &s), -1, "unknown unit refused");
	is_int(parse_duration("1h30m", &s), -1, "two units refused");
	is_int(parse_duration("-5", &s), -1, "negative refused");
	is_int(parse_duration(" 5", &s), -1, "leading space refused");
	is_int(parse_duration("99999999999d", &s), -1, "absurd refused");
	format_duration(45, buf, sizeof(buf));
	is_str(buf, "45s", "45 s");
	format_duration(3725, buf, sizeof(buf));
	is_str(buf, "1h02m", "1h02m");
	format_duration(185, buf, sizeof(buf));
	is_str(buf, "3m05s", "3m05s");
	format_duration(2 * 86400 + 3 * 3600 + 59, buf, sizeof(buf));
	is_str(buf, "2d3h", "2d3h");
}

static void test_times(void)
{
	long long t = 0;

	ok(parse_api_time("1970-01-01T00:00:00Z", &t) == 0 && t == 0, "the epoch");
	ok(parse_api_time("2024-01-02T03:04:05Z", &t) == 0 && t == 1704164645LL, "2024-01-02T03:04:05Z");
	ok(parse_api_time("2024-02-29T00:00:00Z", &t) == 0 && t == 1709164800LL, "a leap day");
	is_int(parse_api_time("2024-01-02 03:04:05Z", &t), -1, "space instead of T refused");
	is_int(parse_api_time("2024-01-02T03:04:05", &t), -1, "no Z refused");
	is_int(parse_api_time("2024-13-02T03:04:05Z", &t), -1, "month 13 refused");
	is_int(parse_api_time("2024-01-02T03:04:05+08:00", &t), -1, "offsets refused");
	is_int(parse_api_time("", &t), -1, "empty refused");
	ok(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT", &t) == 0 && t == 784111777LL,
	   "RFC 7231's example");
	ok(parse_http_date("Tue, 02 Jan 2024 03:04:05 GMT", &t) == 0 && t == 1704164645LL,
	   "a Date header");
	is_int(parse_http_date("Tue, 02 Foo 2024 03:04:05 GMT", &t), -1, "bad month refused");
	is_int(parse_http_date("Tuesday, 02-Jan-24 03:04:05 GMT", &t), -1, "obsolete form refused");
}

static void test_base64(void)
{
	struct strbuf b;

	strbuf_init(&b, 0);
	ok(base64_decode("aGVsbG8=", 8, &b) == 0 && b.len == 5 && memcmp(b.data, "hello", 5) == 0,
	   "hello");
	strbuf_reset(&b);
	ok(base64_decode("aGVsbG8", 7, &b) == 0 && b.len == 5, "padding optional");
	strbuf_reset(&b);
	ok(base64_decode("//79\r\nAA==", 10, &b) == 0 && b.len == 4 &&
		   memcmp(b.data, "\xff\xfe\xfd\x00", 4) == 0,
	   "binary bytes, line breaks ignored, NUL kept");
	strbuf_reset(&b);
	is_int(base64_decode("a$b=", 4, &b), -1, "a character outside the alphabet is refused");
	strbuf_reset(&b);
	ok(base64_decode("", 0, &b) == 0 && b.len == 0, "empty");
	strbuf_free(&b);
}

static void test_strbuf(void)
{
	struct strbuf b;

	strbuf_init(&b, 8);
	ok(strbuf_puts(&b, "12345678") == 0 && b.len == 8, "fills to the limit");
	ok(strbuf_putc(&b, '9') == -1 && b.over && b.failed, "one more is refused and marked");
	is_str(b.data, "12345678", "what was there stays");
	strbuf_free(&b);
	strbuf_init_secret(&b, 0);
	for (int i = 0; i < 100; i++)
		strbuf_puts(&b, "secret-");
	ok(!b.failed && b.len == 700 && b.secret, "a secret buffer grows like any other");
	ok(strncmp(b.data + 693, "secret-", 7) == 0, "and keeps its content when it moves");
	strbuf_wipe(&b);
	ok(b.data == NULL && b.len == 0, "wiped and freed");
}

static void test_loopback(void)
{
	ok(url_is_loopback("http://127.0.0.1:8080/?Action=x&Signature=y"), "127.0.0.1 with a query");
	ok(url_is_loopback("http://127.0.0.2:5"), "127.0.0.2: all of 127/8");
	ok(url_is_loopback("https://localhost/"), "localhost");
	ok(url_is_loopback("HTTP://[::1]:9/x"), "[::1], scheme in capitals");
	ok(url_is_loopback("http://[::1]"), "[::1] alone");
	ok(!url_is_loopback("http://127.999.999.999:5/"), "127.999.999.999 is not an address");
	ok(!url_is_loopback("http://127.1/"), "127.1: short form refused");
	ok(!url_is_loopback("http://localhost.evil.com/"), "a longer name");
	ok(!url_is_loopback("http://127.0.0.1:80@evil.example/"), "user information before another host");
	ok(!url_is_loopback("http://evil.example/?u=http://127.0.0.1"), "loopback only in the query");
	ok(!url_is_loopback("http://[::1/"), "unclosed bracket");
	ok(!url_is_loopback("http://[::1]x/"), "text after the bracket");
	ok(!url_is_loopback("127.0.0.1:80"), "no scheme");
	ok(!url_is_loopback("://127.0.0.1"), "empty scheme");
	ok(!url_is_loopback("https://ecs.cn-hangzhou.aliyuncs.com/"), "the real API");
	ok(!url_is_loopback("http://100.100.100.200/latest"), "the metadata service");
	ok(host_is_loopback("127.0.0.1", 9) && !host_is_loopback("127.0.0.1", 8),
	   "host_is_loopback reads exactly n bytes");
}

static void test_clock_relation(void)
{
	char buf[48];

	format_clock_relation(0, buf, sizeof(buf));
	is_str(buf, "agrees with", "offset 0: agrees with");
	format_clock_relation(3600, buf, sizeof(buf));
	is_str(buf, "is 3600 s behind", "the other clock ahead: the local one is behind");
	format_clock_relation(-60, buf, sizeof(buf));
	is_str(buf, "is 60 s ahead of", "the other clock behind: the local one is ahead of it");
}

/* A region id becomes part of a host name: nothing but [a-z0-9-]. */
static void test_region_ids(void)
{
	static const char *const good[] = { "cn-hangzhou", "ap-southeast-1", "us-east-1", "a", NULL };
	static const char *const bad[] = { "", "-cn", "CN-HANGZHOU", "cn_hangzhou", "cn.hangzhou",
					   "evil.example.com/", "cn hangzhou", "x@y", NULL };
	char long_id[66];

	for (int i = 0; good[i]; i++)
		ok(is_region_id(good[i]), "'%s' is a region id", good[i]);
	for (int i = 0; bad[i]; i++)
		ok(!is_region_id(bad[i]), "'%s' is not", bad[i]);
	memset(long_id, 'a', sizeof(long_id) - 1);
	long_id[64] = '\0';
	ok(is_region_id(long_id), "64 characters are");
	long_id[64] = 'a';
	long_id[65] = '\0';
	ok(!is_region_id(long_id), "65 are not");
}

int main(void)
{
	test_durations();
	test_times();
	test_base64();
	test_strbuf();
	test_loopback();
	test_region_ids();
	test_clock_relation();
	return tap_done();
}
