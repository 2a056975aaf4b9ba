/* test_decode.c - response decoding: the documented shapes are read, and
 * anything else is refused with a fault that names the field. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "decode.h"
#include "jsonmem.h"
#include "tap.h"

#define LEN(s) strlen(s)

static void test_invocations(void)
{
	struct invocation inv;
	struct fault f;
	const char *body =
		"{\"RequestId\":\"R1\",\"TotalCount\":1,\"NextToken\":\"\",\"Invocations\":{\"Invocation\":["
		"{\"InvokeId\":\"t-hz0a\",\"CommandName\":\"deploy\",\"RepeatMode\":\"Period\","
		"\"Frequency\":\"rate(5m)\",\"InvocationStatus\":\"Running\",\"InvokeStatus\":\"Running\","
		"\"CreationTime\":\"2026-11-28T10:00:00Z\",\"Timed\":true,"
		"\"InvokeInstances\":{\"InvokeInstance\":[{\"InstanceId\":\"i-2\",\"Repeats\":7},"
		"{\"InstanceId\":\"i-1\",\"Repeats\":1},{\"InstanceId\":\"i-3\"}]}}]}}";

	fault_clear(&f);
	is_int(decode_invocations(body, LEN(body), "t-hz0a", &inv, &f), 0, "invocation decodes");
	ok(inv.found, "found");
	is_str(inv.command_name, "deploy", "CommandName");
	is_str(inv.repeat_mode, "Period", "RepeatMode");
	is_str(inv.invocation_status, "Running", "InvocationStatus");
	is_str(inv.invoke_status, "Running", "InvokeStatus");
	is_str(inv.creation_time, "2026-11-28T10:00:00Z", "CreationTime");
	is_int(invocation_repeats(&inv, "i-1"), 1, "Repeats of i-1");
	is_int(invocation_repeats(&inv, "i-2"), 7, "Repeats of i-2 (the list is searched, not assumed sorted)");
	is_int(invocation_repeats(&inv, "i-3"), -1, "no Repeats given: unknown");
	is_int(invocation_repeats(&inv, "i-9"), -1, "an instance not listed: unknown");
	invocation_free(&inv);

	body = "{\"Invocations\":{\"Invocation\":[{\"InvokeId\":\"t-x\",\"InvokeInstances\":"
	       "{\"InvokeInstance\":[{\"InstanceId\":\"i-1\",\"Repeats\":\"many\"}]}}]}}";
	is_int(decode_invocations(body, LEN(body), "t-x", &inv, &f), 0,
	       "Repeats as a string does not stop the check (the list is a hint)");
	is_int(invocation_repeats(&inv, "i-1"), -1, "... and is taken as unknown");
	invocation_free(&inv);

	body = "{\"RequestId\":\"R\",\"TotalCount\":0,\"Invocations\":{\"Invocation\":[]}}";
	is_int(decode_invocations(body, LEN(body), "t-x", &inv, &f), 0, "empty list decodes");
	ok(!inv.found, "empty list = not found");
	invocation_free(&inv);

	body = "{\"Invocations\":{\"Invocation\":[{\"InvokeId\":\"t-other\"}]}}";
	is_int(decode_invocations(body, LEN(body), "t-x", &inv, &f), -1, "another id is refused");
	is_int(f.klass, FAULT_SHAPE, "... as a shape fault");

	body = "{\"Invocations\":\"nope\"}";
	is_int(decode_invocations(body, LEN(body), "t-x", &inv, &f), -1, "Invocations as a string");
	ok(strstr(f.text, "Invocations is a string, not an object") != NULL, "names it: %s", f.text);

	body = "{\"Invocations\":{\"Invocation\":[{\"InvokeId\":\"t-x\",\"RepeatMode\":5}]}}";
	is_int(decode_invocations(body, LEN(body), "t-x", &inv, &f), -1, "RepeatMode as a number");
	ok(strstr(f.text, "RepeatMode") != NULL, "names the field: %s", f.text);

	body = "{\"RequestId\":\"R\"}";
	is_int(decode_invocations(body, LEN(body), "t-x", &inv, &f), -1, "no Invocations at all");
	is_int(f.klass, FAULT_SHAPE, "... is a shape fault, not NotFound");

	body = "{\"Invocations\":{\"Invocation\":[";
	is_int(decode_invocations(body, LEN(body), "t-x", &inv, &f), -1, "cut JSON");
	is_int(f.klass, FAULT_JSON, "... is a JSON fault");

	body = "{\"AccessKeySecret\": SECRETSECRET";
	is_int(decode_invocations(body, LEN(body), "t-x", &inv, &f), -1, "bare word");
	ok(strstr(f.text, "SECRET") == NULL, "the JSON error does not quote the body: %s", f.text);

	is_int(decode_invocations("", 0, "t-x", &inv, &f), -1, "empty body");
	ok(strstr(f.text, "empty") != NULL, "says empty: %s", f.text);

	body = "[1,2]";
	is_int(decode_invocations(body, LEN(body), "t-x", &inv, &f), -1, "array root");
	is_int(f.klass, FAULT_SHAPE, "... is a shape fault");

	body = "{\"Invocations\":{\"Invocation\":[{\"InvokeId\":\"t-x\",\"CommandName\":\"a\\u0000b\"}]}}";
	is_int(decode_invocations(body, LEN(body), "t-x", &inv, &f), -1, "NUL inside a string");

	body = "{\"Invocations\":{},\"Invocations\":{}}";
	is_int(decode_invocations(body, LEN(body), "t-x", &inv, &f), -1, "duplicate keys refused");
}

static void test_results(void)
{
	struct record_page page;
	struct fault f;
	const char *body =
		"{\"RequestId\":\"R\",\"Invocation\":{\"TotalCount\":2,\"NextToken\":\"tok2\","
		"\"InvocationResults\":{\"InvocationResult\":["
		"{\"InstanceId\":\"i-1\",\"InvocationStatus\":\"Failed\",\"InvokeRecordStatus\":\"Finished\","
		"\"ExitCode\":1,\"ErrorCode\":\"ExitCodeNonzero\",\"ErrorInfo\":\"bad\","
		"\"StartTime\":\"2026-11-28T10:00:00Z\",\"FinishedTime\":\"2026-11-28T10:00:05Z\",\"Repeats\":1,\"Dropped\":0},"
		"{\"InstanceId\":\"i-2\",\"InvocationStatus\":\"Running\"}]}}}";

	fault_clear(&f);
	is_int(decode_results(body, LEN(body), false, &page, &f), 0, "results decode");
	is_int(page.count, 2, "two records");
	is_str(page.next_token, "tok2", "NextToken");
	is_str(page.records[0].instance_id, "i-1", "InstanceId");
	is_str(page.records[0].legacy_status, "Finished", "InvokeRecordStatus");
	ok(page.records[0].has_exit_code && page.records[0].exit_code == 1, "ExitCode 1");
	is_str(page.records[0].error_code, "ExitCodeNonzero", "ErrorCode");
	is_str(page.records[0].finished_time, "2026-11-28T10:00:05Z", "FinishedTime");
	ok(!page.records[1].has_exit_code, "absent ExitCode is absent, not 0");
	record_page_free(&page);

	body = "{\"Invocation\":{\"InvocationResults\":{\"InvocationResult\":["
	       "{\"InstanceId\":\"i-1\",\"Output\":\"aGk=\",\"Dropped\":7}]}}}";
	is_int(decode_results(body, LEN(body), false, &page, &f), 0, "Output not kept by default");
	ok(page.records[0].output == NULL && page.records[0].dropped == 7, "... but Dropped is");
	record_page_free(&page);
	is_int(decode_results(body, LEN(body), true, &page, &f), 0, "Output kept when asked");
	is_str(page.records[0].output, "aGk=", "... as sent");
	record_page_free(&page);

	body = "{\"Invocation\":{\"InvocationResults\":{\"InvocationResult\":["
	       "{\"InstanceId\":\"i-1\",\"ExitCode\":\"1\"}]}}}";
	is_int(decode_results(body, LEN(body), false, &page, &f), -1, "ExitCode as a string refused");
	ok(strstr(f.text, "InvocationResult[0].ExitCode is a string, not an integer") != NULL,
	   "names the field: %s", f.text);

	body = "{\"Invocation\":{\"InvocationResults\":{\"InvocationResult\":["
	       "{\"InstanceId\":\"i-1\",\"ExitCode\":1.5}]}}}";
	is_int(decode_results(body, LEN(body), false, &page, &f), -1, "fractional ExitCode refused");

	body = "{\"Invocation\":{\"InvocationResults\":{\"InvocationResult\":["
	       "{\"InstanceId\":\"i-1\"},{\"InstanceId\":7}]}}}";
	is_int(decode_results(body, LEN(body), false, &page, &f), -1, "numeric InstanceId refused");
	is_int(page.count, 0, "nothing left behind on failure");

	body = "{\"Invocation\":{\"InvocationResults\":{\"InvocationResult\":[{\"InvocationStatus\":\"Running\"}]}}}";
	is_int(decode_results(body, LEN(body), false, &page, &f), -1, "record without InstanceId refused");

	body = "{\"Invocation\":{\"NextToken\":\"\",\"InvocationResults\":{\"InvocationResult\":[]}}}";
	is_int(decode_results(body, LEN(body), false, &page, &f), 0, "empty page decodes");
	ok(page.count == 0 && page.next_token && page.next_token[0] == '\0', "empty, last page");
	record_page_free(&page);

	body = "{\"Invocations\":{}}";
	is_int(decode_results(body, LEN(body), false, &page, &f), -1, "wrong action's shape refused");
}

static void test_errors(void)
{
	struct api_error err;
	const char *body = "{\"RequestId\":\"ABC-1\",\"HostId\":\"ecs.cn-hangzhou.aliyuncs.com\","
			   "\"Code\":\"Throttling.User\",\"Message\":\"Request was denied.\","
			   "\"Recommend\":\"https://example.invalid/x\"}";

	is_int(decode_error(body, LEN(body), &err), 0, "error body decodes");
	is_str(err.code, "Throttling.User", "Code");
	is_str(err.message, "Request was denied.", "Message");
	is_str(err.request_id, "ABC-1", "RequestId");
	api_error_free(&err);
	is_int(decode_error("<html>", 6, &err), -1, "HTML is not an error body");
	is_int(decode_error("{\"Message\":\"x\"}", 15, &err), -1, "no Code, not an error body");
	is_int(decode_error("{\"Code\":5}", 10, &err), -1, "numeric Code refused");
}

/* A body of n nested arrays around nothing: "[[...]]". */
static char *nested(size_t n)
{
	char *b = malloc(2 * n + 1);

	if (b == NULL)
		return NULL;
	memset(b, '[', n);
	memset(b + n, ']', n);
	b[2 * n] = '\0';
	return b;
}

