/* jsonscan.c - see jsonscan.h. */
#include "config.h"

#include "jsonscan.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* The bytes the scan acts on outside strings. */
static const bool is_structural[256] = {
	['"'] = true, ['{'] = true, ['['] = true, ['}'] = true, [']'] = true, [','] = true,
};

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ && defined(__GNUC__)
/* The high bit of each byte of word that equals c; exact for the lowest such
 * byte (a borrow can mark bytes above it, never below). */
static uint64_t bytes_equal(uint64_t word, unsigned char c)
{
	uint64_t x = word ^ (UINT64_C(0x0101010101010101) * c);

	return (x - UINT64_C(0x0101010101010101)) & ~x & UINT64_C(0x8080808080808080);
}
#define WORDWISE 1
#endif

/* Index of the quote that closes the string whose first byte is text[at],
 * or len when it does not close. Strings are most of an API answer, and
 * most are short: eight bytes at a time are looked at for a quote or a
 * backslash, where the machine allows. */
static size_t string_end(const char *text, size_t len, size_t at)
{
#ifdef WORDWISE
	while (at + 8 <= len) {
		uint64_t word, marks;

		memcpy(&word, text + at, sizeof(word));
		marks = bytes_equal(word, '"') | bytes_equal(word, '\\');
		if (marks == 0) {
			at += 8;
			continue;
		}
		at += (size_t)__builtin_ctzll(marks) / 8;
		if (text[at] == '"')
			return at;
		at += 2; /* the backslash and the byte it escapes */
	}
#endif
	for (; at < len; at++) {
		if (text[at] == '"')
			return at;
		if (text[at] == '\\')
			at++;
	}
	return len;
}

/* The keys to leave out, with their lengths, for a quick first test. */
#define MAX_SKIP_KEYS 32
struct skip_set {
	size_t count;
	const char *key[MAX_SKIP_KEYS];
	size_t len[MAX_SKIP_KEYS];
};

static void skip_set_init(struct skip_set *set, const char *const *skip_keys)
{
	set->count = 0;
	for (; skip_keys != NULL && *skip_keys != NULL && set->count < MAX_SKIP_KEYS; skip_keys++) {
		set->key[set->count] = *skip_keys;
		set->len[set->count] = strlen(*skip_keys);
		set->count++;
	}
}

static bool is_skip_key(const char *key, size_t key_len, const struct skip_set *set)
{
	for (size_t k = 0; k < set->count; k++)
		if (set->len[k] == key_len && key[0] == set->key[k][0] &&
		    memcmp(key, set->key[k], key_len) == 0)
			return true;
	return false;
}

static size_t after_space(const char *text, size_t len, size_t at)
{
	while (at < len && is_space(text[at]))
		at++;
	return at;
}

/* The copy without the members left out, made at the first one. */
struct cut_text {
	char *data;
	size_t len;
	size_t copied; /* text[0..copied) is accounted for */
};

/* Drop text[from..to) from the copy. */
static int leave_out(struct cut_text *cut, const char *text, size_t len, size_t from, size_t to)
{
	if (cut->data == NULL) {
		cut->data = malloc(len + 1); /* the copy is never longer */
		if (cut->data == NULL)
			return -1;
	}
	memcpy(cut->data + cut->len, text + cut->copied, from - cut->copied);
	cut->len += from - cut->copied;
	cut->copied = to;
	return 0;
}

/* A member to leave out: its key's opening quote, and the comma before it,
 * or NO_COMMA when it is the first member that remains in its object. */
#define NO_COMMA ((size_t)-1)
struct member {
	size_t key;
	size_t comma;
};

/* Whether the key whose quote is text[key] starts a member that can be
 * left out with the comma that separates it, and which comma that is: the
 * one before it, unless an earlier member took that one with it (it then
 * takes the one after it). A key after anything else is not valid JSON,
 * and is left to the parser. */
static bool member_at(const char *text, size_t key, const struct cut_text *cut, struct member *m)
{
	size_t p = key;

	while (p > 0 && is_space(text[p - 1]))
		p--;
	if (p == 0)
		return false;
	p--;
	m->key = key;
	if (text[p] == ',' && p >= cut->copied)
		m->comma = p;
	else if (text[p] == '{' || text[p] == ',')
		m->comma = NO_COMMA;
	else
		return false;
	return true;
}

