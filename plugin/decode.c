/* decode.c - see decode.h. Jansson does the parsing; this file checks that
 * what was parsed has the documented shape, field by field. */
#include "config.h"

#include "decode.h"

#include <jansson.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "jsonmem.h"
#include "jsonscan.h"
#include "status.h"
#include "util.h"

/* A field path for messages, e.g. "Invocation.InvocationResults.InvocationResult[3]". */
#define PATH_SIZE 160

const char *decode_json_kind(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER: return "an integer";
	case JSON_REAL: return "a fractional number";
	case JSON_TRUE:
	case JSON_FALSE: return "a boolean";
	case JSON_NULL: return "null";
	}
	return "something else";
}

static int shape_fault(struct fault *f, const char *path, const char *key, const char *want,
		       const json_t *got)
{
	fault_set(f, FAULT_SHAPE,
		  "the API response does not have the documented shape: %s%s%s is %s, not %s", path,
		  *path ? "." : "", key, decode_json_kind(got), want);
	return -1;
}

static int nomem(struct fault *f)
{
	fault_set(f, FAULT_NOMEM, "out of memory while reading the API response");
	return -1;
}

/* Optional string: absent or null leaves *out NULL. */
static int get_string(const json_t *obj, const char *key, const char *path, char **out,
		      struct fault *f)
{
	const json_t *v = json_object_get(obj, key);

	*out = NULL;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return shape_fault(f, path, key, "a string", v);
	/* Strings with NUL bytes cannot be printed or compared safely. */
	if (strlen(json_string_value(v)) != json_string_length(v)) {
		fault_set(f, FAULT_SHAPE, "the API response has a NUL character in %s.%s", path, key);
		return -1;
	}
	*out = strdup(json_string_value(v));
	return *out ? 0 : nomem(f);
}

/* Optional integer. */
static int get_integer(const json_t *obj, const char *key, const char *path, bool *has,
		       long long *out, struct fault *f)
{
	const json_t *v = json_object_get(obj, key);

	*has = false;
	*out = 0;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_integer(v))
		return shape_fault(f, path, key, "an integer", v);
	*has = true;
	*out = (long long)json_integer_value(v);
	return 0;
}

/* Optional object or array member of the given type; absent/null gives NULL. */
static int get_container(const json_t *obj, const char *key, const char *path, json_type type,
			 const json_t **out, struct fault *f)
{
	const json_t *v = json_object_get(obj, key);

	*out = NULL;
	if (v == NULL || json_is_null(v))
		return 0;
	if (json_typeof(v) != type)
		return shape_fault(f, path, key, type == JSON_OBJECT ? "an object" : "an array", v);
	*out = v;
	return 0;
}

/* Give back the tree parse() returned: the arena all at once when it was
 * parsed there, node by node otherwise. */
static void release(json_t *root, bool in_arena)
{
	if (in_arena)
		jsonmem_arena_end();
	else
		json_decref(root);
}

/* The body as a JSON object, to be given back with release(root,
 * *in_arena); or NULL with f set, and nothing to give back. The members
 * named in skip_keys (NULL: none) are left out (jsonscan.h); *skipped (if
 * not NULL) says whether one was. */
