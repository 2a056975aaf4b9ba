/* wipelibs.h - libcurl and OpenSSL allocate through wipemem.h.
 *
 * Apart from wipemem.c so that what needs only the allocator (Jansson's,
 * the fuzz targets) does not link libcurl and OpenSSL. */
#ifndef ECS_WIPELIBS_H
#define ECS_WIPELIBS_H

#include <stdbool.h>

/* Make OpenSSL allocate through wipemem (CRYPTO_set_mem_functions).
 * OpenSSL takes it only before its first allocation, so this comes first in
 * main(), before libcurl's initialisation sets OpenSSL up. Returns false,
 * changing nothing, when it is too late. */
bool wipelibs_openssl(void);

/* curl_global_init(flags) with libcurl allocating through wipemem
 * (curl_global_init_mem). Returns 0, or -1 when libcurl cannot start. */
int wipelibs_curl_global_init(long flags);

#endif
