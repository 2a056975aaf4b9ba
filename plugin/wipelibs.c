/* wipelibs.c - see wipelibs.h. */
#include "config.h"

#include "wipelibs.h"

#include <curl/curl.h>
#include <openssl/crypto.h>
#include <stddef.h>

#include "wipemem.h"

/* OpenSSL's shapes, and its own answers for a size of 0: CRYPTO_malloc()
 * gives NULL, CRYPTO_realloc() frees and gives NULL. The file and line are
 * for OpenSSL's debugging allocators. */
static void *ossl_malloc(size_t n, const char *file, int line)
{
	(void)file;
	(void)line;
	return n != 0 ? wipemem_malloc(n) : NULL;
}

static void *ossl_realloc(void *p, size_t n, const char *file, int line)
{
	(void)file;
	(void)line;
	if (n == 0) {
		wipemem_free(p);
		return NULL;
	}
	return wipemem_realloc(p, n);
}

static void ossl_free(void *p, const char *file, int line)
{
	(void)file;
	(void)line;
	wipemem_free(p);
}

bool wipelibs_openssl(void)
{
	return CRYPTO_set_mem_functions(ossl_malloc, ossl_realloc, ossl_free) == 1;
}

int wipelibs_curl_global_init(long flags)
{
	return curl_global_init_mem(flags, wipemem_malloc, wipemem_free, wipemem_realloc,
				    wipemem_strdup, wipemem_calloc) == CURLE_OK ? 0 : -1;
}
