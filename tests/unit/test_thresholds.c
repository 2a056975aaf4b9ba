/* test_thresholds.c - range parsing and evaluation (thresholds.h) against the
 * Monitoring Plugins table in plugin-conventions §1.5. */
#include "config.h"

#include "thresholds.h"

#include <locale.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"

/* One evaluation: does value alert under the range text? */
struct eval_case {
	const char *range;
	double value;
	bool alert;
};

static const struct eval_case evals[] = {
	/* "10": alert when x < 0 or x > 10 */
	{ "10", -1, true },
	{ "10", -0.001, true },
	{ "10", 0, false },
	{ "10", 0.001, false },
	{ "10", 5, false },
	{ "10", 9.999, false },
	{ "10", 10, false },
	{ "10", 10.001, true },
	{ "10", 11, true },
	/* "10:": alert when x < 10 */
	{ "10:", -5, true },
	{ "10:", 9.999, true },
	{ "10:", 10, false },
	{ "10:", 10.001, false },
	{ "10:", 1e300, false },
	/* "~:10": alert when x > 10 */
	{ "~:10", -1e300, false },
	{ "~:10", -5, false },
	{ "~:10", 9.999, false },
	{ "~:10", 10, false },
	{ "~:10", 10.001, true },
	{ "~:10", 11, true },
	/* "10:20": alert when x < 10 or x > 20 */
	{ "10:20", 0, true },
	{ "10:20", 9.999, true },
	{ "10:20", 10, false },
	{ "10:20", 10.001, false },
	{ "10:20", 15, false },
	{ "10:20", 19.999, false },
	{ "10:20", 20, false },
	{ "10:20", 20.001, true },
	/* "@10:20": alert when 10 <= x <= 20 */
	{ "@10:20", 0, false },
	{ "@10:20", 9.999, false },
	{ "@10:20", 10, true },
	{ "@10:20", 10.001, true },
	{ "@10:20", 19.999, true },
	{ "@10:20", 20, true },
	{ "@10:20", 20.001, false },
	{ "@10:20", 30, false },
	/* idiom "0": any count above 0 */
	{ "0", -1, true },
	{ "0", -0.001, true },
	{ "0", 0, false },
	{ "0", -0.0, false },
	{ "0", 0.001, true },
	{ "0", 1, true },
	/* idiom "1:": fewer than 1 */
	{ "1:", 0, true },
	{ "1:", 0.999, true },
	{ "1:", 1, false },
	{ "1:", 1.001, false },
	{ "1:", 5, false },
	/* idiom "@1:": 1 or more */
	{ "@1:", 0, false },
	{ "@1:", 0.999, false },
	{ "@1:", 1, true },
	{ "@1:", 1.001, true },
	{ "@1:", 1e9, true },
	/* idiom "@0:0": exactly 0 */
	{ "@0:0", -0.001, false },
	{ "@0:0", 0, true },
	{ "@0:0", 0.001, false },
	/* negative endpoints */
	{ "-10:-5", -10.001, true },
	{ "-10:-5", -10, false },
	{ "-10:-5", -7.5, false },
	{ "-10:-5", -5, false },
	{ "-10:-5", -4.999, true },
	{ "-10:-5", 0, true },
	{ "~:-5", -1e9, false },
	{ "~:-5", -5.001, false },
	{ "~:-5", -5, false },
	{ "~:-5", -4.999, true },
	{ "-5:", -5.001, true },
	{ "-5:", -5, false },
	{ "@~:-5", -6, true },
	{ "@~:-5", -5, true },
	{ "@~:-5", -4.999, false },
	/* decimal endpoints, just beside them */
	{ "1.5:2.25", 1.499, true },
	{ "1.5:2.25", 1.5, false },
	{ "1.5:2.25", 2.25, false },
	{ "1.5:2.25", 2.2501, true },
	{ "@-1.5:1.5", -1.501, false },
	{ "@-1.5:1.5", -1.5, true },
	{ "@-1.5:1.5", 0, true },
	{ "@-1.5:1.5", 1.5, true },
	{ "@-1.5:1.5", 1.501, false },
	{ "0.1", 0.1, false },
	{ "0.1", 0.1000001, true },
	{ "-.5:.5", -0.5, false },
	{ "-.5:.5", 0.5000001, true },
	/* the closest doubles on either side of an endpoint */
	{ "10", 10.000000000000002, true },
	{ "10:", 9.999999999999998, true },
	/* start == end */
	{ "10:10", 9.999, true },
	{ "10:10", 10, false },
	{ "10:10", 10.001, true },
	/* an empty start is 0, as in MP */
	{ ":10", -0.001, true },
	{ ":10", 0, false },
	{ ":10", 10, false },
	{ ":10", 10.001, true },
	/* "~:" is everything */
	{ "~:", -1e300, false },
	{ "~:", 1e300, false },
	{ "@~:", 0, true },
	/* values that are not numbers or are infinite */
	{ "10", NAN, true },
	{ "@10:20", NAN, false },
	{ "~:", NAN, false },
	{ "10:", INFINITY, false },
	{ "10", INFINITY, true },
	{ "~:10", -INFINITY, false },
	{ "10:", -INFINITY, true },
};

