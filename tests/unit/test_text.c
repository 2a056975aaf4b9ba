/* test_text.c - text_sanitize(), perfdata_int() and perfdata_seconds()
 * (text.h). */
#include "config.h"

#include "text.h"

#include <float.h>
#include <limits.h>
#include <locale.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"

#define FFFD "\xEF\xBF\xBD"

/* Sanitize in[0..len) and compare with want. The input is copied into a heap
 * block of exactly len bytes, so that reading past len is caught by ASan or
 * valgrind rather than by luck. */
static void check_san_max(const char *in, size_t len, size_t max, const char *want,
			  const char *name)
{
	struct strbuf b;
	char *copy = malloc(len > 0 ? len : 1);
	const char *got;
	int rc = -1;
	bool pass;

	strbuf_init(&b, 0);
	if (copy != NULL) {
		if (len > 0)
			memcpy(copy, in, len);
		rc = text_sanitize(&b, copy, len, max);
	}
	/* nothing appended leaves data NULL: that is the empty string */
	got = b.data != NULL ? b.data : "";
	pass = rc == 0 && b.len == strlen(want) && memcmp(got, want, b.len) == 0;
	ok(pass, "sanitize: %s", name);
	if (!pass)
		printf("#   rc %d\n#   got:  '%s'\n#   want: '%s'\n", rc, got, want);
	free(copy);
	strbuf_free(&b);
}

static void check_san(const char *in, size_t len, const char *want, const char *name)
{
	check_san_max(in, len, 0, want, name);
}

/* sizeof a literal minus its NUL, for inputs with embedded NULs */
#define LIT(s) (s), (sizeof(s) - 1)

static void test_ascii(void)
{
	char all[128], want[128];
	int c;

	check_san(LIT(""), "", "empty input");
	check_san(LIT("plain text, 100% ok: ~`$&'\"<>"), "plain text, 100% ok: ~`$&'\"<>",
		  "printable ASCII is kept");
	check_san(LIT("a|b||c"), "a/b//c", "'|' becomes '/'");
	check_san(LIT("a\r\nb\tc\n"), "a  b c ", "CR, LF and TAB become spaces");
	check_san(LIT("\a\x1b[31mred\x7f"), "??[31mred?", "BEL, ESC and DEL become '?'");
	check_san(LIT("a\0b\0"), "a?b?", "embedded NULs inside len become '?'");
	check_san("abc", 1, "a", "only len bytes are read");

	/* every ASCII byte at once */
	for (c = 0; c < 128; c++) {
		all[c] = (char)c;
		if (c == '|')
			want[c] = '/';
		else if (c == '\r' || c == '\n' || c == '\t')
			want[c] = ' ';
		else if (c < 0x20 || c == 0x7F)
			want[c] = '?';
		else
			want[c] = (char)c;
	}
	{
		/* want[] as a string: its first byte is '?', not NUL */
		char w[129];

		memcpy(w, want, 128);
		w[128] = '\0';
		check_san(all, 128, w, "all 128 ASCII bytes");
	}
}