static json_t *parse(const char *body, size_t len, const char *const *skip_keys, bool *skipped,
		     bool *in_arena, struct fault *f)
{
	json_error_t err;
	json_t *root;
	char *cut = NULL;
	size_t cut_len = 0;
	unsigned long failures = jsonmem_failures();

	*in_arena = false;
	if (skipped != NULL)
		*skipped = false;
	if (jsonscan(body, len, DECODE_MAX_DEPTH, DECODE_MAX_STRING, DECODE_MAX_ITEMS, skip_keys, &cut,
		     &cut_len, f) != 0) {
		if (f->klass == FAULT_TOO_LARGE)
			f->advice = "the ECS API never sends that; check -e and any proxy";
		return NULL;
	}
	*in_arena = jsonmem_arena_begin();
	/* A parse that ran out of memory may have cut a value short (jsonmem.h). */
	if (cut != NULL) {
		root = json_loadb(cut, cut_len, JSON_REJECT_DUPLICATES, &err);
		secure_wipe(cut, cut_len);
		free(cut);
		if (root == NULL && jsonmem_failures() == failures) {
			/* Parsed whole, the error is placed in the body as sent. */
			root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &err);
		} else if (skipped != NULL) {
			*skipped = true;
		}
	} else {
		root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &err);
	}
	if (jsonmem_failures() != failures) {
		nomem(f);
		goto fail;
	}
	if (root == NULL) {
		/* Jansson ends its message with "near '<text>'", which quotes the
		 * body: a cut metadata or STS answer would show part of a secret. */
		char *near = strstr(err.text, " near ");

		if (near != NULL)
			*near = '\0';
		if (len == 0)
			fault_set(f, FAULT_JSON, "the API sent an empty response body");
		else
			fault_set(f, FAULT_JSON,
				  "the API response is not valid JSON (%s, at byte %d of %zu)", err.text,
				  err.position, len);
		goto fail;
	}
	if (!json_is_object(root)) {
		fault_set(f, FAULT_SHAPE, "the API response is %s, not a JSON object",
			  decode_json_kind(root));
		goto fail;
	}
	return root;
fail:
	release(root, *in_arena);
	*in_arena = false;
	return NULL;
}

static int by_runs_id(const void *a, const void *b)
{
	const struct instance_runs *x = a, *y = b;

	return strcmp(x->instance_id, y->instance_id);
}

/* Repeats of each listed instance: the history reader uses it to know an
 * instance has no earlier run to be judged by. The list is a hint, not the
 * instance list (DescribeInvocationResults is), so an entry without a string
 * InstanceId and an integer Repeats is passed over rather than refused. */
static int decode_instance_runs(const json_t *list, struct invocation *inv, struct fault *f)
{
	size_t n = list ? json_array_size(list) : 0;

	if (n == 0)
		return 0;
	inv->runs = calloc(n, sizeof(*inv->runs));
	if (inv->runs == NULL) {
		fault_set(f, FAULT_NOMEM, "out of memory while reading the invocation");
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		const json_t *entry = json_array_get(list, i);
		const json_t *id = json_object_get(entry, "InstanceId");
		const json_t *repeats = json_object_get(entry, "Repeats");
		struct instance_runs *slot = &inv->runs[inv->runs_count];

		if (!json_is_string(id) || !json_is_integer(repeats))
			continue;
		slot->instance_id = strdup(json_string_value(id));
		if (slot->instance_id == NULL) {
			fault_set(f, FAULT_NOMEM, "out of memory while reading the invocation");
			return -1;
		}
		slot->repeats = (long long)json_integer_value(repeats);
		inv->runs_count++;
	}
	qsort(inv->runs, inv->runs_count, sizeof(*inv->runs), by_runs_id);
	return 0;
}

long long invocation_repeats(const struct invocation *inv, const char *instance_id)
{
	struct instance_runs key = { .instance_id = (char *)instance_id };
	const struct instance_runs *hit;

	if (inv->runs_count == 0 || instance_id == NULL)
		return -1;
	hit = bsearch(&key, inv->runs, inv->runs_count, sizeof(*inv->runs), by_runs_id);
	return hit ? hit->repeats : -1;
}

/* The invocation invoke_id from a parsed DescribeInvocations answer. */
static int invocation_from_tree(const json_t *root, const char *invoke_id, struct invocation *inv,
				struct fault *f)
{
	const json_t *invocations, *list, *entry = NULL, *instances, *instance_list;

