/* wipemem.h - an allocator whose free() wipes, given to libcurl and OpenSSL
 * (wipelibs.h) and to Jansson (jsonmem.h).
 *
 * What the plugin keeps secret it wipes itself (util.h), and Jansson's
 * frees go through here (jsonmem.h). But the libraries copy what passes
 * through them: libcurl its request's URL and header list and its receive
 * buffer, OpenSSL the decrypted TLS records. Those copies hold the security
 * token and the temporary keys from STS and the metadata service, and the
 * libraries free them as they are. Given this allocator, every block they
 * free is wiped first, whatever it held: the memory handed back to the heap
 * (and so to core dumps and to later allocations) holds no secret.
 *
 * free() wipes malloc_usable_size() bytes, all the block may have held.
 * realloc() never leaves a block behind unwiped: it keeps the block when the
 * new size fits it, else allocates, copies, then wipes and frees the old.
 * Every function is as safe in any thread as the C library's. */
#ifndef ECS_WIPEMEM_H
#define ECS_WIPEMEM_H

#include <stddef.h>

void *wipemem_malloc(size_t n);
void *wipemem_calloc(size_t count, size_t size);
/* As realloc(), but realloc(p, 0) gives a block of its own (p wiped and
 * freed), never NULL for success. NULL when out of memory, p untouched. */
void *wipemem_realloc(void *p, size_t n);
char *wipemem_strdup(const char *s);
/* Wipe the whole block, then free it. NULL is fine. */
void wipemem_free(void *p);

#endif