static void test_utf8_valid(void)
{
	check_san(LIT("caf\xC3\xA9"), "caf\xC3\xA9", "2-byte UTF-8 is kept");
	check_san(LIT("5 \xE2\x82\xAC"), "5 \xE2\x82\xAC", "3-byte UTF-8 is kept");
	check_san(LIT("\xF0\x9F\x98\x80!"), "\xF0\x9F\x98\x80!", "4-byte UTF-8 is kept");
	check_san(LIT("\xC2\xA0"), "\xC2\xA0", "U+00A0, first 2-byte after the C1 controls, is kept");
	check_san(LIT("a\xC2\x80" "b"), "a?b", "U+0080, a C1 control, becomes '?'");
	check_san(LIT("a\xC2\x85" "b"), "a?b", "U+0085 NEL becomes '?'");
	check_san(LIT("a\xC2\x9F" "b"), "a?b", "U+009F, last C1 control, becomes '?'");
	check_san(LIT("a\xE2\x80\xA8" "b\xE2\x80\xA9" "c"), "a?b?c", "U+2028 and U+2029 become '?'");
	check_san(LIT("\xE2\x80\xAAx\xE2\x80\xAEy"), "?x?y", "bidi embeddings/overrides become '?'");
	check_san(LIT("\xE2\x81\xA6x\xE2\x81\xA9"), "?x?", "bidi isolates become '?'");
	check_san(LIT("\xE2\x80\xA7\xE2\x80\xAF\xE2\x81\xA5\xE2\x81\xAA"),
		  "\xE2\x80\xA7\xE2\x80\xAF\xE2\x81\xA5\xE2\x81\xAA",
		  "their neighbours U+2027, U+202F, U+2065, U+206A are kept");
	check_san(LIT("\xDF\xBF"), "\xDF\xBF", "U+07FF, highest 2-byte, is kept");
	check_san(LIT("\xE0\xA0\x80"), "\xE0\xA0\x80", "U+0800, lowest 3-byte, is kept");
	check_san(LIT("\xED\x9F\xBF"), "\xED\x9F\xBF", "U+D7FF, below the surrogates, is kept");
	check_san(LIT("\xEE\x80\x80"), "\xEE\x80\x80", "U+E000, above the surrogates, is kept");
	check_san(LIT("\xEF\xBF\xBF"), "\xEF\xBF\xBF", "U+FFFF is kept");
	check_san(LIT("\xEF\xBF\xBD"), "\xEF\xBF\xBD", "U+FFFD itself is kept");
	check_san(LIT("\xF0\x90\x80\x80"), "\xF0\x90\x80\x80", "U+10000, lowest 4-byte, is kept");
	check_san(LIT("\xF3\xBF\xBF\xBF"), "\xF3\xBF\xBF\xBF", "U+FFFFF is kept");
	check_san(LIT("\xF4\x8F\xBF\xBF"), "\xF4\x8F\xBF\xBF", "U+10FFFF, the last, is kept");
	check_san(LIT("\xE4\xB8\xAD|\xE6\x96\x87"), "\xE4\xB8\xAD/\xE6\x96\x87",
		  "'|' between multi-byte characters");
}

static void test_utf8_invalid(void)
{
	check_san(LIT("a\x80" "b"), "a" FFFD "b", "stray continuation byte 80");
	check_san(LIT("\xBF\xBF"), FFFD FFFD, "two stray continuation bytes");
	check_san(LIT("\xC0\x80"), FFFD FFFD, "overlong NUL C0 80: one U+FFFD per byte");
	check_san(LIT("\xC1\xBF"), FFFD FFFD, "overlong C1 BF");
	check_san(LIT("\xE0\x80\x80"), FFFD FFFD FFFD, "overlong E0 80 80");
	check_san(LIT("\xE0\x9F\xBF"), FFFD FFFD FFFD, "overlong E0 9F BF (U+07FF)");
	check_san(LIT("\xF0\x80\x80\x80"), FFFD FFFD FFFD FFFD, "overlong F0 80 80 80");
	check_san(LIT("\xF0\x8F\xBF\xBF"), FFFD FFFD FFFD FFFD, "overlong F0 8F BF BF (U+FFFF)");
	check_san(LIT("\xED\xA0\x80"), FFFD FFFD FFFD, "surrogate ED A0 80 (U+D800)");
	check_san(LIT("\xED\xBF\xBF"), FFFD FFFD FFFD, "surrogate ED BF BF (U+DFFF)");
	check_san(LIT("\xF4\x90\x80\x80"), FFFD FFFD FFFD FFFD, "F4 90 80 80, above U+10FFFF");
	check_san(LIT("\xF5\x80\x80\x80"), FFFD FFFD FFFD FFFD, "lead byte F5");
	check_san(LIT("\xF8\x88\x80\x80\x80"), FFFD FFFD FFFD FFFD FFFD, "5-byte form F8");
	check_san(LIT("\xFE\xFF"), FFFD FFFD, "bytes FE and FF");
	check_san(LIT("\xC3" "A"), FFFD "A", "lead byte followed by ASCII");
	check_san(LIT("\xE2\x82" "x"), FFFD FFFD "x", "3-byte lead cut short by ASCII");
	check_san(LIT("\xE2\x82\xE2\x82\xAC"), FFFD FFFD "\xE2\x82\xAC",
		  "cut-short sequence followed by a valid one");
	check_san(LIT("\xC3\xA9\xA9"), "\xC3\xA9" FFFD, "one continuation byte too many");
	check_san(LIT("\xC3\x0A"), FFFD " ", "a lead byte does not swallow a newline");
	check_san(LIT("\xE2\x7C"), FFFD "/", "a lead byte does not swallow a '|'");
	check_san(LIT("\xF0\x9F\x98\x00"), FFFD FFFD FFFD "?", "a lead byte does not swallow a NUL");
}

