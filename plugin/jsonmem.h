/* jsonmem.h - the memory Jansson works in.
 *
 * Every block Jansson frees is wiped first (API responses, profiles and
 * STS answers carry secrets), and every allocation that fails is counted
 * (decode.h says why). While one API response is parsed and read, Jansson
 * allocates from an arena instead: a page of 50 records is some 3,000 small
 * blocks, and bumping a pointer for each, then dropping the whole tree at
 * once, costs a fraction of a malloc() and a free() per block (they were a
 * fifth of the plugin's instructions for 1,000 instances). */
#ifndef ECS_JSONMEM_H
#define ECS_JSONMEM_H

#include <stdbool.h>

/* Make Jansson allocate through this module (json_set_alloc_funcs). */
void jsonmem_install(void);

/* How many of Jansson's allocations have failed so far. Jansson does not
 * notice every one: its lexer drops a character it cannot keep and goes
 * on, so a key or a string may come back cut short from a parse that
 * succeeds. A parse during which the count moved is not trusted: out of
 * memory. Without jsonmem_install() it never moves. */
unsigned long jsonmem_failures(void);

/* From now until jsonmem_arena_end(), Jansson allocates from the arena.
 * Returns false, and changes nothing, when the arena cannot be used: this
 * module is not installed (unit tests and fuzzers may not install it) or an
 * arena is already open. Only then must the caller json_decref() the tree. */
bool jsonmem_arena_begin(void);

/* Drop, wiped, everything Jansson allocated since jsonmem_arena_begin():
 * every json_t of the tree dies at once. The memory is kept for the next
 * parse. */
void jsonmem_arena_end(void);

/* Give the arena's memory back (at exit). */
void jsonmem_cleanup(void);

#endif