	if (get_container(root, "Invocations", "", JSON_OBJECT, &invocations, f) != 0)
		return -1;
	if (invocations == NULL) {
		fault_set(f, FAULT_SHAPE,
			  "the API response has no Invocations object: not a DescribeInvocations answer");
		return -1;
	}
	if (get_container(invocations, "Invocation", "Invocations", JSON_ARRAY, &list, f) != 0)
		return -1;
	for (size_t i = 0; list != NULL && i < json_array_size(list); i++) {
		const json_t *candidate = json_array_get(list, i);
		const json_t *id;

		if (!json_is_object(candidate)) {
			shape_fault(f, "Invocations", "Invocation[]", "an object", candidate);
			return -1;
		}
		id = json_object_get(candidate, "InvokeId");
		if (json_is_string(id) && strcmp(json_string_value(id), invoke_id) == 0) {
			entry = candidate;
			break;
		}
	}
	if (entry == NULL) {
		if (list != NULL && json_array_size(list) > 0) {
			fault_set(f, FAULT_SHAPE,
				  "the API answered with other invocations than %s: it ignored the InvokeId filter",
				  invoke_id);
			return -1;
		}
		return 0; /* the API's way of saying "no such invocation" */
	}

	inv->found = true;
	if (get_string(entry, "InvokeId", "Invocation", &inv->invoke_id, f) != 0 ||
	    get_string(entry, "CommandName", "Invocation", &inv->command_name, f) != 0 ||
	    get_string(entry, "RepeatMode", "Invocation", &inv->repeat_mode, f) != 0 ||
	    get_string(entry, "Frequency", "Invocation", &inv->frequency, f) != 0 ||
	    get_string(entry, "InvocationStatus", "Invocation", &inv->invocation_status, f) != 0 ||
	    get_string(entry, "InvokeStatus", "Invocation", &inv->invoke_status, f) != 0 ||
	    get_string(entry, "CreationTime", "Invocation", &inv->creation_time, f) != 0)
		return -1;
	if (get_container(entry, "InvokeInstances", "Invocation", JSON_OBJECT, &instances, f) != 0)
		return -1;
	if (instances == NULL)
		return 0;
	if (get_container(instances, "InvokeInstance", "Invocation.InvokeInstances", JSON_ARRAY,
			  &instance_list, f) != 0)
		return -1;
	return decode_instance_runs(instance_list, inv, f);
}

/* The list of instances nested in the answer is half of it for a large
 * invocation, and only periodic invocations with a history use it (the
 * Repeats of each instance, check.c): it is left out (jsonscan.h), and the
 * body parsed again, whole, when the invocation turns out to need it. */
int decode_invocations(const char *body, size_t len, const char *invoke_id, struct invocation *out,
		       struct fault *f)
{
	static const char *const unread[] = { "InvokeInstances", NULL };
	struct invocation inv = { 0 };
	json_t *root;
	bool in_arena, skipped;
	int rc;

	memset(out, 0, sizeof(*out));
	root = parse(body, len, unread, &skipped, &in_arena, f);
	if (root == NULL)
		return -1;
	rc = invocation_from_tree(root, invoke_id, &inv, f);
	release(root, in_arena);
	if (rc == 0 && skipped && status_repeat_has_history(inv.repeat_mode)) {
		invocation_free(&inv);
		root = parse(body, len, NULL, NULL, &in_arena, f);
		if (root == NULL)
			return -1;
		rc = invocation_from_tree(root, invoke_id, &inv, f);
		release(root, in_arena);
	}
	if (rc == 0)
		*out = inv;
	else
		invocation_free(&inv);
	return rc;
}

static int decode_record(const json_t *obj, const char *path, bool keep_output, struct record *rec,
			 struct fault *f)
{
	bool has;

