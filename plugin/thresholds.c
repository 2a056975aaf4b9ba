/* thresholds.c - see thresholds.h.
 *
 * The semantics are those of Monitoring Plugins (parse_range_string() and
 * check_range() in lib/utils_base.c, plugin-conventions §1.5). The parser is
 * stricter than theirs: MP hands the text to strtod() and so takes "1:12%" as
 * 1..12 and "1e3" as 1000; a threshold typed wrongly should be an UNKNOWN, not
 * a different threshold, so here every byte is checked before anything is
 * converted. */
#include "config.h"

#include "thresholds.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* MP's NP_THRESHOLDS_CHARS: nothing else can appear in a valid range. */
#define RANGE_CHARS "0123456789.:@~-"

/* Convert s[0..n), which must read -?[0-9]*(.[0-9]*)? with at least one digit.
 *
 * strtod() takes its decimal point from LC_NUMERIC, so "1.5" would read as 1
 * under a German locale (and "1,5" would be accepted). We never call strtod()
 * on a decimal point: the digits are copied without it and the point becomes
 * a power of ten, "-12.50" -> "-1250e-2". The exponent syntax is the same in
 * every locale, and strtod() still gives the correctly rounded double, which
 * a digit-by-digit conversion by hand would not. */
static int parse_number(const char *s, size_t n, double *out)
{
	char buf[RANGE_TEXT_SIZE + 8];
	size_t i = 0, j = 0, digits = 0, decimals = 0;
	bool point = false;
	char *end;
	double v;
	int rc = -1;

	if (n >= RANGE_TEXT_SIZE)
		goto out;
	if (n > 0 && s[0] == '-')
		buf[j++] = s[i++];
	for (; i < n; i++) {
		if (s[i] >= '0' && s[i] <= '9') {
			buf[j++] = s[i];
			digits++;
			if (point)
				decimals++;
		} else if (s[i] == '.' && !point) {
			point = true;
		} else {
			goto out;
		}
	}
	if (digits == 0)
		goto out;
	/* decimals < RANGE_TEXT_SIZE, so two digits are enough */
	buf[j++] = 'e';
	buf[j++] = '-';
	if (decimals >= 10)
		buf[j++] = (char)('0' + decimals / 10);
	buf[j++] = (char)('0' + decimals % 10);
	buf[j] = '\0';

	errno = 0;
	v = strtod(buf, &end);
	/* At most 47 digits cannot overflow or reach the subnormals; checked
	 * anyway so that a surprise can only mean a rejected range. */
	if (end != buf + j || errno == ERANGE || !isfinite(v))
		goto out;
	*out = v;
	rc = 0;
out:
	return rc;
}

int range_parse(const char *text, struct range *r)
{
	struct range tmp;
	const char *body, *colon, *end_text;
	size_t len;
	int rc = -1;

	if (r == NULL)
		return -1;
	memset(&tmp, 0, sizeof tmp);
	if (text == NULL)
		goto out;
	/* strnlen: never look further than a valid range could reach */
	len = strnlen(text, RANGE_TEXT_SIZE);
	if (len == 0 || len >= RANGE_TEXT_SIZE || strspn(text, RANGE_CHARS) != len)
		goto out;

	body = text;
	if (*body == '@') {
		tmp.inside = true;
		body++;
	}
	/* '@' only as the very first byte; one ':' at most */
	if (strchr(body, '@') != NULL)
		goto out;
	colon = strchr(body, ':');
	if (colon != NULL && strchr(colon + 1, ':') != NULL)
		goto out;

	if (colon == NULL) {
		/* "N" is 0..N; parse_number() rejects a '~' or an empty body */
		end_text = body;
		if (parse_number(end_text, strlen(end_text), &tmp.end) != 0)
			goto out;
	} else {
		end_text = colon + 1;
		/* ":" on its own (or "@:") says nothing at all */
		if (colon == body && *end_text == '\0')
			goto out;
		/* An empty start is 0, as in MP (":10" is "10"); "~" is the
		 * whole start or it is an error ("~5:", "5~:"). */
		if (colon - body == 1 && body[0] == '~')
			tmp.start_infinite = true;
		else if (colon != body &&
			 parse_number(body, (size_t)(colon - body), &tmp.start) != 0)
			goto out;
		if (*end_text == '\0')
			tmp.end_infinite = true;
		else if (parse_number(end_text, strlen(end_text), &tmp.end) != 0)
			goto out;
	}
	if (!tmp.start_infinite && !tmp.end_infinite && tmp.start > tmp.end)
		goto out;

	memcpy(tmp.text, text, len + 1);
	tmp.set = true;
	rc = 0;
out:
	/* r ends up unset on failure, never half-filled ("@" sets inside
	 * before the rest is found wrong). */
	if (rc != 0)
		memset(&tmp, 0, sizeof tmp);
	*r = tmp;
	return rc;
}

bool range_alerts(const struct range *r, double value)
{
	bool within;

	if (r == NULL || !r->set)
		return false;
	/* Asked as "is it inside", like MP's check_range(): NaN is inside no
	 * finite bound, so it alerts on a plain range (a value we could not
	 * measure is not OK) and not on an "@" range. */
	within = (r->start_infinite || r->start <= value) &&
		 (r->end_infinite || value <= r->end);
	return r->inside ? within : !within;
}
