/* chaos_alloc.c - allocation-failure injection for the test-only build
 * tests/chaos/check_ecs_invocation_chaos (issue 5).
 *
 * That program is linked from the very objects the plugin is (main.c and
 * libecs.a) with -Wl,--wrap=malloc and friends (tests/chaos/chaos.am), so
 * every allocation the plugin's own code makes comes here first, and so does
 * every allocation of Jansson, whose allocator main.c sets to a function that
 * calls malloc(). libcurl and OpenSSL allocate through the plugin too (the
 * wiping allocator of plugin/wipemem.c), but their allocations are told
 * apart: curl_global_init_mem() and CRYPTO_set_mem_functions() are wrapped
 * as well, and hand the libraries the plugin's functions behind ones that
 * say whose allocation it is.
 * Those allocations are counted on their own and fail only when asked to
 * (CHAOS_LIB_FAIL_AT), since a failure inside a library is the library's to
 * handle: Debian 12's libcurl 7.88 itself frees a TLS session id twice when
 * one of its allocations fails, so a test of them would judge libcurl
 * rather than the plugin. libc keeps its own allocator.
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
 *   CHAOS_LIB_FAIL_AT=N the N-th allocation of libcurl or OpenSSL fails
 *                       (counted apart from the plugin's; for looking into
 *                       the libraries, not used by test_chaos.t).
 *   CHAOS_COUNT_FILE=P  at exit, write "<allocations> <failures> <libcurl's>
 *                       <OpenSSL's>\n" to P: the number of the plugin's
 *                       allocation calls, how many calls (the libraries'
 *                       included) were made to fail, and the numbers of
 *                       libcurl's and of OpenSSL's calls. A counting run (no
 *                       CHAOS_FAIL_*) tells the test how many N there are; a
 *                       failing run tells it whether its N was reached.
 *   CHAOS_BACKTRACE_FILE=P  write the call stack of the first failed
 *                       allocation to P (glibc's backtrace_symbols_fd();
 *                       addr2line -f -i -e PROGRAM turns its offsets into
 *                       lines): where the code behind a failing N is.
 *
 * Every call counts, whatever its size (malloc(0) and realloc() too). A
 * failed call returns NULL with errno ENOMEM and leaves a realloc()ed block
 * as it was, as the C library does. */
#include "config.h"

#include <curl/curl.h>
#include <errno.h>
#include <execinfo.h>
#include <fcntl.h>
#include <openssl/crypto.h>
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

CURLcode __real_curl_global_init_mem(long flags, curl_malloc_callback m, curl_free_callback f,
				     curl_realloc_callback r, curl_strdup_callback s,
				     curl_calloc_callback c);
CURLcode __wrap_curl_global_init_mem(long flags, curl_malloc_callback m, curl_free_callback f,
				     curl_realloc_callback r, curl_strdup_callback s,
				     curl_calloc_callback c);
typedef void *(*ossl_malloc_fn)(size_t, const char *, int);
typedef void *(*ossl_realloc_fn)(void *, size_t, const char *, int);
typedef void (*ossl_free_fn)(void *, const char *, int);
int __real_CRYPTO_set_mem_functions(ossl_malloc_fn m, ossl_realloc_fn r, ossl_free_fn f);
int __wrap_CRYPTO_set_mem_functions(ossl_malloc_fn m, ossl_realloc_fn r, ossl_free_fn f);

static unsigned long fail_at;   /* 0: never */
static bool fail_rest;          /* CHAOS_FAIL_FROM: every later one too */
static unsigned long lib_fail_at; /* CHAOS_LIB_FAIL_AT, 0: never */
static unsigned long calls;     /* the plugin's allocations so far */
static unsigned long lib_calls; /* libcurl's and OpenSSL's */
static unsigned long curl_calls, ossl_calls; /* the same, each on its own */
static unsigned long failures;  /* of them all, made to fail */
/* Whose allocation runs in this thread (libcurl's resolver thread
 * allocates too). */
