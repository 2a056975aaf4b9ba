/* text.c - see text.h.
 *
 * Nothing here looks at the locale: bytes are classified by value (not with
 * <ctype.h>, whose answers change with LC_CTYPE) and numbers are printed as
 * integers, which printf() never groups or localises without the ' flag. */
#include "config.h"

#include "text.h"

#include <float.h>
#include <stdint.h>
#include <string.h>

/* U+FFFD REPLACEMENT CHARACTER */
#define REPLACEMENT "\xEF\xBF\xBD"

/* Beyond this a "duration" is garbage anyway; capping it keeps the
 * millisecond count far from overflow (about 31,700 years). */
#define SECONDS_CAP 1000000000000LL

/* seconds_to_ms() takes the double apart by its bits. */
_Static_assert(FLT_RADIX == 2 && DBL_MANT_DIG == 53 && DBL_MAX_EXP == 1024 &&
		       sizeof(double) == sizeof(uint64_t),
	       "double must be IEEE 754 binary64");

/* The length of the UTF-8 sequence at s[0..avail), following the table of
 * well-formed sequences in RFC 3629 section 4: returns n > 0 for a complete
 * valid sequence of n bytes, 0 when s[0..avail) is a valid start that needs
 * bytes beyond avail, -1 when s[0] cannot start a valid sequence there
 * (continuation byte, C0/C1/F5..FF, or a later byte out of its range: that is
 * how overlong forms, surrogates and code points above U+10FFFF show). */
static int utf8_sequence(const unsigned char *s, size_t avail)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xBF;
	int n, i;

	if (c >= 0xC2 && c <= 0xDF) {
		n = 2;
	} else if (c >= 0xE0 && c <= 0xEF) {
		n = 3;
		if (c == 0xE0)
			lo = 0xA0; /* below: overlong */
		else if (c == 0xED)
			hi = 0x9F; /* above: UTF-16 surrogates */
	} else if (c >= 0xF0 && c <= 0xF4) {
		n = 4;
		if (c == 0xF0)
			lo = 0x90; /* below: overlong */
		else if (c == 0xF4)
			hi = 0x8F; /* above: beyond U+10FFFF */
	} else {
		return -1;
	}
	for (i = 1; i < n; i++) {
		if ((size_t)i >= avail)
			return 0;
		if (s[i] < lo || s[i] > hi)
			return -1;
		lo = 0x80;
		hi = 0xBF;
	}
	return n;
}

/* Valid UTF-8 that still must not reach a status line: the C1 controls
 * (U+0080-U+009F, NEL among them), the line and paragraph separators
 * (U+2028, U+2029) and the bidirectional overrides and isolates
 * (U+202A-U+202E, U+2066-U+2069), which can make a line read backwards. */
static bool invisible_control(const unsigned char *s, size_t n)
{
	if (n == 2)
		return s[0] == 0xC2 && s[1] >= 0x80 && s[1] <= 0x9F;
	if (n == 3 && s[0] == 0xE2 && s[1] == 0x80)
		return s[2] >= 0xA8 && s[2] <= 0xAE;
	if (n == 3 && s[0] == 0xE2 && s[1] == 0x81)
		return s[2] >= 0xA6 && s[2] <= 0xA9;
	return false;
}

/* One ASCII byte, made harmless for a plugin output line. */
static void put_ascii(struct strbuf *out, unsigned char c)
{
	if (c == '|')
		c = '/'; /* would start perfdata */
	else if (c == '\r' || c == '\n' || c == '\t')
		c = ' '; /* would start long output or break the line */
	else if (c < 0x20 || c == 0x7F)
		c = '?';
	strbuf_putc(out, (char)c);
}

int text_sanitize(struct strbuf *out, const char *in, size_t len, size_t max_bytes)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t end, i = 0;
	bool cut;
	int n;

	if (out == NULL)
		return -1;
	if (in == NULL && len > 0) {
		/* a caller bug; fail the buffer so a check at the end sees it */
		out->failed = true;
		return -1;
	}
	cut = max_bytes > 0 && len > max_bytes;
	end = cut ? max_bytes : len;

	/* Appends are not checked one by one: a failed strbuf stays failed. */
	while (i < end) {
		if (s[i] < 0x80) {
			put_ascii(out, s[i]);
			i++;
			continue;
		}
		n = utf8_sequence(s + i, end - i);
		if (n > 0 && invisible_control(s + i, (size_t)n)) {
			strbuf_putc(out, '?');
			i += (size_t)n;
		} else if (n > 0) {
			strbuf_append(out, in + i, (size_t)n);
			i += (size_t)n;
		} else if (n == 0 && cut) {
			/* The limit split a character: it goes with the rest of
			 * the cut text. Whether the bytes after the limit would
			 * have completed it is unknown (they are not read). */
			break;
		} else {
			/* One replacement for this byte only; the bytes after it
			 * are looked at again, each on its own. */
			strbuf_append(out, REPLACEMENT, sizeof REPLACEMENT - 1);
			i++;
		}
	}
	if (cut)
		strbuf_puts(out, "...");
	return out->failed ? -1 : 0;
}

