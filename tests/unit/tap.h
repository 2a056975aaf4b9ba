/* tap.h - a tiny Test Anything Protocol emitter for the unit tests, so that
 * prove and automake's TAP driver can read the results. Header-only. */
#ifndef ECS_TAP_H
#define ECS_TAP_H

#include <stdio.h>
#include <string.h>

static int tap_run;
static int tap_failed;

/* ok(cond, fmt, ...) records one test. */
#define ok(cond, ...) tap_ok(!!(cond), __FILE__, __LINE__, __VA_ARGS__)

static void tap_ok(int pass, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#include <stdarg.h>
static void tap_ok(int pass, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	tap_run++;
	if (!pass)
		tap_failed++;
	printf("%s %d - ", pass ? "ok" : "not ok", tap_run);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!pass)
		printf("#   failed at %s:%d\n", file, line);
	fflush(stdout);
}

/* is_str(got, want, name): string equality, showing both on failure. */
#define is_str(got, want, ...)                                                        \
	do {                                                                          \
		const char *tap_g_ = (got), *tap_w_ = (want);                         \
		int tap_p_ = (tap_g_ && tap_w_) ? strcmp(tap_g_, tap_w_) == 0         \
		                                : tap_g_ == tap_w_;                   \
		ok(tap_p_, __VA_ARGS__);                                              \
		if (!tap_p_)                                                          \
			printf("#   got:  '%s'\n#   want: '%s'\n", tap_g_ ? tap_g_ : "(null)", \
			       tap_w_ ? tap_w_ : "(null)");                           \
	} while (0)

/* is_int(got, want, name): integer equality. */
#define is_int(got, want, ...)                                                        \
	do {                                                                          \
		long long tap_g_ = (long long)(got), tap_w_ = (long long)(want);      \
		ok(tap_g_ == tap_w_, __VA_ARGS__);                                    \
		if (tap_g_ != tap_w_)                                                 \
			printf("#   got:  %lld\n#   want: %lld\n", tap_g_, tap_w_);       \
	} while (0)

/* Print the plan and return the exit status for main(). */
static int tap_done(void)
{
	printf("1..%d\n", tap_run);
	return tap_failed ? 1 : 0;
}

#endif
