/* test_jsonscan.c - the pass before parsing: limits, and the values left
 * out exactly where the decoder does not read, never anywhere else. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "jsonscan.h"
#include "tap.h"

static const char *const output_key[] = { "Output", NULL };
static const char *const instances_key[] = { "InvokeInstances", NULL };

/* What jsonscan makes of text with keys left out: the cut copy, or the text
 * itself when nothing was (marked by a leading '='). */
static char *scanned(const char *text, const char *const *keys, int *rc, struct fault *f)
{
	char *cut = NULL, *result;
	size_t cut_len = 0;

	fault_clear(f);
	*rc = jsonscan(text, strlen(text), 64, 1024, 1000, keys, &cut, &cut_len, f);
	if (cut == NULL) {
		result = malloc(strlen(text) + 2);
		if (result != NULL) {
			result[0] = '=';
			strcpy(result + 1, text);
		}
		return result;
	}
	if (strlen(cut) != cut_len)
		printf("# cut_len %zu, strlen %zu\n", cut_len, strlen(cut));
	return cut;
}

static void is_scanned(const char *text, const char *const *keys, const char *want,
		       const char *name)
{
	struct fault f;
	int rc;
	char *got = scanned(text, keys, &rc, &f);

	is_int(rc, 0, "%s: scans", name);
	is_str(got, want, "%s", name);
	free(got);
}

static const char *const record_keys[] = { "Output", "InvokeId", "Tags", "Timed", NULL };

static void test_left_out(void)
{
	is_scanned("{\"a\":1,\"Output\":\"b2sK\",\"b\":2}", output_key, "{\"a\":1,\"b\":2}",
		   "a member in the middle goes with the comma before it");
	is_scanned("{\"Output\":\"b2sK\",\"b\":2}", output_key, "{\"b\":2}",
		   "the first member goes with the comma after it");
	is_scanned("{\"a\":1,\"Output\":\"b2sK\"}", output_key, "{\"a\":1}", "the last member");
	is_scanned("{\"Output\":\"b2sK\"}", output_key, "{}", "the only member");
	is_scanned("{ \"Output\" :\n \"x\\\"}y\" , \"b\":[\"Output\"]}", output_key,
		   "{  \"b\":[\"Output\"]}",
		   "spaces around; an escaped quote inside; the key as a value is not a key");
	is_scanned("{\"a\":\"x\\\\\",\"Output\":\"q\"}", output_key, "{\"a\":\"x\\\\\"}",
		   "a string ending in an escaped backslash ends there");
	is_scanned("[{\"Output\":\"1\",\"k\":1},{\"k\":2,\"Output\":\"22\"},{\"Output\":\"333\"}]",
		   output_key, "[{\"k\":1},{\"k\":2},{}]", "every one, not only the first");
	is_scanned("{\"InvokeId\":\"t\",\"Output\":\"o\",\"Tags\":{\"Tag\":[]},\"Timed\":true,\"k\":1}",
		   record_keys, "{\"k\":1}", "several in a row from the start: each takes the next comma");
	is_scanned("{\"k\":1,\"InvokeId\":\"t\",\"Output\":\"o\",\"Timed\":false}", record_keys,
		   "{\"k\":1}", "several in a row at the end: each takes the comma before it");
	is_scanned("{\"InvokeId\":\"t\",\"Output\":\"o\"}", record_keys, "{}", "all of them");
	is_scanned("{\"Timed\":-1.5e3,\"k\":null,\"Tags\":null}", record_keys, "{\"k\":null}",
		   "numbers, true, false and null as values");
	is_scanned("{\"InvokeInstances\":{\"InvokeInstance\":[{\"a\":\"}]\\\"{[\"},{}]},\"k\":1}",
		   instances_key, "{\"k\":1}", "an object, brackets inside strings do not count");
	is_scanned("{\"InvokeInstances\":[1,[2],{\"c\":3}],\"k\":1}", instances_key, "{\"k\":1}",
		   "an array");
	is_scanned("{\"InvokeInstances\":{\"InvokeInstances\":{\"a\":1}},\"b\":{\"InvokeInstances\":[]}}",
		   instances_key, "{\"b\":{}}", "one inside another goes with it; a later one too");
}

