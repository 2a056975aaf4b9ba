/* fuzz_decode.c - fuzz target: one response body through every decoder in
 * decode.h (DescribeInvocations, DescribeInvocationResults with and without
 * Output, API error bodies, the metadata service's and STS's credentials).
 *
 * The body is passed as the exact bytes the fuzzer made, without a NUL after
 * them, as libcurl hands bodies over: a decoder that reads past len is an
 * ASan report. */
#include "config.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "fuzz.h"
#include "jsonscan.h"

/* Asked for when the body names no invocation. */
#define OTHER_ID "t-fuzz"

/* decode_invocations() only reads the fields of the entry whose InvokeId is
 * the one asked for. Asking for the body's first InvokeId takes the fuzzer
 * into those field checks; asking for OTHER_ID as well covers "not found"
 * and "the API ignored the filter". */
static char *first_invoke_id(const uint8_t *data, size_t size)
{
	json_t *root = json_loadb((const char *)data, size, 0, NULL);
	const json_t *id;
	char *copy = NULL;

	id = json_object_get(json_object_get(root, "Invocations"), "Invocation");
	id = json_object_get(json_array_get(id, 0), "InvokeId");
	if (json_is_string(id))
		copy = strdup(json_string_value(id));
	json_decref(root);
	return copy;
}

/* Every decoder promises a failure that says why (a class and a text) and
 * leaves its output empty, so that freeing it again is harmless. */
static bool fault_said(const struct fault *f)
{
	return f->klass != FAULT_NONE && f->text[0] != '\0' &&
	       memchr(f->text, '\0', sizeof(f->text)) != NULL;
}

static bool is_zero(const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i] != 0)
			return false;
	return true;
}

static const char *check_invocations(const uint8_t *data, size_t size, const char *id)
{
	struct invocation inv;
	struct fault f;
	const char *broken = NULL;

	fault_clear(&f);
	if (decode_invocations((const char *)data, size, id, &inv, &f) != 0) {
		if (!fault_said(&f))
			broken = "decode_invocations failed without a fault";
		else if (!is_zero(&inv, sizeof(inv)))
			broken = "decode_invocations failed but left the invocation filled";
	} else if (inv.found && (inv.invoke_id == NULL || strcmp(inv.invoke_id, id) != 0)) {
		broken = "decode_invocations found an invocation with another id";
	} else if (!inv.found && !is_zero(&inv, sizeof(inv))) {
		broken = "decode_invocations said not found but filled fields";
	}
	invocation_free(&inv);
	return broken;
}

static const char *check_results(const uint8_t *data, size_t size, bool keep_output)
{
	struct record_page page;
	struct fault f;
	const char *broken = NULL;

	fault_clear(&f);
	if (decode_results((const char *)data, size, keep_output, &page, &f) != 0) {
		if (!fault_said(&f))
			broken = "decode_results failed without a fault";
		else if (!is_zero(&page, sizeof(page)))
			broken = "decode_results failed but left the page filled";
		goto done;
	}
	if ((page.count == 0) != (page.records == NULL)) {
		broken = "decode_results: records and count disagree";
		goto done;
	}
	for (size_t i = 0; i < page.count; i++) {
		const struct record *r = &page.records[i];

		if (r->instance_id == NULL || r->instance_id[0] == '\0')
			broken = "decode_results kept a record without InstanceId";
		else if (!keep_output && r->output != NULL)
			broken = "decode_results kept Output it was told to drop";
		else if (r->state != RUN_RUNNING || r->running_start != NULL || r->hung ||
			 r->stale || r->over_s != 0)
			broken = "decode_results filled a field that is the checker's";
		if (broken != NULL)
			break;
	}
done:
	record_page_free(&page);
	return broken;
}

static const char *check_error(const uint8_t *data, size_t size)
{
	struct api_error err;
	const char *broken = NULL;
	int rc = decode_error((const char *)data, size, &err);

	if (rc == 0 && (err.code == NULL || err.code[0] == '\0'))
		broken = "decode_error accepted an error without a Code";
	else if (rc != 0 && !is_zero(&err, sizeof(err)))
		broken = "decode_error failed but left the error filled";
	api_error_free(&err);
	return broken;
}