/* Leave out the member m whose value ends before text[value_end], with one
 * comma; *resume is where the scan goes on. */
static int leave_member(struct cut_text *cut, const char *text, size_t len, const struct member *m,
			size_t value_end, size_t *resume)
{
	size_t from = m->comma, to = value_end;

	if (m->comma == NO_COMMA) {
		size_t next = after_space(text, len, value_end);

		from = m->key;
		if (next < len && text[next] == ',')
			to = next + 1;
	}
	*resume = to;
	return leave_out(cut, text, len, from, to);
}

/* A number, true, false or null ends at a delimiter; len if none follows. */
static size_t primitive_end(const char *text, size_t len, size_t at)
{
	while (at < len && text[at] != ',' && text[at] != '}' && text[at] != ']' && !is_space(text[at]))
		at++;
	return at;
}

int jsonscan(const char *text, size_t len, size_t max_depth, size_t max_string, size_t max_items,
	     const char *const *skip_keys, char **cut_out, size_t *cut_len, struct fault *f)
{
	struct cut_text cut = { 0 };
	struct skip_set skip;
	struct member pending = { 0 }; /* the member whose object or array is being passed */
	size_t items = 0, depth = 0, i = 0;
	size_t skip_depth = 0; /* 0: not inside a value left out */

	skip_set_init(&skip, skip_keys);
	if (cut_out != NULL)
		*cut_out = NULL;
	while (i < len) {
		char c = text[i++];

		if (!is_structural[(unsigned char)c])
			continue;
		if (c == '"') {
			size_t start = i, end = string_end(text, len, i), j;
			struct member m;

			if (end - start > max_string)
				goto too_long;
			if (end == len)
				break; /* not closed: the parser says so */
			i = end + 1;
			if (skip.count == 0 || skip_depth != 0)
				continue;
			j = after_space(text, len, i);
			if (j >= len || text[j] != ':' || !is_skip_key(text + start, end - start, &skip) ||
			    !member_at(text, start - 1, &cut, &m))
				continue;
			j = after_space(text, len, j + 1);
			if (j >= len)
				continue;
			if (text[j] == '{' || text[j] == '[') {
				pending = m;
				skip_depth = depth + 1;
			} else if (text[j] == '"') {
				size_t value_end = string_end(text, len, j + 1);

				if (value_end - (j + 1) > max_string)
					goto too_long;
				if (value_end == len)
					break;
				if (leave_member(&cut, text, len, &m, value_end + 1, &i) != 0)
					goto nomem;
			} else {
				size_t value_end = primitive_end(text, len, j);

				if (value_end < len && leave_member(&cut, text, len, &m, value_end, &i) != 0)
					goto nomem;
			}
		} else if (c == '{' || c == '[') {
			if (++depth > max_depth) {
				fault_set(f, FAULT_TOO_LARGE, "the API response nests deeper than %zu levels",
					  max_depth);
				goto fail;
			}
			items++;
		} else if (c == '}' || c == ']') {
			if (depth > 0)
				depth--;
			if (skip_depth != 0 && depth + 1 == skip_depth) {
				skip_depth = 0;
				if (leave_member(&cut, text, len, &pending, i, &i) != 0)
					goto nomem;
			}
		} else if (c == ',') {
			items++;
		}
		if (items > max_items) {
			fault_set(f, FAULT_TOO_LARGE, "the API response has more than %zu JSON values",
				  max_items);
			goto fail;
		}
	}
	if (cut.data != NULL) {
		memcpy(cut.data + cut.len, text + cut.copied, len - cut.copied);
		cut.len += len - cut.copied;
		cut.data[cut.len] = '\0';
		*cut_out = cut.data;
		*cut_len = cut.len;
	}
	return 0;
too_long:
	fault_set(f, FAULT_TOO_LARGE, "the API response has a string of more than %zu bytes",
		  max_string);
	goto fail;
nomem:
	fault_set(f, FAULT_NOMEM, "out of memory while reading the API response");
fail:
	if (cut.data != NULL)
		secure_wipe(cut.data, cut.len);
	free(cut.data);
	return -1;
}