	memset(rec, 0, sizeof(*rec));
	if (!json_is_object(obj)) {
		fault_set(f, FAULT_SHAPE,
			  "the API response does not have the documented shape: %s is %s, not an object",
			  path, decode_json_kind(obj));
		return -1;
	}
	if (get_string(obj, "InstanceId", path, &rec->instance_id, f) != 0 ||
	    get_string(obj, "InvocationStatus", path, &rec->invocation_status, f) != 0 ||
	    get_string(obj, "InvokeRecordStatus", path, &rec->legacy_status, f) != 0 ||
	    get_string(obj, "ErrorCode", path, &rec->error_code, f) != 0 ||
	    get_string(obj, "ErrorInfo", path, &rec->error_info, f) != 0 ||
	    get_string(obj, "StartTime", path, &rec->start_time, f) != 0 ||
	    get_string(obj, "FinishedTime", path, &rec->finished_time, f) != 0 ||
	    get_integer(obj, "ExitCode", path, &rec->has_exit_code, &rec->exit_code, f) != 0 ||
	    get_integer(obj, "Repeats", path, &has, &rec->repeats, f) != 0 ||
	    get_integer(obj, "Dropped", path, &has, &rec->dropped, f) != 0 ||
	    (keep_output && get_string(obj, "Output", path, &rec->output, f) != 0))
		goto fail;
	if (rec->instance_id == NULL || rec->instance_id[0] == '\0') {
		fault_set(f, FAULT_SHAPE, "the API response has a record without InstanceId (%s)",
			  path);
		goto fail;
	}
	rec->state = RUN_RUNNING;
	return 0;
fail:
	record_free(rec);
	return -1;
}

int decode_results(const char *body, size_t len, bool keep_output, struct record_page *out,
		   struct fault *f)
{
	/* The members of a record decode_record() does not read (aliyun-api.md
	 * 2.2) are left out before parsing (jsonscan.h); Output too when it is
	 * not kept, which is most of a page when commands are chatty (up to
	 * 24 KB a record). Output must stay first. */
	static const char *const unread[] = {
		"Output", "InvokeId", "CommandId", "StopTime", "Username", "TerminationMode",
		"Launcher", "ContainerId", "ContainerName", "OssOutputDelivery", "OssOutputStatus",
		"OssOutputUri", "OssOutputErrorCode", "OssOutputErrorInfo", "Tags", NULL,
	};
	struct record_page page = { 0 };
	const json_t *invocation, *results, *list;
	json_t *root;
	bool in_arena;
	size_t i, n;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	root = parse(body, len, keep_output ? unread + 1 : unread, NULL, &in_arena, f);
	if (root == NULL)
		return -1;
	if (get_container(root, "Invocation", "", JSON_OBJECT, &invocation, f) != 0)
		goto done;
	if (invocation == NULL) {
		fault_set(f, FAULT_SHAPE,
			  "the API response has no Invocation object: not a DescribeInvocationResults answer");
		goto done;
	}
	if (get_string(invocation, "NextToken", "Invocation", &page.next_token, f) != 0 ||
	    get_container(invocation, "InvocationResults", "Invocation", JSON_OBJECT, &results,
			  f) != 0)
		goto done;
	list = NULL;
	if (results != NULL &&
	    get_container(results, "InvocationResult", "Invocation.InvocationResults", JSON_ARRAY,
			  &list, f) != 0)
		goto done;
	n = list ? json_array_size(list) : 0;
	if (n > 0) {
		page.records = calloc(n, sizeof(*page.records));
		if (page.records == NULL) {
			nomem(f);
			goto done;
		}
	}
	for (i = 0; i < n; i++) {
		char path[PATH_SIZE];

		snprintf(path, sizeof(path), "Invocation.InvocationResults.InvocationResult[%zu]", i);
		if (decode_record(json_array_get(list, i), path, keep_output, &page.records[i], f) != 0)
			goto done;
		page.count++;
	}
	rc = 0;
done:
	if (rc == 0)
		*out = page;
	else
		record_page_free(&page);
	release(root, in_arena);
	return rc;
}

int decode_error(const char *body, size_t len, struct api_error *out)
{
	struct fault ignored;
	json_t *root;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (jsonscan(body, len, DECODE_MAX_DEPTH, DECODE_MAX_STRING, DECODE_MAX_ITEMS, NULL, NULL, NULL,
		     &ignored) != 0)
		return -1;
	root = json_loadb(body, len, 0, NULL);
	if (root == NULL)
		return -1;
	if (json_is_object(root) && get_string(root, "Code", "", &out->code, &ignored) == 0 &&
	    out->code != NULL && out->code[0] != '\0' &&
	    get_string(root, "Message", "", &out->message, &ignored) == 0 &&
	    get_string(root, "RequestId", "", &out->request_id, &ignored) == 0)
		rc = 0;
	if (rc != 0)
		api_error_free(out);
	json_decref(root);
	return rc;
}