static void test_truncated_end(void)
{
	check_san(LIT("ab\xC3"), "ab" FFFD, "2-byte sequence truncated at the end");
	check_san(LIT("ab\xE2\x82"), "ab" FFFD FFFD, "3-byte sequence truncated at the end");
	check_san(LIT("\xF0\x9F\x98"), FFFD FFFD FFFD, "4-byte sequence truncated at the end");
	check_san(LIT("\xF0"), FFFD, "a lone 4-byte lead at the end");
	/* the bytes after len would complete it; they must not be looked at */
	check_san("\xE2\x82\xAC", 2, FFFD FFFD, "len cuts a character: the rest is not read");
}

static void test_max_bytes(void)
{
	struct strbuf b;
	int rc;

	check_san_max(LIT("hello world"), 5, "hello...", "cut after 5 bytes adds \"...\"");
	check_san_max(LIT("hello"), 5, "hello", "input of exactly max_bytes: no \"...\"");
	check_san_max(LIT("hello"), 6, "hello", "input shorter than max_bytes: no \"...\"");
	check_san_max(LIT("hello"), 0, "hello", "max_bytes 0 is no limit");
	check_san_max(LIT("ab|cd"), 3, "ab/...", "bytes before the cut are still sanitized");
	check_san_max(LIT("abc\xFF\xFF"), 3, "abc...", "bytes after the cut are not looked at");
	/* a cut inside a character drops the part, with no U+FFFD for it */
	check_san_max(LIT("ab\xE2\x82\xAC" "cd"), 2, "ab...", "cut before a 3-byte character");
	check_san_max(LIT("ab\xE2\x82\xAC" "cd"), 3, "ab...", "cut after 1 of 3 bytes");
	check_san_max(LIT("ab\xE2\x82\xAC" "cd"), 4, "ab...", "cut after 2 of 3 bytes");
	check_san_max(LIT("ab\xE2\x82\xAC" "cd"), 5, "ab\xE2\x82\xAC...", "cut after the character");
	check_san_max(LIT("\xF0\x9F\x98\x80" "x"), 1, "...", "cut after 1 of 4 bytes");
	check_san_max(LIT("\xF0\x9F\x98\x80" "x"), 2, "...", "cut after 2 of 4 bytes");
	check_san_max(LIT("\xF0\x9F\x98\x80" "x"), 3, "...", "cut after 3 of 4 bytes");
	check_san_max(LIT("\xF0\x9F\x98\x80" "x"), 4, "\xF0\x9F\x98\x80...", "cut after 4 of 4");
	check_san_max(LIT("\xC3\xA9\xC3\xA9"), 3, "\xC3\xA9...", "cut after 1 of 2 bytes");
	/* but what is already invalid before the cut is still replaced */
	check_san_max(LIT("ab\xE2" "Acd"), 4, "ab" FFFD "A...", "invalid before the cut");
	check_san_max(LIT("ab\x80" "cd"), 3, "ab" FFFD "...", "stray byte right before the cut");
	check_san_max(LIT("ab\xE0\x80\x80"), 4, "ab" FFFD FFFD "...",
		      "overlong prefix before the cut");

	/* appending to text already there */
	strbuf_init(&b, 0);
	strbuf_puts(&b, "CRITICAL - ");
	rc = text_sanitize(&b, LIT("job | failed\n"), 0);
	ok(rc == 0 && b.data != NULL && strcmp(b.data, "CRITICAL - job / failed ") == 0,
	   "sanitize appends to what is in the buffer");
	strbuf_free(&b);
}

