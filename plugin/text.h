/* text.h - making text from the API or from a command safe to print in plugin
 * output, and perfdata formatting. Pure: no I/O.
 *
 * Plugin output is parsed by Nagios and Icinga: a '|' starts perfdata, a
 * newline starts long output, and invalid UTF-8 or control characters break
 * web UIs and notifications. Everything that did not come from us goes
 * through text_sanitize() before it is printed. */
#ifndef ECS_TEXT_H
#define ECS_TEXT_H

#include <stdbool.h>
#include <stddef.h>

#include "thresholds.h"
#include "util.h"

/* Append a printable copy of in[0..len) to out:
 * - '|' becomes '/';
 * - CR, LF and TAB become one space each (so it stays on one line), every
 *   other C0 control character and DEL becomes '?';
 * - invalid UTF-8 (overlong forms, surrogates, code points above U+10FFFF,
 *   truncated sequences, stray continuation bytes) becomes U+FFFD once per
 *   bad byte; valid UTF-8 is kept as it is, except the C1 controls
 *   (U+0080-U+009F), U+2028/U+2029 and the bidi controls U+202A-U+202E and
 *   U+2066-U+2069, which become '?';
 * - at most max_bytes bytes of *input* are read (0 = no limit); when the
 *   input was longer, "..." is appended.
 * Returns 0, or -1 when out failed. */
int text_sanitize(struct strbuf *out, const char *in, size_t len, size_t max_bytes);

/* Append in[0..len) with each byte that is not part of valid UTF-8 replaced
 * by U+FFFD, and nothing else changed (for JSON, which escapes the rest).
 * Returns 0, or -1 when out failed. */
int text_fix_utf8(struct strbuf *out, const char *in, size_t len);

/* Append one perfdata item: label=value[uom];warn;crit;min;max
 * - label is written as given when it holds only [A-Za-z0-9_-], otherwise
 *   single-quoted with any ' or = replaced by '_';
 * - value/min/max are integers in the C locale (no locale can turn them into
 *   "1,0"); has_min/has_max false leave the field empty;
 * - warn/crit are written from range.text when set, empty otherwise;
 * - trailing empty fields are left out ("total=4;;;0", "x=1"), empty fields
 *   before a filled one are kept ("running=0;;;0;4");
 * - label must not be empty (the buffer is failed); labels are our own
 *   constants, so only ' and = are guarded against.
 * A space is written before the item when out is not empty and does not end
 * in '|' or ' '. Returns 0, or -1 when out failed. */
int perfdata_int(struct strbuf *out, const char *label, long long value, const char *uom,
		 const struct range *warn, const struct range *crit, bool has_min, long long min,
		 bool has_max, long long max);

/* A duration in seconds with exactly three decimals and unit "s", min 0, no
 * max: "time=0.142s;;;0". Negative or NaN is written as 0.000. */
int perfdata_seconds(struct strbuf *out, const char *label, double seconds,
		     const struct range *warn, const struct range *crit);

#endif
