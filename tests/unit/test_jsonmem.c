/* test_jsonmem.c - Jansson's memory: trees built in the arena are whole
 * and usable until the arena ends, however large; outside an arena Jansson
 * allocates as usual. Under AddressSanitizer (CI) any use of a tree after
 * its arena ended, or past a block, is a report, and a leak too. */
#include "config.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jsonmem.h"
#include "tap.h"

/* A tree of n objects of a few members each, built by the parser. */
static char *objects_text(size_t n)
{
	size_t cap = n * 48 + 16, len = 0;
	char *text = malloc(cap);

	if (text == NULL)
		return NULL;
	text[len++] = '[';
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(text + len, cap - len, "%s{\"id\":\"i-%06zu\",\"n\":%zu}",
					i ? "," : "", i, i);
	text[len++] = ']';
	text[len] = '\0';
	return text;
}

static void test_arena(void)
{
	char *text = objects_text(20000); /* some 2 MB of tree: many chunks */
	json_t *root;
	size_t misaligned = 0, wrong = 0;

	ok(!jsonmem_arena_begin(), "no arena before the allocator is installed");
	jsonmem_install();
	ok(jsonmem_arena_begin(), "an arena once it is");
	ok(!jsonmem_arena_begin(), "not two at once");
	root = json_loads(text, 0, NULL);
	ok(root != NULL && json_array_size(root) == 20000, "20,000 objects parsed in the arena");
	for (size_t i = 0; i < json_array_size(root); i++) {
		const json_t *o = json_array_get(root, i);
		char want[32];

		if ((uintptr_t)o % _Alignof(max_align_t) != 0)
			misaligned++;
		snprintf(want, sizeof(want), "i-%06zu", i);
		if (strcmp(json_string_value(json_object_get(o, "id")), want) != 0 ||
		    json_integer_value(json_object_get(o, "n")) != (json_int_t)i)
			wrong++;
	}
	is_int((int)wrong, 0, "every value as written");
	is_int((int)misaligned, 0, "every block aligned for any type");
	jsonmem_arena_end();

	/* Again, into the memory kept: and a string larger than any chunk. */
	ok(jsonmem_arena_begin(), "a second arena");
	{
		size_t big = 3 * 1024 * 1024;
		char *s = malloc(big + 3);

		s[0] = '"';
		memset(s + 1, 'x', big);
		s[big + 1] = '"';
		s[big + 2] = '\0';
		root = json_loads(s, JSON_DECODE_ANY, NULL);
		ok(root != NULL && json_string_length(root) == big, "a 3 MiB string in one block");
		free(s);
	}
	jsonmem_arena_end();

	/* Outside an arena, Jansson's blocks are malloc'd and freed singly. */
	root = json_loads(text, 0, NULL);
	ok(root != NULL && json_array_size(root) == 20000, "the same tree outside an arena");
	json_decref(root);
	free(text);
	jsonmem_cleanup();
}

int main(void)
{
	test_arena();
	return tap_done();
}