static void test_limits(void)
{
	struct strbuf b;
	int rc;

	strbuf_init(&b, 5);
	rc = text_sanitize(&b, LIT("hello"), 0);
	ok(rc == 0 && b.len == 5, "output of exactly the strbuf limit fits");
	strbuf_free(&b);

	strbuf_init(&b, 4);
	rc = text_sanitize(&b, LIT("hello"), 0);
	ok(rc == -1 && b.failed && b.over, "strbuf limit reached: -1");
	strbuf_free(&b);

	strbuf_init(&b, 6);
	rc = text_sanitize(&b, LIT("hello world"), 5);
	ok(rc == -1 && b.over, "the \"...\" over the strbuf limit: -1");
	strbuf_free(&b);

	strbuf_init(&b, 4);
	rc = text_sanitize(&b, LIT("ab\xFF"), 0);
	ok(rc == -1 && b.over, "a U+FFFD over the strbuf limit: -1");
	strbuf_free(&b);

	strbuf_init(&b, 4);
	rc = text_sanitize(&b, LIT("ab\xC3\xA9"), 0);
	ok(rc == 0 && b.len == 4, "a 2-byte character that just fits");
	strbuf_free(&b);

	strbuf_init(&b, 3);
	rc = text_sanitize(&b, LIT("ab\xC3\xA9"), 0);
	ok(rc == -1 && b.over, "a 2-byte character over the limit: -1");
	strbuf_free(&b);

	strbuf_init(&b, 0);
	b.failed = true;
	rc = text_sanitize(&b, LIT(""), 0);
	ok(rc == -1, "a buffer that already failed: -1, even for no input");
	strbuf_free(&b);

	strbuf_init(&b, 0);
	rc = text_sanitize(&b, NULL, 0, 0);
	ok(rc == 0 && b.len == 0 && !b.failed, "NULL input of length 0: nothing, no failure");
	strbuf_free(&b);

	strbuf_init(&b, 0);
	rc = text_sanitize(&b, NULL, 3, 0);
	ok(rc == -1 && b.failed, "NULL input with a length: -1, buffer failed");
	strbuf_free(&b);

	ok(text_sanitize(NULL, "a", 1, 0) == -1, "NULL buffer: -1");
}

/* perfdata_int into a fresh buffer holding prefix first */
static void check_pd(const char *prefix, const char *label, long long value, const char *uom,
		     const char *warn, const char *crit, bool has_min, long long min, bool has_max,
		     long long max, const char *want, const char *name)
{
	struct range w, c;
	struct strbuf b;
	int rc = -1;

	strbuf_init(&b, 0);
	memset(&w, 0, sizeof w);
	memset(&c, 0, sizeof c);
	if ((warn == NULL || range_parse(warn, &w) == 0) &&
	    (crit == NULL || range_parse(crit, &c) == 0) && strbuf_puts(&b, prefix) == 0)
		rc = perfdata_int(&b, label, value, uom, &w, &c, has_min, min, has_max, max);
	ok(rc == 0 && b.data != NULL && strcmp(b.data, want) == 0, "perfdata_int: %s", name);
	if (rc != 0 || b.data == NULL || strcmp(b.data, want) != 0)
		printf("#   rc %d\n#   got:  '%s'\n#   want: '%s'\n", rc, b.data ? b.data : "(null)",
		       want);
	strbuf_free(&b);
}