/* Strings are searched eight bytes at a time: an escape or the closing
 * quote at every place of a word, and across words, must be found. */
static void test_every_position(void)
{
	int bad = 0, runs = 0;

	for (size_t n = 0; n <= 40; n++) {
		for (size_t at = 0; at + 1 < n || (n < 2 && at == 0); at++) {
			char text[160], want[160], value[64];
			struct fault f;
			int rc;
			char *got;

			memset(value, 'v', n);
			value[n] = '\0';
			if (n >= 2) { /* an escaped quote or backslash at "at" */
				value[at] = '\\';
				value[at + 1] = at % 2 ? '"' : '\\';
			}
			snprintf(text, sizeof(text), "{\"Output\":\"%s\",\"a\":\"%s\"}", value, value);
			got = scanned(text, output_key, &rc, &f);
			snprintf(want, sizeof(want), "{\"a\":\"%s\"}", value);
			runs++;
			if (rc != 0 || got == NULL || strcmp(got, want) != 0) {
				if (bad++ < 3)
					printf("# %s -> %s\n", text, got ? got : "(null)");
			}
			free(got);
		}
	}
	ok(bad == 0, "%d strings of 0 to 40 bytes with an escape at each place: %d wrong", runs, bad);
}

static void test_left_alone(void)
{
	is_scanned("{\"Output2\":\"x\",\"xOutput\":\"y\"}", output_key,
		   "={\"Output2\":\"x\",\"xOutput\":\"y\"}", "keys that only look alike are kept");
	is_scanned("{\"Out\\u0070ut\":\"x\"}", output_key, "={\"Out\\u0070ut\":\"x\"}",
		   "a key written with escapes is kept (and parsed)");
	is_scanned("{\"Output\":\"abc", output_key, "={\"Output\":\"abc",
		   "a string cut short is handed to the parser whole");
	is_scanned("{\"Output\":12", output_key, "={\"Output\":12",
		   "a number cut short is handed to the parser whole");
	is_scanned("{\"InvokeInstances\":{\"a\":[1,2", instances_key,
		   "={\"InvokeInstances\":{\"a\":[1,2", "an object cut short is handed to the parser whole");
	is_scanned("{\"Output\":\"x\"}", NULL, "={\"Output\":\"x\"}", "no keys: nothing left out");
	is_scanned("{\"Output\"}", output_key, "={\"Output\"}", "a key without a colon");
	is_scanned("[\"Output\":1]", output_key, "=[\"Output\":1]", "a key where no member can be");
	is_scanned("", output_key, "=", "an empty text");
}

/* Leaving a member out must never make JSON of what is not: what is
 * wrong around a member is left for the parser to refuse. */
static void test_still_not_json(void)
{
	static const char *const texts[] = {
		"{\"a\":1,\"Output\":}",	      /* no value */
		"{\"Output\"::1}",		      /* two colons */
		"{\"Output\":1,}",		      /* a comma and no member after it */
		"{\"Output\":\"x\",\"InvokeId\":\"y\",}", /* the same after two */
		"{\"a\":1,\"Output\":1 2}",	      /* two values */
		"[\"a\",\"Output\":1]",	      /* a member in an array */
		"{,\"Output\":1}",		      /* a comma after no member */
		"{\"a\":1,,\"Output\":1}",	      /* two commas */
		"{\"Output\":\"a\",\"Output\":\"b\"}",  /* a key twice */
		"{\"k\":{\"Tags\":[],\"x\":1,\"Tags\":{}}}", /* twice, objects */
		NULL,
	};
	static const char *const keys[] = { "Output", "InvokeId", "Tags", NULL };
	int made_json = 0, n = 0;

	for (const char *const *text = texts; *text != NULL; text++) {
		struct fault f;
		int rc;
		char *got = scanned(*text, keys, &rc, &f);
		json_t *parsed = got ? json_loads(got[0] == '=' ? got + 1 : got, JSON_REJECT_DUPLICATES, NULL)
				     : NULL;

		n++;
		if (parsed != NULL) {
			made_json++;
			printf("# %s -> %s\n", *text, got);
		}
		json_decref(parsed);
		free(got);
	}
	ok(made_json == 0, "%d texts that are not JSON: %d made JSON by leaving members out", n,
	   made_json);
	is_scanned("[{\"Output\":1},{\"Output\":2,\"k\":{\"Output\":3}}]", output_key,
		   "[{},{\"k\":{}}]", "the same key in different objects is no duplicate");
}

