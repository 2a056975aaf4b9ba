/* chaos_alloc.c - allocation-failure injection for the test-only build
 * tests/chaos/check_ecs_invocation_chaos (issue 5).
 *
 * That program is linked from the very objects the plugin is (main.c and
 * libecs.a) with -Wl,--wrap=malloc and friends (tests/chaos/chaos.am), so
 * every allocation the plugin's own code makes comes here first, and so does
 * every allocation of Jansson, whose allocator main.c sets to a function that
 * calls malloc(). libcurl, OpenSSL and libc keep their own allocators: their
 * allocations are neither counted nor failed. (libcurl could be brought in
 * with curl_global_init_mem(), but Debian 12's libcurl 7.88 itself frees a
 * TLS session id twice when one of its allocations fails, so the test would
 * judge libcurl rather than the plugin.)
 *
 * Environment:
 *   CHAOS_FAIL_AT=N     the N-th allocation (counting from 1) fails, and only
 *                       that one. Failing a single allocation is the usual
 *                       approach: it finds the failure paths that leak, crash
 *                       or answer wrongly, and it also tests that the plugin
 *                       recovers where it may carry on (a later allocation
 *                       succeeds again, as after a transient shortage).
 *   CHAOS_FAIL_FROM=N   the N-th allocation and every later one fail: memory
 *                       that stays exhausted, so nothing on the way out may
 *                       need any.
 *   CHAOS_COUNT_FILE=P  at exit, write "<allocations> <failures>\n" to P: the
 *                       number of allocation calls made and how many of them
 *                       were made to fail. A counting run (no CHAOS_FAIL_*)
 *                       tells the test how many N there are; a failing run
 *                       tells it whether its N was reached at all.
 *   CHAOS_BACKTRACE_FILE=P  write the call stack of the first failed
 *                       allocation to P (glibc's backtrace_symbols_fd();
 *                       addr2line -f -i -e PROGRAM turns its offsets into
 *                       lines): where the code behind a failing N is.
 *
 * Every call counts, whatever its size (malloc(0) and realloc() too). A
 * failed call returns NULL with errno ENOMEM and leaves a realloc()ed block
 * as it was, as the C library does. */
#include "config.h"

#include <errno.h>
#include <execinfo.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* The real functions (ld --wrap binds __real_X to X) and our replacements
 * (ld binds the program's references to X to __wrap_X). */
void *__real_malloc(size_t n);
void *__real_calloc(size_t count, size_t size);
void *__real_realloc(void *p, size_t n);
char *__real_strdup(const char *s);
char *__real_strndup(const char *s, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t count, size_t size);
void *__wrap_realloc(void *p, size_t n);
char *__wrap_strdup(const char *s);
char *__wrap_strndup(const char *s, size_t n);

static unsigned long fail_at;   /* 0: never */
static bool fail_rest;          /* CHAOS_FAIL_FROM: every later one too */
static unsigned long calls;     /* allocations so far */
static unsigned long failures;  /* of them made to fail */
static const char *count_file;
static const char *backtrace_file;

static unsigned long env_number(const char *name)
{
	const char *v = getenv(name);
	char *end;
	unsigned long n;

	if (v == NULL || *v == '\0')
		return 0;
	errno = 0;
	n = strtoul(v, &end, 10);
	return errno == 0 && *end == '\0' ? n : 0;
}

__attribute__((constructor)) static void chaos_start(void)
{
	unsigned long from = env_number("CHAOS_FAIL_FROM");

	fail_at = env_number("CHAOS_FAIL_AT");
	if (from != 0) {
		fail_at = from;
		fail_rest = true;
	}
	count_file = getenv("CHAOS_COUNT_FILE");
	backtrace_file = getenv("CHAOS_BACKTRACE_FILE");
}

static void write_backtrace(void)
{
	void *frames[32];
	int fd, n;

	if (backtrace_file == NULL || *backtrace_file == '\0')
		return;
	n = backtrace(frames, 32);
	fd = open(backtrace_file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	backtrace_symbols_fd(frames, n, fd);
	close(fd);
}

/* Runs after main() returns (exit()); not after _exit() from the backstop,
 * which the test notices as a missing count. Allocates nothing. */
__attribute__((destructor)) static void chaos_report(void)
{
	char line[64];
	int fd, n;
	ssize_t ignored;

	if (count_file == NULL || *count_file == '\0')
		return;
	n = snprintf(line, sizeof(line), "%lu %lu\n", calls, failures);
	fd = open(count_file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || n <= 0)
		return;
	ignored = write(fd, line, (size_t)n);
	(void)ignored;
	close(fd);
}

/* Count one allocation; true when it is to fail. The plugin is single
 * threaded (and libcurl's resolver thread does not come here), but the
 * counters are kept atomically anyway. */
static bool chaos_fails(void)
{
	unsigned long n = __atomic_add_fetch(&calls, 1, __ATOMIC_SEQ_CST);

	if (fail_at == 0 || n < fail_at || (n > fail_at && !fail_rest))
		return false;
	if (__atomic_add_fetch(&failures, 1, __ATOMIC_SEQ_CST) == 1)
		write_backtrace();
	errno = ENOMEM;
	return true;
}

void *__wrap_malloc(size_t n)
{
	return chaos_fails() ? NULL : __real_malloc(n);
}

void *__wrap_calloc(size_t count, size_t size)
{
	return chaos_fails() ? NULL : __real_calloc(count, size);
}

void *__wrap_realloc(void *p, size_t n)
{
	return chaos_fails() ? NULL : __real_realloc(p, n);
}

char *__wrap_strdup(const char *s)
{
	return chaos_fails() ? NULL : __real_strdup(s);
}

char *__wrap_strndup(const char *s, size_t n)
{
	return chaos_fails() ? NULL : __real_strndup(s, n);
}