static void test_perfdata_int(void)
{
	struct range w;
	struct strbuf b;
	int rc;

	check_pd("", "total", 4, NULL, NULL, NULL, true, 0, true, 4, "total=4;;;0;4",
		 "no thresholds, min and max");
	check_pd("", "failed", 1, NULL, "0", "@1:", true, 0, true, 4, "failed=1;0;@1:;0;4",
		 "warn and crit written as given");
	check_pd("", "failed", 2, NULL, NULL, "1", true, 0, true, 5, "failed=2;;1;0;5",
		 "crit only");
	check_pd("", "x", 7, NULL, "~:10", NULL, false, 0, false, 0, "x=7;~:10",
		 "warn only, no min or max: the empty tail is left out");
	check_pd("", "x", 7, NULL, NULL, NULL, false, 0, true, 9, "x=7;;;;9", "max without min");
	check_pd("", "x", 7, NULL, NULL, NULL, true, -3, false, 0, "x=7;;;-3", "min without max");
	check_pd("", "size", 512, "B", NULL, NULL, true, 0, false, 0, "size=512B;;;0", "unit");
	check_pd("", "size", 512, "", NULL, NULL, false, 0, false, 0, "size=512", "empty unit");
	check_pd("", "a b", 1, NULL, NULL, NULL, false, 0, false, 0, "'a b'=1",
		 "a label with a space is quoted");
	check_pd("", "a'b", 1, NULL, NULL, NULL, false, 0, false, 0, "'a_b'=1",
		 "a quote in a label becomes '_'");
	check_pd("", "a=b", 1, NULL, NULL, NULL, false, 0, false, 0, "'a_b'=1",
		 "'=' in a label becomes '_'");
	check_pd("", "'='", 1, NULL, NULL, NULL, false, 0, false, 0, "'___'=1",
		 "only quotes and '='");
	check_pd("", "a.b", 1, NULL, NULL, NULL, false, 0, false, 0, "'a.b'=1",
		 "a '.' makes the label quoted");
	check_pd("", "caf\xC3\xA9", 1, NULL, NULL, NULL, false, 0, false, 0, "'caf\xC3\xA9'=1",
		 "a non-ASCII label is quoted");
	check_pd("", "Az09_-", 1, NULL, NULL, NULL, false, 0, false, 0, "Az09_-=1",
		 "[A-Za-z0-9_-] is written as is");
	check_pd("", "x", -5, NULL, "-10:-1", NULL, true, -10, true, 0, "x=-5;-10:-1;;-10;0",
		 "negative values");
	check_pd("", "x", LLONG_MAX, NULL, NULL, NULL, true, LLONG_MIN, true, LLONG_MAX,
		 "x=9223372036854775807;;;-9223372036854775808;9223372036854775807",
		 "the largest and smallest long long");
	check_pd("", "x", LLONG_MIN, NULL, NULL, NULL, false, 0, false, 0,
		 "x=-9223372036854775808", "LLONG_MIN as the value");

	/* the space before an item */
	check_pd("OK - fine |", "a", 1, NULL, NULL, NULL, false, 0, false, 0,
		 "OK - fine |a=1", "no space right after '|'");
	check_pd("OK - fine | ", "a", 1, NULL, NULL, NULL, false, 0, false, 0,
		 "OK - fine | a=1", "no second space after a space");
	check_pd("a=1;;;;", "b", 2, NULL, NULL, NULL, false, 0, false, 0, "a=1;;;; b=2",
		 "a space between items");
	check_pd("OK", "a", 1, NULL, NULL, NULL, false, 0, false, 0, "OK a=1",
		 "a space after other text");

	strbuf_init(&b, 0);
	rc = perfdata_int(&b, "total", 5, NULL, NULL, NULL, true, 0, true, 5);
	rc |= perfdata_int(&b, "failed", 2, NULL, NULL, NULL, true, 0, true, 5);
	ok(rc == 0 && b.data != NULL && strcmp(b.data, "total=5;;;0;5 failed=2;;;0;5") == 0,
	   "perfdata_int: NULL ranges, two items in a row");
	strbuf_free(&b);

	/* only set decides, not whatever text an unset range holds */
	memset(&w, 0, sizeof w);
	memcpy(w.text, "99", 3);
	strbuf_init(&b, 0);
	rc = perfdata_int(&b, "x", 1, NULL, &w, &w, false, 0, false, 0);
	ok(rc == 0 && b.data != NULL && strcmp(b.data, "x=1") == 0,
	   "perfdata_int: the text of an unset range is not written");
	strbuf_free(&b);

	strbuf_init(&b, 0);
	rc = perfdata_int(&b, "", 1, NULL, NULL, NULL, false, 0, false, 0);
	ok(rc == -1 && b.failed, "perfdata_int: an empty label fails the buffer");
	strbuf_free(&b);

	strbuf_init(&b, 0);
	rc = perfdata_int(&b, NULL, 1, NULL, NULL, NULL, false, 0, false, 0);
	ok(rc == -1 && b.failed, "perfdata_int: a NULL label fails the buffer");
	strbuf_free(&b);

	strbuf_init(&b, 12);
	rc = perfdata_int(&b, "total", 4, NULL, NULL, NULL, true, 0, true, 4);
	ok(rc == -1 && b.over, "perfdata_int: strbuf limit reached: -1");
	strbuf_free(&b);

	strbuf_init(&b, 13);
	rc = perfdata_int(&b, "total", 4, NULL, NULL, NULL, true, 0, true, 4);
	ok(rc == 0 && b.len == 13, "perfdata_int: exactly at the strbuf limit");
	strbuf_free(&b);
}