/* The limits are of the text as sent: what is left out counts too. */
static void test_counted(void)
{
	static const char *const keys[] = { "Output", "InvokeId", "Tags", NULL };
	const char *text = "[{\"Output\":0,\"InvokeId\":0,\"Tags\":0},{\"Output\":0,\"InvokeId\":0,"
			   "\"Tags\":0},{\"Output\":0,\"InvokeId\":0,\"Tags\":{}}]";
	struct fault f;
	char *cut = NULL;
	size_t cut_len;

	/* 5 brackets and 8 commas: 13 values by the scan's count. */
	fault_clear(&f);
	is_int(jsonscan(text, strlen(text), 64, 1024, 12, NULL, NULL, NULL, &f), -1,
	       "over the value limit without keys");
	is_int(jsonscan(text, strlen(text), 64, 1024, 12, keys, &cut, &cut_len, &f), -1,
	       "... and with them: the members left out are counted");
	ok(cut == NULL, "... and no copy is left behind");
	is_int(jsonscan(text, strlen(text), 64, 1024, 13, keys, &cut, &cut_len, &f), 0,
	       "at the limit with them");
	is_str(cut, "[{},{},{}]", "... all left out");
	free(cut);
}

static void test_limits(void)
{
	struct fault f;
	int rc;
	char *got, deep[200], items[3000];
	size_t n = 0;

	for (int i = 0; i < 65; i++)
		deep[n++] = '[';
	deep[n] = '\0';
	got = scanned(deep, NULL, &rc, &f);
	is_int(rc, -1, "65 levels refused");
	is_int(f.klass, FAULT_TOO_LARGE, "... as too large");
	ok(strstr(f.text, "deeper than 64 levels") != NULL, "... says so: %s", f.text);
	free(got);

	/* Inside a value left out too: the limits are of the text. */
	n = 0;
	memcpy(deep, "{\"Output\":", 10);
	n = 10;
	for (int i = 0; i < 64; i++)
		deep[n++] = '[';
	for (int i = 0; i < 64; i++)
		deep[n++] = ']';
	deep[n++] = '}';
	deep[n] = '\0';
	got = scanned(deep, output_key, &rc, &f);
	is_int(rc, -1, "too deep inside a value to be left out: refused, nothing leaked");
	free(got);

	n = 0;
	items[n++] = '[';
	for (int i = 0; i < 1000; i++) {
		items[n++] = '0';
		items[n++] = ',';
	}
	items[n++] = '0';
	items[n++] = ']';
	items[n] = '\0';
	got = scanned(items, NULL, &rc, &f);
	is_int(rc, -1, "1,002 values refused (limit 1,000)");
	ok(strstr(f.text, "more than 1000 JSON values") != NULL, "... says so: %s", f.text);
	free(got);

	{
		char *s = malloc(1024 + 8);

		s[0] = '"';
		memset(s + 1, 'a', 1024);
		strcpy(s + 1025, "\"");
		got = scanned(s, NULL, &rc, &f);
		is_int(rc, 0, "a string of 1,024 bytes passes");
		free(got);
		s[1024] = '\\';
		strcpy(s + 1025, "\"a\"");
		got = scanned(s, NULL, &rc, &f);
		is_int(rc, -1, "1,026 bytes, an escaped quote inside, refused");
		ok(strstr(f.text, "string of more than 1024 bytes") != NULL, "... says so: %s", f.text);
		free(got);
		free(s);
	}
}

int main(void)
{
	test_left_out();
	test_every_position();
	test_left_alone();
	test_still_not_json();
	test_counted();
	test_limits();
	return tap_done();
}