/* The three secrets of temporary credentials from obj into out. */
static int take_temporary_keys(const json_t *obj, const char *path, struct credentials *out,
			       struct fault *f)
{
	if (get_string(obj, "AccessKeyId", path, &out->access_key_id, f) != 0 ||
	    get_string(obj, "AccessKeySecret", path, &out->access_key_secret, f) != 0 ||
	    get_string(obj, "SecurityToken", path, &out->security_token, f) != 0 ||
	    get_string(obj, "Expiration", path, &out->expiration, f) != 0)
		return -1;
	if (out->access_key_id == NULL || !*out->access_key_id || out->access_key_secret == NULL ||
	    !*out->access_key_secret || out->security_token == NULL || !*out->security_token) {
		fault_set(f, FAULT_CREDENTIALS,
			  "the answer has no AccessKeyId, AccessKeySecret or SecurityToken");
		return -1;
	}
	return 0;
}

int decode_metadata_credentials(const char *body, size_t len, struct credentials *out,
				struct fault *f)
{
	char *code = NULL;
	json_t *root;
	bool in_arena;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	root = parse(body, len, NULL, NULL, &in_arena, f);
	if (root == NULL)
		return -1;
	if (get_string(root, "Code", "", &code, f) != 0)
		goto done;
	if (code == NULL || strcmp(code, "Success") != 0) {
		fault_set(f, FAULT_CREDENTIALS,
			  "the ECS metadata service answered Code '%.40s', not Success: the role's credentials are not available",
			  code == NULL ? "(none)" : is_plain_word(code, strlen(code)) ? code : "(not shown)");
		goto done;
	}
	rc = take_temporary_keys(root, "", out, f);
done:
	if (rc != 0)
		credentials_free(out);
	free(code);
	release(root, in_arena);
	return rc;
}

int decode_assume_role(const char *body, size_t len, struct credentials *out, struct fault *f)
{
	const json_t *creds;
	json_t *root;
	bool in_arena;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	root = parse(body, len, NULL, NULL, &in_arena, f);
	if (root == NULL)
		return -1;
	if (get_container(root, "Credentials", "", JSON_OBJECT, &creds, f) != 0)
		goto done;
	if (creds == NULL) {
		fault_set(f, FAULT_SHAPE, "the STS answer has no Credentials object");
		goto done;
	}
	rc = take_temporary_keys(creds, "Credentials", out, f);
done:
	if (rc != 0)
		credentials_free(out);
	release(root, in_arena);
	return rc;
}

void invocation_free(struct invocation *inv)
{
	for (size_t i = 0; i < inv->runs_count; i++)
		free(inv->runs[i].instance_id);
	free(inv->runs);
	free(inv->invoke_id);
	free(inv->command_name);
	free(inv->repeat_mode);
	free(inv->frequency);
	free(inv->invocation_status);
	free(inv->invoke_status);
	free(inv->creation_time);
	memset(inv, 0, sizeof(*inv));
}

void record_free(struct record *rec)
{
	free(rec->instance_id);
	free(rec->invocation_status);
	free(rec->legacy_status);
	free(rec->error_code);
	free(rec->error_info);
	free(rec->start_time);
	free(rec->finished_time);
	free(rec->running_start);
	free(rec->output);
	memset(rec, 0, sizeof(*rec));
}

void record_page_free(struct record_page *page)
{
	/* Also called on half-built pages: without an array there is nothing
	 * to walk, whatever count says (clang-analyzer loses count there). */
	for (size_t i = 0; page->records != NULL && i < page->count; i++)
		record_free(&page->records[i]);
	free(page->records);
	free(page->next_token);
	memset(page, 0, sizeof(*page));
}

void api_error_free(struct api_error *err)
{
	free(err->code);
	free(err->message);
	free(err->request_id);
	memset(err, 0, sizeof(*err));
}