static void check_secs(const char *label, double seconds, const char *warn, const char *crit,
		       const char *want, const char *name)
{
	struct range w, c;
	struct strbuf b;
	int rc = -1;

	strbuf_init(&b, 0);
	memset(&w, 0, sizeof w);
	memset(&c, 0, sizeof c);
	if ((warn == NULL || range_parse(warn, &w) == 0) &&
	    (crit == NULL || range_parse(crit, &c) == 0))
		rc = perfdata_seconds(&b, label, seconds, &w, &c);
	ok(rc == 0 && b.data != NULL && strcmp(b.data, want) == 0, "perfdata_seconds: %s", name);
	if (rc != 0 || b.data == NULL || strcmp(b.data, want) != 0)
		printf("#   rc %d\n#   got:  '%s'\n#   want: '%s'\n", rc, b.data ? b.data : "(null)",
		       want);
	strbuf_free(&b);
}

static void test_perfdata_seconds(void)
{
	struct strbuf b;
	int rc;

	check_secs("time", 0.142, NULL, NULL, "time=0.142s;;;0", "0.142");
	check_secs("time", 0, NULL, NULL, "time=0.000s;;;0", "0");
	check_secs("time", -0.0, NULL, NULL, "time=0.000s;;;0", "-0.0");
	check_secs("time", 1, NULL, NULL, "time=1.000s;;;0", "1");
	check_secs("time", 12345.6789, NULL, NULL, "time=12345.679s;;;0", "12345.6789");
	/* 1.0005 is stored as 1.000499999999999944..., below the half; the
	 * product 1.0005 * 1000.0 would round up to exactly 1000.5 */
	check_secs("time", 1.0005, NULL, NULL, "time=1.000s;;;0", "1.0005 (really just below)");
	check_secs("time", 1.0015, NULL, NULL, "time=1.002s;;;0", "1.0015 (really just above)");
	check_secs("time", 0.0005, NULL, NULL, "time=0.001s;;;0", "0.0005 (really just above)");
	check_secs("time", 0.0625, NULL, NULL, "time=0.063s;;;0", "an exact half goes up");
	check_secs("time", 0.0004999, NULL, NULL, "time=0.000s;;;0", "0.0004999");
	check_secs("time", 59.9996, NULL, NULL, "time=60.000s;;;0", "rounding carries into seconds");
	check_secs("time", 0.999, NULL, NULL, "time=0.999s;;;0", "0.999");
	check_secs("time", 1e-300, NULL, NULL, "time=0.000s;;;0", "tiny");
	check_secs("time", DBL_MIN / 4, NULL, NULL, "time=0.000s;;;0", "subnormal");
	check_secs("time", 86400.25, NULL, NULL, "time=86400.250s;;;0", "one day");
	check_secs("time", 999999999999.999, NULL, NULL, "time=999999999999.999s;;;0",
		   "just below the cap");
	check_secs("time", 1e13, NULL, NULL, "time=1000000000000.000s;;;0", "huge is capped");
	check_secs("time", INFINITY, NULL, NULL, "time=1000000000000.000s;;;0", "+inf is capped");
	check_secs("time", -1, NULL, NULL, "time=0.000s;;;0", "negative is 0.000");
	check_secs("time", -INFINITY, NULL, NULL, "time=0.000s;;;0", "-inf is 0.000");
	check_secs("time", NAN, NULL, NULL, "time=0.000s;;;0", "NaN is 0.000");
	check_secs("time", 0.142, "5", "10:", "time=0.142s;5;10:;0", "warn and crit");
	check_secs("run time", 2.5, NULL, "@0:1", "'run time'=2.500s;;@0:1;0", "quoted label");

	strbuf_init(&b, 0);
	strbuf_puts(&b, "OK |total=1;;;;");
	rc = perfdata_seconds(&b, "t", 0.5, NULL, NULL);
	ok(rc == 0 && b.data != NULL && strcmp(b.data, "OK |total=1;;;; t=0.500s;;;0") == 0,
	   "perfdata_seconds: NULL ranges, space before the item");
	strbuf_free(&b);

	strbuf_init(&b, 0);
	rc = perfdata_seconds(&b, "", 0.5, NULL, NULL);
	ok(rc == -1 && b.failed, "perfdata_seconds: an empty label fails the buffer");
	strbuf_free(&b);

	strbuf_init(&b, 10);
	rc = perfdata_seconds(&b, "t", 0.5, NULL, NULL);
	ok(rc == -1 && b.over, "perfdata_seconds: strbuf limit reached: -1");
	strbuf_free(&b);
}

