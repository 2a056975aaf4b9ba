/* test_wipemem.c - the wiping allocator keeps what a block holds through
 * realloc() (grown, shrunk, moved or not), answers the corner cases as the
 * libraries expect, and reaches OpenSSL only before OpenSSL allocates.
 * That freed blocks hold no secret is tests/functional/test_wipe.t's to
 * prove (reading a freed block here would be the bug ASan reports); under
 * AddressSanitizer (CI) and valgrind any access past a block or after
 * wipemem_free() is a report, and a leak too. */
#include "config.h"

#include <curl/curl.h>
#include <malloc.h>
#include <openssl/crypto.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tap.h"
#include "wipelibs.h"
#include "wipemem.h"

/* A child that makes OpenSSL allocate first is told it is too late. */
static bool too_late_in_child(void)
{
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		OPENSSL_free(OPENSSL_malloc(8));
		_exit(wipelibs_openssl() ? 1 : 0);
	}
	return pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	       WEXITSTATUS(status) == 0;
}

/* First: before this program makes OpenSSL allocate anything. */
static void test_openssl(void)
{
	/* Spelt out: OpenSSL 1.1.1 has no names for these types. */
	void *(*m)(size_t, const char *, int);
	void *(*r)(void *, size_t, const char *, int);
	void (*f)(void *, const char *, int);
	void *p;

	ok(too_late_in_child(), "too late once OpenSSL has allocated: false");
	ok(wipelibs_openssl(), "OpenSSL takes the allocator before its first allocation");
	CRYPTO_get_mem_functions(&m, &r, &f);
	ok(m != CRYPTO_malloc && r != CRYPTO_realloc && f != CRYPTO_free,
	   "OpenSSL's allocation functions are no longer its own");
	p = OPENSSL_malloc(100);
	ok(p != NULL, "it allocates");
	p = OPENSSL_realloc(p, 5000);
	ok(p != NULL, "and reallocates");
	OPENSSL_free(p);
	ok(OPENSSL_malloc(0) == NULL, "a size of 0 is NULL, as OpenSSL's own allocator answers");
	p = OPENSSL_malloc(8);
	ok(p != NULL && OPENSSL_realloc(p, 0) == NULL, "reallocating to 0 frees, as OpenSSL's does");
}

static bool holds(const unsigned char *p, size_t n, unsigned char seed)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != (unsigned char)(seed + i))
			return false;
	return true;
}

static void fill(unsigned char *p, size_t n, unsigned char seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)(seed + i);
}

static void test_realloc(void)
{
	unsigned char *p = wipemem_realloc(NULL, 100), *q;
	size_t have;

	ok(p != NULL, "realloc(NULL, n) allocates");
	fill(p, 100, 7);
	q = wipemem_realloc(p, 100000);
	ok(q != NULL && holds(q, 100, 7), "grown far: moved, the bytes kept");
	fill(q, 100000, 9);
	p = wipemem_realloc(q, 90000);
	ok(p == q && holds(p, 90000, 9), "shrunk by less than half: kept in place");
	q = wipemem_realloc(p, 1000);
	ok(q != NULL && holds(q, 1000, 9), "shrunk by more than half: moved, the bytes kept");
	have = malloc_usable_size(q);
	p = wipemem_realloc(q, have);
	ok(p == q && holds(p, 1000, 9), "grown within the block's usable size: kept in place");
	q = wipemem_realloc(p, 0);
	ok(q != NULL, "realloc(p, 0): a block of its own, not NULL");
	wipemem_free(q);
}

static void test_others(void)
{
	unsigned char *z = wipemem_calloc(1000, 3);
	char *s = wipemem_strdup("CAIS-token+/=");
	size_t nonzero = 0;

	ok(z != NULL, "calloc");
	for (size_t i = 0; z != NULL && i < 3000; i++)
		nonzero += z[i] != 0;
	is_int((int)nonzero, 0, "calloc's block is zeroed");
	is_str(s, "CAIS-token+/=", "strdup");
	wipemem_free(z);
	wipemem_free(s);
	wipemem_free(NULL);
	ok(1, "free(NULL) is fine");
}

static void test_curl(void)
{
	struct curl_slist *list;

	ok(wipelibs_curl_global_init(CURL_GLOBAL_DEFAULT) == 0, "libcurl starts with the allocator");
	list = curl_slist_append(NULL, "x-acs-security-token: CAIS-token");
	list = curl_slist_append(list, "Expect:");
	ok(list != NULL && strcmp(list->next->data, "Expect:") == 0,
	   "and works with it (a header list)");
	/* That libcurl really allocates through it is for test_chaos.t (which
	 * counts its allocations) and test_wipe.t (which reads its frees). */
	curl_slist_free_all(list);
	curl_global_cleanup();
}

int main(void)
{
	test_openssl();
	test_realloc();
	test_others();
	test_curl();
	return tap_done();
}
