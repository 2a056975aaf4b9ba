/* jsonscan.h - one fast pass over a JSON text before Jansson parses it.
 *
 * It bounds what the parser would build (nesting, string length, number of
 * values: Jansson spends 60 to 250 bytes on every value, so a 32 MiB body of
 * "[{},{},..." would take gigabytes), and it can leave out the members the
 * decoder never reads. Jansson's lexer costs some 100 instructions a byte,
 * this pass a few (strings, most of a body, are searched eight bytes at a
 * time), so a member left out here is almost free: the Output of every
 * record when no output is shown, the fields of a record the plugin has no
 * use for, the list of instances that DescribeInvocations nests in its
 * answer when only periodic invocations use it.
 *
 * A member of an object is left out, key, value and one comma, when its key
 * is one of skip_keys written without escapes, its value ends in the text,
 * and another member or the end of the object follows: the parser then sees
 * the object without it. Anything wrong around such a member (no value, a
 * comma too many, a key twice in one object: then nothing at all is left
 * out) stays for the parser to refuse, and what is left out counts towards
 * the limits as if it were not. What is inside a value left out is not
 * parsed: a syntax error there goes unnoticed, as does everything else in
 * it. */
#ifndef ECS_JSONSCAN_H
#define ECS_JSONSCAN_H

#include <stddef.h>

#include "fault.h"

/* Checks text[0..len) against the limits (FAULT_TOO_LARGE in f when over).
 * With skip_keys (a NULL-terminated list, or NULL for none): when a value
 * was left out, *cut is a malloc'd copy of the text without it (NUL-
 * terminated, *cut_len bytes, to be freed by the caller), else NULL.
 * Returns 0, or -1 with f set (FAULT_NOMEM when the copy failed). */
int jsonscan(const char *text, size_t len, size_t max_depth, size_t max_string, size_t max_items,
	     const char *const *skip_keys, char **cut, size_t *cut_len, struct fault *f);

#endif