/* Text that must be refused, and why. */
static const char *const rejects[] = {
	"",		/* empty */
	"@",		/* nothing after @ */
	":",		/* neither start nor end */
	"@:",
	"~",		/* ~ needs a ':' after it */
	"@~",
	"~10",
	"~~:10",	/* ~ only as the whole start */
	"~5:10",
	"5~:10",
	"10:~",		/* ~ is never an end */
	"1:~2",
	"@@10",		/* @ only first */
	"10@",
	"1@:2",
	"1:2:3",	/* more than one ':' */
	"1::2",
	"::",
	"10:5",		/* start > end */
	"-5",		/* 0:-5, start > end */
	"0.2:0.1",
	"-",		/* no digits */
	"-:",
	":-",
	".",
	"-.",
	"..",
	"1.2.3",	/* one point per number */
	"1..2",
	"1-2",		/* '-' only as a sign */
	"--1",
	"1:2-",
	"1e3",		/* no exponents */
	"1E3",
	"1e-3",
	"nan",		/* no words */
	"NaN",
	"inf",
	"-inf",
	"infinity",
	"0x10",
	"10%",		/* MP's strtod() takes this as 10 */
	"1:12%",
	"10 ",		/* no spaces */
	" 10",
	"1 :2",
	"+10",		/* no plus */
	"1:+2",
	"1,5",		/* no comma, whatever the locale */
	"1,5:2",
	"10\n",
	"\xC2\xB9",	/* superscript one */
};

/* text with control and non-ASCII bytes as \xNN, so a TAP line stays one line */
static const char *shown(const char *text)
{
	static char buf[4 * RANGE_TEXT_SIZE + 8];
	static const char hex[] = "0123456789abcdef";
	size_t j = 0;
	unsigned char c;

	for (; *text != '\0' && j + 5 < sizeof buf; text++) {
		c = (unsigned char)*text;
		if (c < 0x20 || c >= 0x7F) {
			buf[j++] = '\\';
			buf[j++] = 'x';
			buf[j++] = hex[c >> 4];
			buf[j++] = hex[c & 15];
		} else {
			buf[j++] = (char)c;
		}
	}
	buf[j] = '\0';
	return buf;
}

static void check_fields(const char *text, bool inside, bool start_inf, double start, bool end_inf,
			 double end)
{
	struct range r;
	int rc = range_parse(text, &r);

	ok(rc == 0 && r.set && r.inside == inside && r.start_infinite == start_inf &&
		   r.end_infinite == end_inf && (start_inf || r.start == start) &&
		   (end_inf || r.end == end),
	   "\"%s\" parses to %s%s..%s", text, inside ? "@" : "", start_inf ? "-inf" : "start",
	   end_inf ? "+inf" : "end");
	if (rc == 0)
		is_str(r.text, text, "\"%s\" keeps its text", text);
	else
		ok(0, "\"%s\" keeps its text (did not parse)", text);
}

static void check_value(const char *text, double want)
{
	struct range r;
	int rc = range_parse(text, &r);

	ok(rc == 0 && r.end == want, "\"%s\" is the correctly rounded %.17g", text, want);
	if (rc == 0 && r.end != want)
		printf("#   got %.17g\n", r.end);
}

static void test_fields(void)
{
	check_fields("10", false, false, 0, false, 10);
	check_fields("10:", false, false, 10, true, 0);
	check_fields("~:10", false, true, 0, false, 10);
	check_fields("10:20", false, false, 10, false, 20);
	check_fields("@10:20", true, false, 10, false, 20);
	check_fields("0", false, false, 0, false, 0);
	check_fields("1:", false, false, 1, true, 0);
	check_fields("@1:", true, false, 1, true, 0);
	check_fields("@0:0", true, false, 0, false, 0);
	check_fields("@~:0", true, true, 0, false, 0);
	check_fields("-10.5:-0.25", false, false, -10.5, false, -0.25);
	check_fields(":10", false, false, 0, false, 10);
	check_fields("~:", false, true, 0, true, 0);
	check_fields("007:0010", false, false, 7, false, 10);
	check_fields("5.:6", false, false, 5, false, 6);

	/* the digits go through strtod() unchanged: no error from summing
	 * digits by hand */
	check_value("0.1", 0.1);
	check_value("0.3", 0.3);
	check_value("123.456", 123.456);
	check_value("~:-0.7", -0.7);
	check_value("3.14159265358979323846264338327950288", 3.14159265358979323846264338327950288);
	check_value("0.000000000000000000000000000000000000000000001", 1e-45);
	check_value("12345678901234567890123456789012345678901234567",
		    12345678901234567890123456789012345678901234567.0);
}

