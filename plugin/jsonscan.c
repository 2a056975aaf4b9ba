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

/* The index of key in set, or -1. */
static int skip_key_index(const char *key, size_t key_len, const struct skip_set *set)
{
	for (size_t k = 0; k < set->count; k++)
		if (set->len[k] == key_len && key[0] == set->key[k][0] &&
		    memcmp(key, set->key[k], key_len) == 0)
			return (int)k;
	return -1;
}

static size_t after_space(const char *text, size_t len, size_t at)
{
	while (at < len && is_space(text[at]))
		at++;
	return at;
}

/* A byte of a number, true, false or null (a loose test: the parser is
 * strict about what is not left out). */
static bool is_primitive_byte(char c)
{
	return c == '.' || c == '+' || c == '-' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	       (c >= 'A' && c <= 'Z');
}

/* The last byte of a value: a string's quote, a bracket, or a primitive's. */
static bool ends_value(char c)
{
	return c == '"' || c == '}' || c == ']' || is_primitive_byte(c);
}

/* The copy without the members left out, made at the first one. */
struct cut_text {
	char *data;
	size_t len;
	size_t copied; /* text[0..copied) is accounted for */
	bool off;      /* given up: the text goes to the parser as it is */
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

static void give_up(struct cut_text *cut)
{
	if (cut->data != NULL)
		secure_wipe(cut->data, cut->len);
	free(cut->data);
	cut->data = NULL;
	cut->off = true;
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
 * one before it (after a value), unless an earlier member took that one
 * with it (it then takes the one after it). A key after anything else is
 * not valid JSON, and is left to the parser. */
static bool member_at(const char *text, size_t key, const struct cut_text *cut, struct member *m)
{
	size_t p = key;
	char before;

	while (p > 0 && is_space(text[p - 1]))
		p--;
	if (p == 0)
		return false;
	p--;
	before = text[p];
	m->key = key;
	/* A comma before the copied part went with an earlier member. */
	if (before == '{' || (before == ',' && cut->copied > p)) {
		m->comma = NO_COMMA;
		return true;
	}
	if (before != ',')
		return false;
	m->comma = p;
	while (p > 0 && is_space(text[p - 1]))
		p--;
	return p > 0 && ends_value(text[p - 1]);
}

/* Leave out the member m whose value ends before text[value_end], with one
 * comma, when what follows is another member or the end of the object (so
 * that leaving it out cannot turn a text that is not JSON into JSON);
 * *resume is where the scan goes on. Returns 1 when left out, 0 when not,
 * -1 out of memory. */
static int leave_member(struct cut_text *cut, const char *text, size_t len, const struct member *m,
			size_t value_end, size_t *resume)
{
	size_t from = m->comma, to = value_end, next = after_space(text, len, value_end);

	if (next >= len)
		return 0;
	if (text[next] == ',') {
		size_t key = after_space(text, len, next + 1);

		if (key >= len || text[key] != '"')
			return 0;
	} else if (text[next] != '}') {
		return 0;
	}
	if (m->comma == NO_COMMA) {
		from = m->key;
		if (text[next] == ',')
			to = next + 1;
	}
	*resume = to;
	return leave_out(cut, text, len, from, to) == 0 ? 1 : -1;
}

/* A number, true, false or null: where it ends, or at when it is empty. */
static size_t primitive_end(const char *text, size_t len, size_t at)
{
	while (at < len && is_primitive_byte(text[at]))
		at++;
	return at;
}

/* Objects and arrays are told apart, and the keys left out of an object
 * remembered, to this depth (the decoder's limit is 64). */
#define TRACKED_DEPTH 64

int jsonscan(const char *text, size_t len, size_t max_depth, size_t max_string, size_t max_items,
	     const char *const *skip_keys, char **cut_out, size_t *cut_len, struct fault *f)
{
	struct cut_text cut = { 0 };
	struct skip_set skip;
	struct member pending = { 0 }; /* the member whose object or array is being passed */
	uint64_t is_object = 0;	       /* bit d-1: the container at depth d is an object */
	uint32_t left_out[TRACKED_DEPTH + 1] = { 0 }; /* per depth: the skip keys met */
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
			size_t start = i, end = string_end(text, len, i), j, value_end = 0, resume = 0;
			struct member m;
			int k, taken = 0;

			if (end - start > max_string)
				goto too_long;
			if (end == len)
				break; /* not closed: the parser says so */
			i = end + 1;
			if (skip.count == 0 || cut.off || skip_depth != 0 || depth == 0 ||
			    depth > TRACKED_DEPTH || !(is_object & (UINT64_C(1) << (depth - 1))))
				continue;
			j = after_space(text, len, i);
			if (j >= len || text[j] != ':')
				continue;
			k = skip_key_index(text + start, end - start, &skip);
			if (k < 0)
				continue;
			if (left_out[depth] & (UINT32_C(1) << k)) {
				/* A key twice: the parser must see both, to refuse them. */
				give_up(&cut);
				continue;
			}
			left_out[depth] |= UINT32_C(1) << k;
			if (!member_at(text, start - 1, &cut, &m))
				continue;
			j = after_space(text, len, j + 1);
			if (j >= len)
				continue;
			if (text[j] == '{' || text[j] == '[') {
				pending = m;
				skip_depth = depth + 1;
				continue;
			}
			if (text[j] == '"') {
				value_end = string_end(text, len, j + 1);
				if (value_end - (j + 1) > max_string)
					goto too_long;
				if (value_end == len)
					break;
				value_end++;
			} else {
				value_end = primitive_end(text, len, j);
				if (value_end == j)
					continue; /* no value: the parser says so */
			}
			taken = leave_member(&cut, text, len, &m, value_end, &resume);
			if (taken < 0)
				goto nomem;
			if (taken > 0) {
				if (resume > value_end)
					items++; /* the comma taken with it */
				i = resume;
			}
		} else if (c == '{' || c == '[') {
			if (++depth > max_depth) {
				fault_set(f, FAULT_TOO_LARGE, "the API response nests deeper than %zu levels",
					  max_depth);
				goto fail;
			}
			if (depth <= TRACKED_DEPTH) {
				if (c == '{')
					is_object |= UINT64_C(1) << (depth - 1);
				else
					is_object &= ~(UINT64_C(1) << (depth - 1));
				left_out[depth] = 0;
			}
			items++;
		} else if (c == '}' || c == ']') {
			if (depth > 0)
				depth--;
			if (skip_depth != 0 && depth + 1 == skip_depth) {
				size_t resume = i;
				int taken;

				skip_depth = 0;
				taken = cut.off ? 0 : leave_member(&cut, text, len, &pending, i, &resume);
				if (taken < 0)
					goto nomem;
				if (resume > i)
					items++; /* the comma taken with it */
				i = resume;
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
	give_up(&cut);
	return -1;
}