/* {"Invocations":{"Invocation":[{"InvokeId":"t-x","CommandName":"xxx..."}]}}
 * with a CommandName of n bytes. */
static char *long_name(size_t n)
{
	static const char head[] =
		"{\"Invocations\":{\"Invocation\":[{\"InvokeId\":\"t-x\",\"CommandName\":\"";
	static const char tail[] = "\"}]}}";
	char *b = malloc(sizeof(head) + n + sizeof(tail));

	if (b == NULL)
		return NULL;
	memcpy(b, head, sizeof(head) - 1);
	memset(b + sizeof(head) - 1, 'x', n);
	memcpy(b + sizeof(head) - 1 + n, tail, sizeof(tail));
	return b;
}

/* "[0,0,...,0]" with n values. */
static char *many_values(size_t n)
{
	char *b = malloc(2 * n + 2);

	if (b == NULL)
		return NULL;
	b[0] = '[';
	for (size_t i = 0; i < n; i++) {
		b[1 + 2 * i] = '0';
		b[2 + 2 * i] = i + 1 < n ? ',' : ']';
	}
	b[2 * n + 1] = '\0';
	return b;
}

static void test_limits(void)
{
	struct invocation inv;
	struct record_page page;
	struct api_error err;
	struct fault f;
	char *b;

	/* Nesting: the documents are 7 levels deep; 64 pass the scan (and are
	 * then the wrong shape), 65 are refused before Jansson sees them. */
	b = nested(DECODE_MAX_DEPTH);
	is_int(decode_invocations(b, strlen(b), "t-x", &inv, &f), -1, "64 levels: decoded, wrong shape");
	is_int(f.klass, FAULT_SHAPE, "... a shape fault, not a limit");
	free(b);
	b = nested(DECODE_MAX_DEPTH + 1);
	is_int(decode_invocations(b, strlen(b), "t-x", &inv, &f), -1, "65 levels refused");
	is_int(f.klass, FAULT_TOO_LARGE, "... as too large");
	ok(strstr(f.text, "nests deeper than 64 levels") != NULL, "... saying so: %s", f.text);
	is_int(decode_error(b, strlen(b), &err), -1, "an error body is held to it too");
	free(b);
	b = nested(1000000);
	is_int(decode_results(b, strlen(b), false, &page, &f), -1, "a million levels refused at once");
	free(b);
	/* Brackets inside a string are text, not nesting. */
	{
		const char *text = "{\"Invocations\":{\"Invocation\":[{\"InvokeId\":\"t-x\","
				   "\"CommandName\":\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
				   "[[[[[[[[[[[[[[[[[[[[[[\\\"[[\"}]}}";

		is_int(decode_invocations(text, strlen(text), "t-x", &inv, &f), 0,
		       "brackets and an escaped quote inside a string are not nesting");
		invocation_free(&inv);
	}

	/* Strings: 1 MiB is kept, one byte more refused. */
	b = long_name(DECODE_MAX_STRING);
	is_int(decode_invocations(b, strlen(b), "t-x", &inv, &f), 0, "a 1 MiB string decodes");
	ok(inv.command_name && strlen(inv.command_name) == DECODE_MAX_STRING, "... whole");
	invocation_free(&inv);
	free(b);
	b = long_name(DECODE_MAX_STRING + 1);
	is_int(decode_invocations(b, strlen(b), "t-x", &inv, &f), -1, "1 MiB + 1 refused");
	ok(f.klass == FAULT_TOO_LARGE && strstr(f.text, "a string of more than 1048576 bytes") != NULL,
	   "... saying so: %s", f.text);
	free(b);

	/* Values: 250,000 pass the scan, 250,001 do not. */
	b = many_values(DECODE_MAX_ITEMS);
	is_int(decode_invocations(b, strlen(b), "t-x", &inv, &f), -1, "250,000 values: decoded, wrong shape");
	is_int(f.klass, FAULT_SHAPE, "... a shape fault, not a limit");
	free(b);
	b = many_values(DECODE_MAX_ITEMS + 1);
	is_int(decode_invocations(b, strlen(b), "t-x", &inv, &f), -1, "250,001 values refused");
	ok(f.klass == FAULT_TOO_LARGE && strstr(f.text, "more than 250000 JSON values") != NULL,
	   "... saying so: %s", f.text);
	free(b);
}

