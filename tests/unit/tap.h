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

/* is_str(got, want, name): string equality, showing both on failure. A
 * function rather than a macro, so the compiler's null-path reasoning about
 * the comparison does not spill into the caller's format arguments. */
#define is_str(got, want, ...) tap_is_str((got), (want), __FILE__, __LINE__, __VA_ARGS__)

static __attribute__((unused)) void tap_is_str(const char *got, const char *want, const char *file, int line,
		       const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static __attribute__((unused)) void tap_is_str(const char *got, const char *want, const char *file, int line,
		       const char *fmt, ...)
{
	char name[512];
	va_list ap;
	int pass = (got && want) ? strcmp(got, want) == 0 : got == want;

	va_start(ap, fmt);
	vsnprintf(name, sizeof(name), fmt, ap);
	va_end(ap);
	tap_ok(pass, file, line, "%s", name);
	if (!pass)
		printf("#   got:  '%s'\n#   want: '%s'\n", got ? got : "(null)",
		       want ? want : "(null)");
}

/* is_int(got, want, name): integer equality. */
#define is_int(got, want, ...)                                                        \
	do {                                                                          \
		long long tap_g_ = (long long)(got), tap_w_ = (long long)(want);      \
		ok(tap_g_ == tap_w_, __VA_ARGS__);                                    \
		if (tap_g_ != tap_w_)                                                 \
			printf("#   got:  %lld\n#   want: %lld\n", tap_g_, tap_w_);       \
	} while (0)

/* Print the plan and return the exit status for main(). */
static __attribute__((unused)) int tap_done(void)
{
	printf("1..%d\n", tap_run);
	return tap_failed ? 1 : 0;
}

#endif
