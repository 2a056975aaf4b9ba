/* api.c - see api.h. */
#include "config.h"

#include "api.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sign.h"

#define SIGNATURE_MISMATCH_PREFIX "server string to sign is:"

static void trace(struct api_client *api, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void trace(struct api_client *api, int level, const char *fmt, ...)
{
	va_list ap;

	if (api->trace == NULL || api->verbosity < level)
		return;
	va_start(ap, fmt);
	strbuf_vprintf(api->trace, fmt, ap);
	va_end(ap);
	strbuf_putc(api->trace, '\n');
}

/* Replace every occurrence of a secret in s by "****", in place, so that no
 * text from the server (which may echo what we sent) can leak it. */
static void redact(char *s, const char *secret)
{
	size_t n;
	char *hit;

	if (s == NULL || secret == NULL || (n = strlen(secret)) < 4)
		return;
	while ((hit = strstr(s, secret)) != NULL) {
		memmove(hit + 4, hit + n, strlen(hit + n) + 1);
		memcpy(hit, "****", 4);
	}
}

const char *api_signature_verdict(const char *message, const char *ours)
{
	const char *theirs = message ? strstr(message, SIGNATURE_MISMATCH_PREFIX) : NULL;

	if (theirs == NULL || ours == NULL)
		return "the AccessKey secret is probably wrong";
	theirs += strlen(SIGNATURE_MISMATCH_PREFIX);
	while (*theirs == ' ')
		theirs++;
	if (strcmp(theirs, ours) == 0)
		return "the server built the same string to sign, so the AccessKey secret is wrong";
	return "the server built a different string to sign: a bug in this plugin, please report it";
}

static bool is_throttling(long status, const char *code)
{
	return status == 429 || (code != NULL && strstr(code, "Throttling") != NULL);
}

/* Sleep for seconds, but never past the deadline. */
static void nap(double seconds)
{
	struct timespec ts;

	if (seconds <= 0)
		return;
	ts.tv_sec = (time_t)seconds;
	ts.tv_nsec = (long)((seconds - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* A random fraction in [0.5, 1): "equal jitter" keeps retries of many checks
 * from hitting a throttled API in lock step, while still backing off. */
static double jitter(void)
{
	char nonce[SIGN_NONCE_SIZE], byte[3];

	/* The nonce is 32 hex digits from the OS random source: two of them
	 * make a random byte without another source of randomness. */
	if (sign_nonce(nonce) != 0)
		return 0.75;
	byte[0] = nonce[0];
	byte[1] = nonce[1];
	byte[2] = '\0';
	return 0.5 + (double)strtoul(byte, NULL, 16) / 512.0;
}

/* Build and sign one request; *url gets the full URL (it contains the
 * signature and maybe a token: never shown), *to_sign our string-to-sign. */
static int build_request(struct api_client *api, const char *action,
			 const struct params *action_params, struct strbuf *url,
			 struct strbuf *to_sign, struct fault *f)
{
	struct params all;
	char nonce[SIGN_NONCE_SIZE], timestamp[SIGN_TIMESTAMP_SIZE];
	char signature[SIGN_V1_SIGNATURE_SIZE];
	int rc = -1;

	params_init(&all);
	if (sign_nonce(nonce) != 0 || sign_timestamp(time(NULL), timestamp) != 0) {
		fault_set(f, FAULT_INTERNAL, "cannot make a request nonce or timestamp");
		goto done;
	}
	if (params_add(&all, "Action", action) != 0 || params_add(&all, "Version", API_VERSION) != 0 ||
	    params_add(&all, "Format", "JSON") != 0 ||
	    params_add(&all, "AccessKeyId", api->creds->access_key_id) != 0 ||
	    params_add(&all, "SignatureMethod", "HMAC-SHA1") != 0 ||
	    params_add(&all, "SignatureVersion", "1.0") != 0 ||
	    params_add(&all, "SignatureNonce", nonce) != 0 ||
	    params_add(&all, "Timestamp", timestamp) != 0 ||
	    params_add(&all, "RegionId", api->region) != 0 ||
	    (api->creds->security_token != NULL &&
	     params_add(&all, "SecurityToken", api->creds->security_token) != 0))
		goto nomem;
	for (size_t i = 0; i < action_params->count; i++)
		if (params_add(&all, action_params->items[i].name, action_params->items[i].value) != 0)
			goto nomem;
	strbuf_reset(to_sign);
	if (sign_v1("POST", &all, api->creds->access_key_secret, to_sign, signature) != 0) {
		fault_set(f, FAULT_INTERNAL, "cannot sign the request");
		goto done;
	}
	strbuf_reset(url);
	if (strbuf_printf(url, "%s/?", api->endpoint) != 0 || sign_canonical_query(&all, url) != 0 ||
	    strbuf_puts(url, "&Signature=") != 0 || sign_percent_encode(url, signature) != 0)
		goto nomem;
	if (api->verbosity >= 3) {
		/* The trace shows what was signed, with the secrets taken out. */
		struct strbuf shown;

		strbuf_init(&shown, 8192);
		if (api->creds->security_token)
			params_set(&all, "SecurityToken", "REDACTED");
		sign_canonical_query(&all, &shown);
		trace(api, 3, "  request: POST %s/?%s&Signature=REDACTED", api->endpoint,
		      shown.data ? shown.data : "");
		strbuf_free(&shown);
	}
	rc = 0;
	goto done;
nomem:
	fault_set(f, FAULT_NOMEM, "out of memory");
done:
	secure_wipe(signature, sizeof(signature));
	params_free(&all);
	return rc;
}

/* Make a fault of an HTTP answer that is not 200. Returns true when the
 * request is worth another try. */
static bool answer_fault(struct api_client *api, const struct http_response *resp,
			 const char *to_sign, bool nonce_retried, struct fault *f)
{
	struct api_error err;
	bool retry = false;

	if (decode_error(resp->body.data, resp->body.len, &err) != 0) {
		fault_set(f, FAULT_HTTP, "HTTP %ld from %s without an API error body", resp->status,
			  api->endpoint);
		return resp->status >= 500 || resp->status == 429;
	}
	redact(err.message, api->creds->access_key_secret);
	redact(err.message, api->creds->security_token);
	if (strcmp(err.code, "SignatureDoesNotMatch") == 0) {
		/* Its Message echoes the whole string to sign, which holds the
		 * security token: show our verdict instead. */
		fault_set(f, FAULT_API, "API error SignatureDoesNotMatch: %s (RequestId %s)",
			  api_signature_verdict(err.message, to_sign),
			  err.request_id ? err.request_id : "none");
	} else {
		bool throttled = is_throttling(resp->status, err.code);

		fault_set(f, throttled ? FAULT_THROTTLED : FAULT_API,
			  "API error %.80s: %.200s (HTTP %ld, RequestId %.60s)", err.code,
			  err.message ? err.message : "no message", resp->status,
			  err.request_id ? err.request_id : "none");
		retry = throttled || resp->status >= 500 || strcmp(err.code, "ServiceUnavailable") == 0;
		if (strcmp(err.code, "SignatureNonceUsed") == 0 && !nonce_retried)
			retry = true;
	}
	snprintf(f->code, sizeof(f->code), "%s", err.code);
	api_error_free(&err);
	return retry;
}

/* Send action with its parameters until it succeeds, fails for good, or the
 * deadline comes. On success resp holds the 200 answer. */
static int api_call(struct api_client *api, const char *action, const struct params *action_params,
		    struct http_response *resp, struct fault *f)
{
	struct strbuf url, to_sign;
	double backoff = 0.2;
	bool nonce_retried = false;
	int attempt, rc = -1;

	strbuf_init_secret(&url, 65536);
	strbuf_init_secret(&to_sign, 65536);
	for (attempt = 1;; attempt++) {
		double started, delay;
		bool retry;

		if (build_request(api, action, action_params, &url, &to_sign, f) != 0)
			break;
		started = http_now();
		api->requests++;
		if (http_request(api->http, "POST", url.data, api->endpoint, NULL, api->deadline, resp,
				 f) != 0) {
			trace(api, 2, "  %s: %s (%s, %.3f s)", action, f->text,
			      fault_class_name(f->klass), http_now() - started);
			retry = f->retryable;
		} else if (resp->status == 200) {
			trace(api, 2, "  %s: HTTP 200, %zu bytes (%.3f s)", action, resp->body.len,
			      http_now() - started);
			rc = 0;
			break;
		} else {
			retry = answer_fault(api, resp, to_sign.data, nonce_retried, f);
			trace(api, 2, "  %s: HTTP %ld %s (%.3f s)", action, resp->status,
			      f->code[0] ? f->code : "", http_now() - started);
			if (strcmp(f->code, "SignatureNonceUsed") == 0)
				nonce_retried = true;
		}
		if (!retry || attempt >= API_MAX_ATTEMPTS)
			break;
		delay = backoff * jitter();
		if (resp->retry_after_ms >= 0)
			delay = (double)resp->retry_after_ms / 1000.0;
		if (strcmp(f->code, "SignatureNonceUsed") == 0)
			delay = 0;
		/* Give up when the pause would eat the rest of the deadline: the
		 * last error is more useful than a timeout. */
		if (http_now() + delay + 0.05 >= api->deadline)
			break;
		trace(api, 2, "  retrying in %.3f s (attempt %d of %d)", delay, attempt + 1,
		      API_MAX_ATTEMPTS);
		nap(delay);
		backoff *= 2;
		api->retries++;
	}
	if (rc != 0 && attempt > 1) {
		size_t n = strlen(f->text);
		snprintf(f->text + n, sizeof(f->text) - n, " after %d attempts", attempt);
	}
	strbuf_wipe(&url);
	strbuf_wipe(&to_sign);
	return rc;
}

int api_describe_invocation(struct api_client *api, const char *invoke_id, struct invocation *out,
			    struct fault *f)
{
	struct params p;
	struct http_response resp;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	params_init(&p);
	http_response_init(&resp);
	/* Output is not needed to judge the invocation and can be large. */
	if (params_add(&p, "InvokeId", invoke_id) != 0 ||
	    params_add(&p, "IncludeOutput", "false") != 0 ||
	    params_add(&p, "MaxResults", API_PAGE_SIZE) != 0) {
		fault_set(f, FAULT_NOMEM, "out of memory");
		goto done;
	}
	if (api_call(api, "DescribeInvocations", &p, &resp, f) != 0)
		goto done;
	rc = decode_invocations(resp.body.data, resp.body.len, invoke_id, out, f);
done:
	http_response_free(&resp);
	params_free(&p);
	return rc;
}

int api_results_page(struct api_client *api, const char *invoke_id, bool with_history,
		     const char *next_token, struct record_page *out, struct fault *f)
{
	struct params p;
	struct http_response resp;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	params_init(&p);
	http_response_init(&resp);
	if (params_add(&p, "InvokeId", invoke_id) != 0 ||
	    params_add(&p, "MaxResults", API_PAGE_SIZE) != 0 ||
	    (with_history && params_add(&p, "IncludeHistory", "true") != 0) ||
	    (next_token != NULL && params_add(&p, "NextToken", next_token) != 0)) {
		fault_set(f, FAULT_NOMEM, "out of memory");
		goto done;
	}
	if (api_call(api, "DescribeInvocationResults", &p, &resp, f) != 0)
		goto done;
	rc = decode_results(resp.body.data, resp.body.len, out, f);
done:
	http_response_free(&resp);
	params_free(&p);
	return rc;
}
