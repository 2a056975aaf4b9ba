/* fuzz_thresholds.c - fuzz target: one threshold range through range_parse()
 * and range_alerts().
 *
 * The input becomes one C string, as the command line gives it (a NUL in the
 * input ends it). Besides memory safety, the target checks what
 * thresholds.h promises and what the Monitoring Plugins guidelines say a
 * range means: a refused range is left unset, an accepted one is within the
 * documented alphabet and length, says what it was given, reads the same a
 * second time, and alerts just outside its bounds but not on them (the other
 * way round for "@"). */
#include "config.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "thresholds.h"

#define RANGE_CHARS "0123456789.:@~-"

/* Field by field: struct assignment need not copy padding. */
static bool is_unset(const struct range *r)
{
	return !r->set && !r->start_infinite && !r->end_infinite && !r->inside && r->start == 0 &&
	       r->end == 0 && r->text[0] == '\0';
}

static bool same_range(const struct range *a, const struct range *b)
{
	return a->set == b->set && a->start_infinite == b->start_infinite &&
	       a->end_infinite == b->end_infinite && a->inside == b->inside &&
	       a->start == b->start && a->end == b->end && strcmp(a->text, b->text) == 0;
}

/* The semantics, checked at the bounds only: equal to a bound is inside
 * the range, the next double beyond it is outside. */
static const char *check_bounds(const struct range *r)
{
	bool outside_alerts = !r->inside;

	if (!r->start_infinite) {
		if (range_alerts(r, r->start) == outside_alerts)
			return "the start of a range is not inside it";
		if (range_alerts(r, nextafter(r->start, -INFINITY)) != outside_alerts)
			return "just below the start of a range is not outside it";
	} else if (range_alerts(r, -HUGE_VAL) == outside_alerts) {
		return "~ does not reach minus infinity";
	}
	if (!r->end_infinite) {
		if (range_alerts(r, r->end) == outside_alerts)
			return "the end of a range is not inside it";
		if (range_alerts(r, nextafter(r->end, INFINITY)) != outside_alerts)
			return "just above the end of a range is not outside it";
	} else if (range_alerts(r, HUGE_VAL) == outside_alerts) {
		return "N: does not reach plus infinity";
	}
	return NULL;
}

const char *fuzz_thresholds(const uint8_t *data, size_t size)
{
	struct range r, again;
	char *text = malloc(size + 1);
	const char *broken = NULL;
	size_t len;

	if (text == NULL)
		return NULL; /* the fuzzer's memory limit, not a finding */
	memcpy(text, data, size);
	text[size] = '\0';
	len = strlen(text);

	if (range_parse(text, &r) != 0) {
		if (!is_unset(&r))
			broken = "a refused range is left half set";
		else if (range_alerts(&r, 0.0) || range_alerts(&r, NAN))
			broken = "a refused range alerts";
		goto done;
	}
	if (!r.set)
		broken = "an accepted range is not set";
	else if (len == 0 || len >= RANGE_TEXT_SIZE || strspn(text, RANGE_CHARS) != len)
		broken = "a range outside the documented alphabet or length was accepted";
	else if (strcmp(r.text, text) != 0)
		broken = "an accepted range does not keep its text for perfdata";
	else if ((!r.start_infinite && !isfinite(r.start)) || (!r.end_infinite && !isfinite(r.end)))
		broken = "a bound is not a finite number";
	else if (!r.start_infinite && !r.end_infinite && r.start > r.end)
		broken = "a range with start > end was accepted";
	else if (range_parse(r.text, &again) != 0 || !same_range(&again, &r))
		broken = "a range's own text reads differently";
	else
		broken = check_bounds(&r);
done:
	free(text);
	return broken;
}