/* The members jsonscan() leaves out, as the decoders do. */
static const char *const scan_keys[] = { "Output", "InvokeId", "Tags", "InvokeInstances", "Timed", NULL };

/* t without any member named in scan_keys, at any depth. */
static void drop_scan_keys(json_t *t)
{
	size_t i;
	json_t *v;

	if (json_is_array(t)) {
		json_array_foreach(t, i, v)
			drop_scan_keys(v);
	} else if (json_is_object(t)) {
		for (const char *const *k = scan_keys; *k != NULL; k++)
			json_object_del(t, *k);
		{
			const char *key;

			json_object_foreach(t, key, v)
				drop_scan_keys(v);
		}
	}
}

/* What jsonscan.h promises: when the text is JSON, the cut text is JSON
 * too, and the same once the members it may leave out are taken from both
 * (a key written with escapes is kept in the cut text, and dropped here). */
static const char *check_scan(const uint8_t *data, size_t size)
{
	struct fault f;
	char *cut = NULL;
	size_t cut_len = 0;
	json_t *whole, *part;
	const char *broken = NULL;

	fault_clear(&f);
	if (jsonscan((const char *)data, size, DECODE_MAX_DEPTH, DECODE_MAX_STRING, DECODE_MAX_ITEMS,
		     scan_keys, &cut, &cut_len, &f) != 0)
		return fault_said(&f) && cut == NULL ? NULL : "jsonscan failed without a fault";
	whole = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, NULL);
	if (whole != NULL && cut != NULL) {
		part = json_loadb(cut, cut_len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, NULL);
		if (part == NULL) {
			broken = "jsonscan made JSON into something that is not";
		} else {
			drop_scan_keys(whole);
			drop_scan_keys(part);
			if (!json_equal(whole, part))
				broken = "jsonscan left out more, or other, than the members named";
		}
		json_decref(part);
	}
	json_decref(whole);
	free(cut);
	return broken;
}

/* What both credential decoders promise: all three secrets, or nothing. */
static const char *check_credentials(int rc, const struct credentials *c, const struct fault *f)
{
	if (rc != 0 && !fault_said(f))
		return "a credentials decoder failed without a fault";
	if (rc != 0)
		return is_zero(c, sizeof(*c)) ? NULL : "a credentials decoder failed but left keys";
	if (c->access_key_id == NULL || c->access_key_id[0] == '\0' ||
	    c->access_key_secret == NULL || c->access_key_secret[0] == '\0' ||
	    c->security_token == NULL || c->security_token[0] == '\0')
		return "a credentials decoder accepted an answer without all three secrets";
	return NULL;
}

const char *fuzz_decode(const uint8_t *data, size_t size)
{
	struct credentials creds;
	struct fault f;
	char *id = first_invoke_id(data, size);
	const char *broken;
	int rc;

	broken = check_scan(data, size);
	if (broken == NULL)
		broken = check_invocations(data, size, id != NULL ? id : OTHER_ID);
	if (broken == NULL && id != NULL)
		broken = check_invocations(data, size, OTHER_ID);
	free(id);
	if (broken == NULL)
		broken = check_results(data, size, true);
	if (broken == NULL)
		broken = check_results(data, size, false);
	if (broken == NULL)
		broken = check_error(data, size);
	if (broken == NULL) {
		fault_clear(&f);
		rc = decode_metadata_credentials((const char *)data, size, &creds, &f);
		broken = check_credentials(rc, &creds, &f);
		credentials_free(&creds);
	}
	if (broken == NULL) {
		fault_clear(&f);
		rc = decode_assume_role((const char *)data, size, &creds, &f);
		broken = check_credentials(rc, &creds, &f);
		credentials_free(&creds);
	}
	return broken;
}