/* The exact conversion must agree with the C library's own correctly rounded
 * printf("%.3f") (the locale is "C" here). Random doubles never land on an
 * exact half, where the two differ on purpose. */
static void test_seconds_vs_printf(void)
{
	uint64_t x = 0x9E3779B97F4A7C15u;
	char want[96], ref[80];
	struct strbuf b;
	int i, bad = 0;
	double v;

	strbuf_init(&b, 0);
	for (i = 0; i < 200000 && bad == 0; i++) {
		/* xorshift64 */
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		/* spread over 0 .. 1e9, with many small values */
		v = (double)(x >> 11) / 9007199254740992.0;
		v *= (i % 3 == 0) ? 1.0 : (i % 3 == 1) ? 1000.0 : 1e9;
		snprintf(ref, sizeof ref, "%.3f", v);
		snprintf(want, sizeof want, "t=%ss;;;0", ref);
		strbuf_reset(&b);
		if (perfdata_seconds(&b, "t", v, NULL, NULL) != 0 || strcmp(b.data, want) != 0) {
			bad = 1;
			printf("#   %.17g: got '%s', printf says '%s'\n", v,
			       b.data ? b.data : "(null)", want);
		}
	}
	ok(bad == 0, "perfdata_seconds agrees with printf(\"%%.3f\") on %d random values", i);
	strbuf_free(&b);
}

/* A locale whose decimal point is ',' must not change any number. */
static void test_comma_locale(void)
{
	static const char *const names[] = { "de_DE.UTF-8", "de_DE.utf8", "de_DE", "fr_FR.UTF-8",
					     "fr_FR.utf8", "nl_NL.UTF-8", "ru_RU.UTF-8" };
	const char *found = NULL;
	char probe[16];
	size_t i;

	for (i = 0; i < sizeof names / sizeof names[0] && found == NULL; i++) {
		if (setlocale(LC_NUMERIC, names[i]) != NULL &&
		    strcmp(localeconv()->decimal_point, ",") == 0)
			found = names[i];
	}
	if (found == NULL) {
		setlocale(LC_NUMERIC, "C");
		ok(1, "# skip no locale with a decimal comma is installed");
		return;
	}
	snprintf(probe, sizeof probe, "%.1f", 0.5);
	ok(strcmp(probe, "0,5") == 0, "%s: printf(\"%%.1f\") writes a comma", found);
	check_secs("time", 12345.6789, "1.5", "2.5", "time=12345.679s;1.5;2.5;0",
		   "no comma in a decimal comma locale");
	check_pd("", "x", 1234567, NULL, "0.5", NULL, true, -1000000, true, 1000000,
		 "x=1234567;0.5;;-1000000;1000000", "no comma and no grouping in that locale");
	setlocale(LC_NUMERIC, "C");
}

int main(void)
{
	test_ascii();
	test_utf8_valid();
	test_utf8_invalid();
	test_truncated_end();
	test_max_bytes();
	test_limits();
	test_perfdata_int();
	test_perfdata_seconds();
	test_seconds_vs_printf();
	test_comma_locale();
	return tap_done();
}