/* Numbers at the edges of what the API's int64 and int32 fields hold. */
static void test_integers(void)
{
	struct record_page page;
	struct fault f;
	const char *body =
		"{\"Invocation\":{\"InvocationResults\":{\"InvocationResult\":["
		"{\"InstanceId\":\"i-1\",\"ExitCode\":9223372036854775807,\"Dropped\":9223372036854775807,"
		"\"Repeats\":2147483648},"
		"{\"InstanceId\":\"i-2\",\"ExitCode\":-9223372036854775808},"
		"{\"InstanceId\":\"i-3\",\"ExitCode\":4294967295}]}}}";

	is_int(decode_results(body, LEN(body), false, &page, &f), 0, "int64 extremes decode");
	ok(page.records[0].exit_code == 9223372036854775807LL, "ExitCode INT64_MAX");
	ok(page.records[0].dropped == 9223372036854775807LL, "Dropped INT64_MAX");
	ok(page.records[0].repeats == 2147483648LL, "Repeats past int32");
	ok(page.records[1].exit_code == -9223372036854775807LL - 1, "ExitCode INT64_MIN");
	ok(page.records[2].exit_code == 4294967295LL, "ExitCode 0xFFFFFFFF (a Windows code), not -1");
	record_page_free(&page);

	body = "{\"Invocation\":{\"InvocationResults\":{\"InvocationResult\":["
	       "{\"InstanceId\":\"i-1\",\"ExitCode\":9223372036854775808}]}}}";
	is_int(decode_results(body, LEN(body), false, &page, &f), -1, "ExitCode past int64 refused");
	is_int(f.klass, FAULT_JSON, "... as JSON the parser cannot hold");
	body = "{\"Invocation\":{\"InvocationResults\":{\"InvocationResult\":["
	       "{\"InstanceId\":\"i-1\",\"ExitCode\":1e3}]}}}";
	is_int(decode_results(body, LEN(body), false, &page, &f), -1, "ExitCode in exponent form refused");
}