int text_fix_utf8(struct strbuf *out, const char *in, size_t len)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t i = 0;

	if (in == NULL && len > 0)
		return -1;
	while (i < len) {
		int n = s[i] < 0x80 ? 1 : utf8_sequence(s + i, len - i);

		if (n > 0) {
			strbuf_append(out, in + i, (size_t)n);
			i += (size_t)n;
		} else {
			strbuf_append(out, REPLACEMENT, sizeof REPLACEMENT - 1);
			i++;
		}
	}
	return out->failed ? -1 : 0;
}

static bool label_plain(const char *label)
{
	const char *p;

	for (p = label; *p != '\0'; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		      (*p >= '0' && *p <= '9') || *p == '_' || *p == '-'))
			return false;
	return true;
}

/* The separating space, the label and '='. An empty label would make the
 * item unparsable ("=4;;;0;4"), so it fails the buffer like any other error
 * the caller checks for once at the end. */
static void put_head(struct strbuf *out, const char *label)
{
	if (label == NULL || *label == '\0') {
		out->failed = true;
		return;
	}
	if (out->len > 0 && out->data != NULL) {
		char last = out->data[out->len - 1];

		if (last != '|' && last != ' ')
			strbuf_putc(out, ' ');
	}
	if (label_plain(label)) {
		strbuf_puts(out, label);
	} else {
		/* MP's guideline would double a quote (''), but Icinga's docs
		 * say labels must not hold ' or = at all. */
		strbuf_putc(out, '\'');
		for (const char *p = label; *p != '\0'; p++)
			strbuf_putc(out, (char)((*p == '\'' || *p == '=') ? '_' : *p));
		strbuf_putc(out, '\'');
	}
	strbuf_putc(out, '=');
}

/* ";warn" or ";crit": the text as the user gave it, which range_parse() has
 * already checked and bounded. */
static void put_range(struct strbuf *out, const struct range *r)
{
	strbuf_putc(out, ';');
	if (r != NULL && r->set)
		strbuf_append(out, r->text, strnlen(r->text, sizeof r->text));
}

/* Trailing empty fields say nothing ("total=4;;;0;" is "total=4;;;0"), and
 * the guidelines' own examples leave them out. */
static void drop_empty_tail(struct strbuf *out)
{
	while (!out->failed && out->len > 0 && out->data[out->len - 1] == ';')
		out->data[--out->len] = '\0';
}

int perfdata_int(struct strbuf *out, const char *label, long long value, const char *uom,
		 const struct range *warn, const struct range *crit, bool has_min, long long min,
		 bool has_max, long long max)
{
	if (out == NULL)
		return -1;
	put_head(out, label);
	strbuf_printf(out, "%lld%s", value, uom != NULL ? uom : "");
	put_range(out, warn);
	put_range(out, crit);
	strbuf_putc(out, ';');
	if (has_min)
		strbuf_printf(out, "%lld", min);
	strbuf_putc(out, ';');
	if (has_max)
		strbuf_printf(out, "%lld", max);
	drop_empty_tail(out);
	return out->failed ? -1 : 0;
}

/* Whole milliseconds in seconds, to nearest, halves up, computed exactly.
 *
 * Not llround(seconds * 1000.0): the product is itself rounded. 1.0005 is
 * stored as 1.000499999999999944..., which is nearer 1.000 than 1.001, but
 * 1.0005 * 1000.0 comes out as exactly 1000.5 and would give 1.001. Here the
 * double is split into its integer significand m and exponent e, and
 * m * 1000 * 2^e is rounded with integer shifts, so the answer is the one
 * printf("%.3f") gives in the C locale (except that an exact half, such as
 * 0.0625 s, goes up). */
static long long seconds_to_ms(double seconds)
{
	uint64_t bits, mant, prod, q, rem, half;
	int exp, shift;

	if (!(seconds > 0.0)) /* negative, zero and NaN */
		return 0;
	if (!(seconds < (double)SECONDS_CAP)) /* and +inf */
		return SECONDS_CAP * 1000;
	memcpy(&bits, &seconds, sizeof bits);
	exp = (int)((bits >> 52) & 0x7FF);
	mant = bits & ((UINT64_C(1) << 52) - 1);
	if (exp == 0)
		exp = 1; /* subnormal: no implicit leading bit */
	else
		mant |= UINT64_C(1) << 52;
	/* seconds == mant * 2^(exp - 1075). seconds < 2^40 makes exp < 1063,
	 * so shift > 12; mant < 2^53 makes prod < 2^63. */
	shift = 1075 - exp;
	prod = mant * 1000;
	if (shift >= 64) /* prod / 2^64 < 0.5 */
		return 0;
	q = prod >> shift;
	rem = prod & ((UINT64_C(1) << shift) - 1);
	half = UINT64_C(1) << (shift - 1);
	if (rem >= half)
		q++;
	return (long long)q;
}

int perfdata_seconds(struct strbuf *out, const char *label, double seconds,
		     const struct range *warn, const struct range *crit)
{
	long long ms;

	if (out == NULL)
		return -1;
	ms = seconds_to_ms(seconds);
	put_head(out, label);
	strbuf_printf(out, "%lld.%03llds", ms / 1000, ms % 1000);
	put_range(out, warn);
	put_range(out, crit);
	/* A duration has a floor of 0 and no ceiling. */
	strbuf_puts(out, ";0");
	drop_empty_tail(out);
	return out->failed ? -1 : 0;
}