static void test_length(void)
{
	char text[RANGE_TEXT_SIZE + 2];
	struct range r;

	/* RANGE_TEXT_SIZE - 1 characters fit, one more does not */
	memset(text, '1', RANGE_TEXT_SIZE - 1);
	text[RANGE_TEXT_SIZE - 1] = '\0';
	ok(range_parse(text, &r) == 0 && strcmp(r.text, text) == 0,
	   "%d characters are accepted and kept", RANGE_TEXT_SIZE - 1);
	text[0] = '@';
	text[1] = '~';
	text[2] = ':';
	ok(range_parse(text, &r) == 0 && r.inside && r.start_infinite && strcmp(r.text, text) == 0,
	   "an \"@~:\" range of %d characters is accepted", RANGE_TEXT_SIZE - 1);
	memset(text, '1', RANGE_TEXT_SIZE);
	text[RANGE_TEXT_SIZE] = '\0';
	ok(range_parse(text, &r) == -1 && !r.set, "%d characters are rejected", RANGE_TEXT_SIZE);
	/* with a ':' each number is short, so only the total length counts */
	memset(text, '1', RANGE_TEXT_SIZE);
	text[1] = ':';
	text[RANGE_TEXT_SIZE] = '\0';
	ok(range_parse(text, &r) == -1 && !r.set, "%d characters with a ':' are rejected",
	   RANGE_TEXT_SIZE);
	text[RANGE_TEXT_SIZE - 1] = '\0';
	ok(range_parse(text, &r) == 0 && r.start == 1 && strcmp(r.text, text) == 0,
	   "%d characters with a ':' are accepted", RANGE_TEXT_SIZE - 1);
	memset(text, '1', RANGE_TEXT_SIZE + 1);
	text[RANGE_TEXT_SIZE + 1] = '\0';
	ok(range_parse(text, &r) == -1 && !r.set, "%d characters are rejected",
	   RANGE_TEXT_SIZE + 1);
}

static void test_rejects(void)
{
	struct range r;
	size_t i;

	for (i = 0; i < sizeof rejects / sizeof rejects[0]; i++) {
		/* a previous success must not survive a failure */
		if (range_parse("@1:2", &r) != 0 || !r.set) {
			ok(0, "setup for reject case %zu", i);
			continue;
		}
		ok(range_parse(rejects[i], &r) == -1 && !r.set && !r.inside && r.text[0] == '\0' &&
			   !range_alerts(&r, 5),
		   "reject \"%s\" and leave the range unset", shown(rejects[i]));
	}
	ok(range_parse(NULL, &r) == -1 && !r.set, "reject NULL text");
	ok(range_parse("10", NULL) == -1, "reject NULL range");
}

static void test_unset(void)
{
	struct range r;

	memset(&r, 0, sizeof r);
	ok(!range_alerts(&r, -1e300) && !range_alerts(&r, 0) && !range_alerts(&r, 1e300) &&
		   !range_alerts(&r, NAN),
	   "an unset range never alerts");
	r.inside = true;
	ok(!range_alerts(&r, 0), "an unset range never alerts, even with inside set");
	ok(!range_alerts(NULL, 0), "a NULL range never alerts");
}

static void test_evals(void)
{
	struct range r;
	size_t i;

	for (i = 0; i < sizeof evals / sizeof evals[0]; i++) {
		if (range_parse(evals[i].range, &r) != 0) {
			ok(0, "\"%s\" parses", evals[i].range);
			continue;
		}
		ok(range_alerts(&r, evals[i].value) == evals[i].alert, "\"%s\" at %.17g: %s",
		   evals[i].range, evals[i].value, evals[i].alert ? "alert" : "no alert");
	}
}

/* A locale whose decimal point is ',' must change nothing. */
static void test_comma_locale(void)
{
	static const char *const names[] = { "de_DE.UTF-8", "de_DE.utf8", "de_DE", "fr_FR.UTF-8",
					     "fr_FR.utf8", "nl_NL.UTF-8", "ru_RU.UTF-8" };
	const char *found = NULL;
	struct range r;
	size_t i;
	char *end;

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
	/* proof that this locale would break a plain strtod() */
	ok(strtod("1.5", &end) == 1.0 && *end == '.', "%s: strtod() stops at '.'", found);
	ok(range_parse("10.5:20.25", &r) == 0 && r.start == 10.5 && r.end == 20.25,
	   "%s: \"10.5:20.25\" is 10.5..20.25", found);
	ok(range_parse("@-0.5:", &r) == 0 && r.start == -0.5 && r.end_infinite,
	   "%s: \"@-0.5:\" is -0.5..inf", found);
	ok(range_parse("1,5", &r) == -1, "%s: \"1,5\" is still rejected", found);
	ok(range_parse("1.5", &r) == 0 && range_alerts(&r, 1.501) && !range_alerts(&r, 1.5),
	   "%s: \"1.5\" evaluates as 0..1.5", found);
	setlocale(LC_NUMERIC, "C");
}

int main(void)
{
	test_fields();
	test_length();
	test_rejects();
	test_unset();
	test_evals();
	test_comma_locale();
	return tap_done();
}
