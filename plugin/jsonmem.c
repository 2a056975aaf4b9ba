/* jsonmem.c - see jsonmem.h. */
#include "config.h"

#include "jsonmem.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "util.h"
#include "wipemem.h"

/* The first chunk holds a page of 50 records' tree; each further chunk is as
 * large as all before it, so a large response needs few. */
#define CHUNK_MIN ((size_t)128 * 1024)
#define ALIGN ((size_t)_Alignof(max_align_t))

/* Under AddressSanitizer the arena tells it what is in use: the space not
 * handed out, a gap after each block, and everything after the end of a
 * parse are poisoned, so that reading past a block or using a tree after
 * jsonmem_arena_end() is reported as it would be with malloc and free. */
#if defined(__SANITIZE_ADDRESS__)
#define ARENA_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ARENA_ASAN 1
#endif
#endif
#ifdef ARENA_ASAN
#include <sanitizer/asan_interface.h>
#define REDZONE ALIGN
#define POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define REDZONE 0
#define POISON(p, n) ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

struct chunk {
	struct chunk *next;
	size_t size; /* bytes in data */
	size_t used; /* bytes handed out since the last wipe */
	max_align_t data[];
};

/* Jansson's allocations that failed (jsonmem.h). */
static unsigned long failures;

static struct {
	bool open;
	struct chunk *chunks; /* the one being filled first */
} arena;

static struct chunk *chunk_new(size_t size, struct chunk *next)
{
	struct chunk *c;

	if (size > SIZE_MAX - offsetof(struct chunk, data))
		return NULL;
	c = malloc(offsetof(struct chunk, data) + size);
	if (c == NULL)
		return NULL;
	c->next = next;
	c->size = size;
	c->used = 0;
	POISON(c->data, size);
	return c;
}

static void *arena_alloc(size_t n)
{
	struct chunk *c = arena.chunks;
	size_t want;
	void *p;

	if (n > SIZE_MAX - ALIGN - REDZONE)
		return NULL;
	if (n == 0)
		n = 1; /* a block of its own, as malloc(0) may give */
	want = (n + ALIGN - 1) / ALIGN * ALIGN + REDZONE;
	if (c == NULL || c->size - c->used < want) {
		size_t size = CHUNK_MIN, total = 0;

		for (const struct chunk *k = arena.chunks; k != NULL; k = k->next)
			total += k->size;
		if (size < total)
			size = total;
		if (size < want)
			size = want;
		c = chunk_new(size, arena.chunks);
		if (c == NULL)
			return NULL;
		arena.chunks = c;
	}
	p = (char *)c->data + c->used;
	c->used += want;
	UNPOISON(p, n);
	return p;
}

/* As integers: p may point into any block, and C orders pointers only
 * within one. */
static bool in_arena(const void *p)
{
	uintptr_t at = (uintptr_t)p;

	for (const struct chunk *c = arena.chunks; c != NULL; c = c->next) {
		uintptr_t start = (uintptr_t)c->data;

		if (at >= start && at - start < c->size)
			return true;
	}
	return false;
}

static void *jsonmem_alloc(size_t n)
{
	void *p = arena.open ? arena_alloc(n) : malloc(n);

	if (p == NULL)
		failures++;
	return p;
}

static void jsonmem_free(void *p)
{
	if (p == NULL)
		return;
	if (arena.chunks != NULL && in_arena(p))
		return; /* wiped with the rest at the end */
	wipemem_free(p);
}

unsigned long jsonmem_failures(void)
{
	return failures;
}

void jsonmem_install(void)
{
	json_set_alloc_funcs(jsonmem_alloc, jsonmem_free);
}

bool jsonmem_arena_begin(void)
{
	json_malloc_t m;
	json_free_t f;

	json_get_alloc_funcs(&m, &f);
	if (m != jsonmem_alloc || arena.open)
		return false;
	arena.open = true;
	return true;
}

void jsonmem_arena_end(void)
{
	struct chunk *keep = NULL;

	/* Keep the largest chunk for the next parse, give back the others. */
	for (struct chunk *c = arena.chunks, *next; c != NULL; c = next) {
		next = c->next;
		UNPOISON(c->data, c->used);
		secure_wipe(c->data, c->used);
		POISON(c->data, c->size);
		c->used = 0;
		if (keep == NULL || c->size > keep->size) {
			free(keep);
			keep = c;
		} else {
			free(c);
		}
	}
	if (keep != NULL)
		keep->next = NULL;
	arena.chunks = keep;
	arena.open = false;
}

void jsonmem_cleanup(void)
{
	arena.open = false;
	jsonmem_arena_end();
	free(arena.chunks);
	arena.chunks = NULL;
}