enum owner { PLUGIN, LIBCURL, OPENSSL };
static __thread enum owner owner;
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
	lib_fail_at = env_number("CHAOS_LIB_FAIL_AT");
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
	n = snprintf(line, sizeof(line), "%lu %lu %lu %lu\n", calls, failures, curl_calls,
		     ossl_calls);
	fd = open(count_file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || n <= 0)
		return;
	ignored = write(fd, line, (size_t)n);
	(void)ignored;
	close(fd);
}

/* Count one allocation; true when it is to fail. The plugin is single
 * threaded, but libcurl's resolver thread allocates too (as libcurl's):
 * the counters are kept atomically. */
static bool chaos_fails(void)
{
	unsigned long n;

	if (owner != PLUGIN) {
		__atomic_add_fetch(owner == LIBCURL ? &curl_calls : &ossl_calls, 1,
				   __ATOMIC_SEQ_CST);
		n = __atomic_add_fetch(&lib_calls, 1, __ATOMIC_SEQ_CST);
		if (lib_fail_at == 0 || n != lib_fail_at)
			return false;
	} else {
		n = __atomic_add_fetch(&calls, 1, __ATOMIC_SEQ_CST);
		if (fail_at == 0 || n < fail_at || (n > fail_at && !fail_rest))
			return false;
	}
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

/* The plugin's functions for the libraries, called with the owner set. */
static struct {
	curl_malloc_callback malloc;
	curl_free_callback free;
	curl_realloc_callback realloc;
	curl_strdup_callback strdup;
	curl_calloc_callback calloc;
} curl_fns;
static struct {
	ossl_malloc_fn malloc;
	ossl_realloc_fn realloc;
	ossl_free_fn free;
} ossl_fns;

static void *lib_curl_malloc(size_t n)
{
	void *p;

	owner = LIBCURL;
	p = curl_fns.malloc(n);
	owner = PLUGIN;
	return p;
}

static void lib_curl_free(void *p)
{
	curl_fns.free(p);
}

static void *lib_curl_realloc(void *p, size_t n)
{
	void *q;

	owner = LIBCURL;
	q = curl_fns.realloc(p, n);
	owner = PLUGIN;
	return q;
}

static char *lib_curl_strdup(const char *s)
{
	char *p;

	owner = LIBCURL;
	p = curl_fns.strdup(s);
	owner = PLUGIN;
	return p;
}

static void *lib_curl_calloc(size_t count, size_t size)
{
	void *p;

	owner = LIBCURL;
	p = curl_fns.calloc(count, size);
	owner = PLUGIN;
	return p;
}

CURLcode __wrap_curl_global_init_mem(long flags, curl_malloc_callback m, curl_free_callback f,
				     curl_realloc_callback r, curl_strdup_callback s,
				     curl_calloc_callback c)
{
	curl_fns.malloc = m;
	curl_fns.free = f;
	curl_fns.realloc = r;
	curl_fns.strdup = s;
	curl_fns.calloc = c;
	return __real_curl_global_init_mem(flags, lib_curl_malloc, lib_curl_free, lib_curl_realloc,
					   lib_curl_strdup, lib_curl_calloc);
}

static void *lib_ossl_malloc(size_t n, const char *file, int line)
{
	void *p;

	owner = OPENSSL;
	p = ossl_fns.malloc(n, file, line);
	owner = PLUGIN;
	return p;
}

static void *lib_ossl_realloc(void *p, size_t n, const char *file, int line)
{
	void *q;

	owner = OPENSSL;
	q = ossl_fns.realloc(p, n, file, line);
	owner = PLUGIN;
	return q;
}

static void lib_ossl_free(void *p, const char *file, int line)
{
	ossl_fns.free(p, file, line);
}

int __wrap_CRYPTO_set_mem_functions(ossl_malloc_fn m, ossl_realloc_fn r, ossl_free_fn f)
{
	ossl_fns.malloc = m;
	ossl_fns.realloc = r;
	ossl_fns.free = f;
	return __real_CRYPTO_set_mem_functions(lib_ossl_malloc, lib_ossl_realloc, lib_ossl_free);
}
