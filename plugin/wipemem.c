/* wipemem.c - see wipemem.h. */
#include "config.h"

#include "wipemem.h"

#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

void *wipemem_malloc(size_t n)
{
	return malloc(n);
}

void *wipemem_calloc(size_t count, size_t size)
{
	return calloc(count, size);
}

char *wipemem_strdup(const char *s)
{
	return strdup(s);
}

void wipemem_free(void *p)
{
	if (p == NULL)
		return;
	secure_wipe(p, malloc_usable_size(p));
	free(p);
}

void *wipemem_realloc(void *p, size_t n)
{
	size_t have;
	void *q;

	if (p == NULL)
		return malloc(n);
	have = malloc_usable_size(p);
	/* Growing within the block, or shrinking by less than half: nothing
	 * moves, nothing is left behind. (Under AddressSanitizer and valgrind
	 * the usable size is the size asked for, so a block grows by moving,
	 * and they still see every access past the end.) */
	if (n != 0 && n <= have && n >= have / 2)
		return p;
	q = malloc(n != 0 ? n : 1);
	if (q == NULL)
		return NULL;
	memcpy(q, p, n < have ? n : have);
	wipemem_free(p);
	return q;
}