/* What is not read is not parsed (jsonscan.h): the nested instance list of
 * a one-shot invocation, the Output of records when none is shown. */
static void test_unread(void)
{
	struct invocation inv;
	struct record_page page;
	struct fault f;
	char body[512];
	const char *nested = "\"InvokeInstances\":{\"InvokeInstance\":[{\"InstanceId\" \"i-1\"}]}";

	fault_clear(&f);
	snprintf(body, sizeof(body),
		 "{\"Invocations\":{\"Invocation\":[{\"InvokeId\":\"t-o\",\"RepeatMode\":\"Once\",%s}]}}",
		 nested);
	is_int(decode_invocations(body, LEN(body), "t-o", &inv, &f), 0,
	       "Once: the nested list is not parsed (a syntax error inside goes unnoticed)");
	is_str(inv.repeat_mode, "Once", "... and the rest is read");
	invocation_free(&inv);
	snprintf(body, sizeof(body),
		 "{\"Invocations\":{\"Invocation\":[{\"InvokeId\":\"t-p\",%s,\"RepeatMode\":\"Period\"}]}}",
		 nested);
	is_int(decode_invocations(body, LEN(body), "t-p", &inv, &f), -1,
	       "Period (known only after the list): parsed again, whole, and the error found");
	is_int(f.klass, FAULT_JSON, "... as JSON");
	invocation_free(&inv);

	{
		/* Where Jansson puts the error when it parses the whole body. */
		json_error_t err;
		json_t *whole;
		char want[64];

		snprintf(body, sizeof(body),
			 "{\"Invocations\":{\"Invocation\":[{\"InvokeId\":\"t-o\",\"InvokeInstances\":"
			 "{\"InvokeInstance\":[{\"InstanceId\":\"i-1\"}]}}]},\"x\" 1}");
		whole = json_loads(body, 0, &err);
		ok(whole == NULL, "(the body is not JSON)");
		snprintf(want, sizeof(want), "at byte %d of %zu)", err.position, strlen(body));
		is_int(decode_invocations(body, LEN(body), "t-o", &inv, &f), -1, "an error after the list");
		ok(strstr(f.text, want) != NULL, "... is placed in the body as sent (%s): %s", want,
		   f.text);
	}

	snprintf(body, sizeof(body),
		 "{\"Invocations\":{\"Invocation\":[{\"InvokeId\":\"t-o\",\"InvokeInstances\":[]}]}}");
	is_int(decode_invocations(body, LEN(body), "t-o", &inv, &f), 0,
	       "Once: a nested list of the wrong kind is not read, so not refused");
	invocation_free(&inv);
	snprintf(body, sizeof(body),
		 "{\"Invocations\":{\"Invocation\":[{\"InvokeId\":\"t-p\",\"RepeatMode\":\"Period\","
		 "\"InvokeInstances\":[]}]}}");
	is_int(decode_invocations(body, LEN(body), "t-p", &inv, &f), -1,
	       "Period: the nested list is read, and one of the wrong kind refused");
	ok(strstr(f.text, "InvokeInstances is an array, not an object") != NULL, "... by name: %s",
	   f.text);

	snprintf(body, sizeof(body),
		 "{\"Invocation\":{\"InvocationResults\":{\"InvocationResult\":["
		 "{\"InstanceId\":\"i-1\",\"Output\":\"\\\"not\\u0000 parsed\"},"
		 "{\"InstanceId\":\"i-2\",\"Output\":\"aGk=\"}]}}}");
	is_int(decode_results(body, LEN(body), false, &page, &f), 0, "Output not shown: not parsed");
	ok(page.count == 2 && page.records[0].output == NULL && page.records[1].output == NULL,
	   "... and not kept");
	record_page_free(&page);
	is_int(decode_results(body, LEN(body), true, &page, &f), -1,
	       "Output shown: parsed, and a NUL in it refused");
	record_page_free(&page);
}

static void run_all(void)
{
	test_invocations();
	test_results();
	test_errors();
	test_limits();
	test_integers();
	test_unread();
}

/* Every test twice: with Jansson's own allocator (as the fuzzers run the
 * decoder), and with the plugin's (jsonmem.h: trees in an arena). */
int main(void)
{
	run_all();
	jsonmem_install();
	run_all();
	jsonmem_cleanup();
	return tap_done();
}
