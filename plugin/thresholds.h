/* thresholds.h - Monitoring Plugins ranges ("10", "10:", "~:10", "10:20",
 * "@10:20") and their evaluation. Pure: no I/O, no allocation. */
#ifndef ECS_THRESHOLDS_H
#define ECS_THRESHOLDS_H

#include <stdbool.h>

#define RANGE_TEXT_SIZE 48

struct range {
	bool set;          /* false: no threshold, never alerts */
	bool start_infinite; /* "~" : start is minus infinity */
	bool end_infinite; /* "N:" : end is plus infinity */
	bool inside;       /* "@" : alert inside the range instead of outside */
	double start;
	double end;
	char text[RANGE_TEXT_SIZE]; /* the range as given, for perfdata */
};

/* Parse text into r. Accepts only the characters "0123456789.:@~-" (plus "+"
 * never), at most RANGE_TEXT_SIZE-1 of them, numbers without exponents,
 * start <= end. Returns 0 on success, -1 on anything else (r is then unset). */
int range_parse(const char *text, struct range *r);

/* True when value should raise an alert under r (false when r is unset). */
bool range_alerts(const struct range *r, double value);

#endif
