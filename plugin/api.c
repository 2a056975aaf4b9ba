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
#define PAGE_RECORDS 50 /* API_PAGE_SIZE as a number */
/* A refused timestamp within this of the API's Date header is not the local
 * clock's fault, and a clock corrected this often in one run is not settling. */
#define CLOCK_AGREES_S 5
#define CLOCK_CORRECTIONS_MAX 3

void api_trace(struct api_client *api, int level, const char *fmt, ...)
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
		memset(hit, '*', 4);
	}
}

static const char verdict_secret[] =
	"the server built the same string to sign, so the AccessKey secret is wrong";
static const char verdict_probably_secret[] = "the AccessKey secret is probably wrong";
static const char verdict_bug[] =
	"the server built a different string to sign: a bug in this plugin or a proxy that changed the request";

const char *api_signature_verdict(const char *message, const char *ours)
{
	const char *theirs = message ? strstr(message, SIGNATURE_MISMATCH_PREFIX) : NULL;

	if (theirs == NULL || ours == NULL)
		return verdict_probably_secret;
	theirs += strlen(SIGNATURE_MISMATCH_PREFIX);
	while (*theirs == ' ')
		theirs++;
	if (strcmp(theirs, ours) == 0)
		return verdict_secret;
	return verdict_bug;
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

/* The host[:port] part of an endpoint URL (which options checked). */
static const char *endpoint_host(const char *endpoint)
{
	const char *p = strstr(endpoint, "://");

	return p ? p + 3 : endpoint;
}

/* The parameters every signed request of either version carries besides the
 * action's own: RegionId where the service wants one. */
static int add_action_params(struct params *all, const struct api_target *t,
			     const struct params *action_params)
{
	if (t->region != NULL && params_add(all, "RegionId", t->region) != 0)
		return -1;
	for (size_t i = 0; i < action_params->count; i++)
		if (params_add(all, action_params->items[i].name, action_params->items[i].value) != 0)
			return -1;
	return 0;
}

/* Signature v1: every parameter, common ones included, in the query string,
 * signed with HMAC-SHA1. */
static int build_v1(struct api_client *api, const struct api_target *t, const char *action,
		    const struct params *action_params, const char *nonce, const char *timestamp,
		    struct strbuf *url, struct strbuf *to_sign, struct fault *f)
{
	const struct credentials *c = t->creds;
	struct params all;
	char signature[SIGN_V1_SIGNATURE_SIZE];
	int rc = -1;

	params_init(&all);
	if (params_add(&all, "Action", action) != 0 || params_add(&all, "Version", t->version) != 0 ||
	    params_add(&all, "Format", "JSON") != 0 ||
	    params_add(&all, "AccessKeyId", c->access_key_id) != 0 ||
	    params_add(&all, "SignatureMethod", "HMAC-SHA1") != 0 ||
	    params_add(&all, "SignatureVersion", "1.0") != 0 ||
	    params_add(&all, "SignatureNonce", nonce) != 0 ||
	    params_add(&all, "Timestamp", timestamp) != 0 ||
	    (c->security_token != NULL && params_add(&all, "SecurityToken", c->security_token) != 0) ||
	    add_action_params(&all, t, action_params) != 0)
		goto nomem;
	/* Signing fails on input it refuses, or when malloc() does (ENOMEM). */
	errno = 0;
	if (sign_v1("POST", &all, c->access_key_secret, to_sign, signature) != 0) {
		if (errno == ENOMEM)
			goto nomem;
		fault_set(f, FAULT_INTERNAL, "cannot sign the request");
		goto done;
	}
	if (strbuf_printf(url, "%s/?", t->endpoint) != 0 || sign_canonical_query(&all, url) != 0 ||
	    strbuf_puts(url, "&Signature=") != 0 || sign_percent_encode(url, signature) != 0)
		goto nomem;
	if (api->verbosity >= 3) {
		/* What was signed, with the secrets taken out. */
		struct strbuf shown;

		strbuf_init(&shown, 8192);
		if (c->security_token)
			params_set(&all, "SecurityToken", "REDACTED");
		sign_canonical_query(&all, &shown);
		api_trace(api, 3, "  request: POST %s/?%s&Signature=REDACTED", t->endpoint,
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

/* Signature v3 (ACS3-HMAC-SHA256): the action's parameters in the query,
 * the common ones in x-acs-* headers, all signed into Authorization. */
static int build_v3(struct api_client *api, const struct api_target *t, const char *action,
		    const struct params *action_params, const char *nonce, const char *timestamp,
		    struct strbuf *url, struct params *headers, struct strbuf *to_sign,
		    struct fault *f)
{
	const struct credentials *c = t->creds;
	struct params query, signed_headers;
	struct strbuf canonical, authorization;
	char hash[65];
	int rc = -1;

	params_init(&query);
	params_init(&signed_headers);
	strbuf_init_secret(&canonical, 65536);
	strbuf_init_secret(&authorization, 4096);
	if (add_action_params(&query, t, action_params) != 0 ||
	    params_add(&signed_headers, "host", endpoint_host(t->endpoint)) != 0 ||
	    params_add(&signed_headers, "x-acs-action", action) != 0 ||
	    params_add(&signed_headers, "x-acs-version", t->version) != 0 ||
	    params_add(&signed_headers, "x-acs-date", timestamp) != 0 ||
	    params_add(&signed_headers, "x-acs-signature-nonce", nonce) != 0 ||
	    params_add(&signed_headers, "x-acs-content-sha256", SIGN_EMPTY_SHA256) != 0 ||
	    (c->security_token != NULL &&
	     (params_add(&signed_headers, "x-acs-security-token", c->security_token) != 0 ||
	      params_add(&signed_headers, "x-acs-accesskey-id", c->access_key_id) != 0)))
		goto nomem;
	/* Signing fails on input it refuses, or when malloc() does (ENOMEM). */
	errno = 0;
	if (sign_v3("POST", "/", &query, &signed_headers, SIGN_EMPTY_SHA256, c->access_key_id,
		    c->access_key_secret, &canonical, &authorization) != 0 ||
	    sign_sha256_hex(canonical.data, canonical.len, hash) != 0) {
		if (errno == ENOMEM)
			goto nomem;
		fault_set(f, FAULT_INTERNAL, "cannot sign the request");
		goto done;
	}
	/* What a SignatureDoesNotMatch answer will be compared with. */
	if (strbuf_printf(to_sign, "ACS3-HMAC-SHA256\n%s", hash) != 0)
		goto nomem;
	for (size_t i = 0; i < signed_headers.count; i++)
		if (params_add(headers, signed_headers.items[i].name,
			       signed_headers.items[i].value) != 0)
			goto nomem;
	/* The body is empty: no Content-Type, so nothing unsigned describes it. */
	if (params_add(headers, "Authorization", authorization.data) != 0 ||
	    params_add(headers, "Accept", "application/json") != 0 ||
	    params_add(headers, "Content-Type", "") != 0)
		goto nomem;
	if (strbuf_printf(url, "%s/", t->endpoint) != 0 ||
	    (query.count > 0 && (strbuf_putc(url, '?') != 0 || sign_canonical_query(&query, url) != 0)))
		goto nomem;
	if (api->verbosity >= 3) {
		const char *sig = strstr(authorization.data, ",Signature=");

		api_trace(api, 3, "  request: POST %s (%s, x-acs-date %s, nonce %s%s)", url->data,
			  action, timestamp, nonce,
			  c->security_token ? ", x-acs-security-token REDACTED" : "");
		api_trace(api, 3, "  Authorization: %.*s,Signature=REDACTED",
			  sig ? (int)(sig - authorization.data) : 0, authorization.data);
	}
	rc = 0;
	goto done;
nomem:
	fault_set(f, FAULT_NOMEM, "out of memory");
done:
	params_free(&query);
	params_free(&signed_headers);
	strbuf_wipe(&canonical);
	strbuf_wipe(&authorization);
	return rc;
}

/* Build and sign one request, with a nonce and timestamp of its own. *url
 * gets the URL, headers the headers to send, *to_sign our string to sign
 * (to judge a SignatureDoesNotMatch answer). */
static int build_request(struct api_client *api, const struct api_target *t, const char *action,
			 const struct params *action_params, struct strbuf *url,
			 struct params *headers, struct strbuf *to_sign, struct fault *f)
{
	char nonce[SIGN_NONCE_SIZE], timestamp[SIGN_TIMESTAMP_SIZE];

	strbuf_reset(url);
	strbuf_reset(to_sign);
	params_free(headers);
	if (sign_nonce(nonce) != 0 ||
	    sign_timestamp((time_t)((long long)time(NULL) + api->clock_offset), timestamp) != 0) {
		fault_set(f, FAULT_INTERNAL, "cannot make a request nonce or timestamp");
		return -1;
	}
	if (api->signature == SIGNATURE_V3)
		return build_v3(api, t, action, action_params, nonce, timestamp, url, headers,
				to_sign, f);
	return build_v1(api, t, action, action_params, nonce, timestamp, url, to_sign, f);
}

static bool starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* What an operator can do about an API error, where the code tells. */
static const char *api_advice(long status, const char *code)
{
	if (is_throttling(status, code))
		return "the API is throttling this account; check less often or ask for a higher quota";
	if (strcmp(code, "Forbidden.RAM") == 0 || strcmp(code, "NoPermission") == 0 ||
	    strcmp(code, "Forbidden.Unauthorized") == 0 || strcmp(code, "Forbidden.SubUser") == 0)
		return "grant the RAM identity ecs:DescribeInvocations and ecs:DescribeInvocationResults";
	if (starts_with(code, "InvalidAccessKeyId"))
		return "check the AccessKey id (-vv says where it came from)";
	if (strcmp(code, "Forbidden.AccessKeyDisabled") == 0)
		return "enable the AccessKey or use another";
	if (starts_with(code, "InvalidSecurityToken") || strcmp(code, "MissingSecurityToken") == 0)
		return "renew the STS credentials (AccessKey id, secret and token together)";
	if (strcmp(code, "InvalidRegionId.NotFound") == 0 ||
	    strcmp(code, "RegionId.ApiNotSupported") == 0)
		return "check -r";
	if (status >= 500 || strcmp(code, "ServiceUnavailable") == 0 ||
	    starts_with(code, "InternalError"))
		return "the API is failing; try again later";
	return NULL;
}

/* Make a fault of an HTTP answer that is not 200. Returns true when the
 * request is worth another try. */
static bool answer_fault(const struct api_target *t, const struct http_response *resp,
			 const char *to_sign, bool nonce_retried, struct fault *f)
{
	struct api_error err;
	bool retry = false;

	if (decode_error(resp->body.data, resp->body.len, &err) != 0) {
		if (resp->status == 429) {
			fault_set(f, FAULT_THROTTLED, "the API throttled the request (HTTP 429 from %s)",
				  t->endpoint);
			f->advice = api_advice(resp->status, "");
		} else {
			fault_set(f, FAULT_HTTP, "HTTP %ld from %s without an API error body",
				  resp->status, t->endpoint);
			f->advice = resp->status >= 500
					    ? "the API or a gateway before it is failing; try again later"
					    : "not an answer of the ECS API; check -e and any proxy";
		}
		return resp->status >= 500 || resp->status == 429;
	}
	if (strcmp(err.code, "SignatureDoesNotMatch") == 0) {
		/* Its Message echoes the whole string to sign, which holds the
		 * security token: show our verdict instead. Compared before
		 * anything is redacted from it. */
		const char *verdict = api_signature_verdict(err.message, to_sign);

		fault_set(f, FAULT_API, "API error SignatureDoesNotMatch: %s (RequestId %.60s)",
			  verdict, err.request_id ? err.request_id : "none");
		f->advice = verdict == verdict_bug
				    ? "please report it with the -vvv output (it shows no secret)"
				    : "check the AccessKey secret (-vv says where it came from)";
	} else {
		bool throttled = is_throttling(resp->status, err.code);

		redact(err.message, t->creds->access_key_secret);
		redact(err.message, t->creds->security_token);
		fault_set(f, throttled ? FAULT_THROTTLED : FAULT_API,
			  "API error %.80s: %.160s (HTTP %ld, RequestId %.60s)", err.code,
			  err.message ? err.message : "no message", resp->status,
			  err.request_id ? err.request_id : "none");
		f->advice = api_advice(resp->status, err.code);
		retry = throttled || resp->status >= 500 || strcmp(err.code, "ServiceUnavailable") == 0;
		if (strcmp(err.code, "SignatureNonceUsed") == 0 && !nonce_retried)
			retry = true;
	}
	snprintf(f->code, sizeof(f->code), "%s", err.code);
	api_error_free(&err);
	return retry;
}

static void note_server_time(struct api_client *api, const struct http_response *resp)
{
	long long t;

	if (resp->date[0] != '\0' && parse_http_date(resp->date, &t) == 0) {
		api->server_time = t;
		api->server_time_at = http_now();
		api->server_time_known = true;
	}
}

/* The API refused a request's timestamp (InvalidTimeStamp.Expired). Its
 * Date header tells how far off the local clock is: sign again with the API's
 * time (the official SDKs give up here). Once per call, and a few times per
 * run, for a clock that NTP steps in the middle of a --wait. The fault's
 * advice names the clock whether or not the retry can still be made (the
 * deadline may forbid it). Returns true when worth a retry. */
static bool correct_clock(struct api_client *api, const struct http_response *resp,
			  bool retried, struct fault *f)
{
	long long date, offset;
	char rel[48]; /* "is 3600 s behind", "agrees with" */

	/* Only this answer's own Date says what the API's clock reads now. */
	if (resp->date[0] == '\0' || parse_http_date(resp->date, &date) != 0) {
		f->advice = "the local clock is probably wrong, but the answer has no readable Date "
			    "header to correct it by: check NTP";
		return false;
	}
	offset = date - (long long)time(NULL);
	format_clock_relation(offset, rel, sizeof(rel));
	api_trace(api, 2, "  the API refused the timestamp; its Date header is %+lld s off the local clock",
		  offset);
	if (retried) {
		snprintf(api->clock_note, sizeof(api->clock_note),
			 "refused again when signed with the time of the API's Date header "
			 "(the local clock %s it): check NTP and any proxy in between",
			 rel);
	} else if (llabs(offset - api->clock_offset) <= CLOCK_AGREES_S) {
		/* Signed with the API's time already: another try cannot help. */
		snprintf(api->clock_note, sizeof(api->clock_note),
			 "refused although the request was signed within %d s of the API's Date "
			 "header (the local clock %s it): the local clock is not the cause; check "
			 "any proxy or gateway in between",
			 CLOCK_AGREES_S, rel);
	} else if (api->clock_corrections >= CLOCK_CORRECTIONS_MAX) {
		snprintf(api->clock_note, sizeof(api->clock_note),
			 "the local clock keeps moving (now it %s the API's; corrected %u times "
			 "in this run): check NTP",
			 rel, api->clock_corrections);
	} else {
		snprintf(api->clock_note, sizeof(api->clock_note),
			 "the local clock %s the API's: check NTP", rel);
		f->advice = api->clock_note;
		api->clock_offset = offset;
		api->clock_corrections++;
		return true;
	}
	f->advice = api->clock_note;
	return false;
}

long long api_now(const struct api_client *api)
{
	if (!api->server_time_known)
		return (long long)time(NULL);
	return api->server_time + (long long)(http_now() - api->server_time_at);
}

bool api_clock_skew(const struct api_client *api, long long *skew)
{
	*skew = api_now(api) - (long long)time(NULL);
	return api->server_time_known;
}

int api_call(struct api_client *api, const struct api_target *target, const char *action,
	     const struct params *action_params, struct http_response *resp, struct fault *f)
{
	struct strbuf url, to_sign;
	struct params headers;
	double backoff = 0.2, refused_wait = 0;
	bool nonce_retried = false, clock_retried = false;
	int attempt, attempts = API_MAX_ATTEMPTS, rc = -1;

	strbuf_init_secret(&url, 65536);
	strbuf_init_secret(&to_sign, 65536);
	params_init(&headers);
	for (attempt = 1;; attempt++) {
		double started, delay;
		bool retry, at_once = false, clock_fix = false;

		if (build_request(api, target, action, action_params, &url, &headers, &to_sign, f) != 0)
			break;
		if (api->clock_corrections > 0)
			api->clock_corrected = true;
		started = http_now();
		api->requests++;
		if (http_request(api->http, "POST", url.data, target->endpoint, &headers,
				 api->deadline, 0, resp, f) != 0) {
			/* -e did not choose this endpoint: say what did. */
			if (f->about_endpoint && target->reach_advice != NULL)
				f->advice = target->reach_advice;
			api_trace(api, 2, "  %s: %s (%s, %.3f s)", action, f->text,
				  fault_class_name(f->klass), http_now() - started);
			retry = f->retryable;
		} else {
			note_server_time(api, resp);
			if (resp->status == 200) {
				api_trace(api, 2, "  %s: HTTP 200, %zu bytes (%.3f s)", action,
					  resp->body.len, http_now() - started);
				rc = 0;
				break;
			}
			retry = answer_fault(target, resp, to_sign.data, nonce_retried, f);
			api_trace(api, 2, "  %s: HTTP %ld %s (%.3f s)", action, resp->status,
				  f->code[0] ? f->code : "", http_now() - started);
			/* A new nonce or a corrected clock needs no pause. */
			if (strcmp(f->code, "SignatureNonceUsed") == 0) {
				nonce_retried = true;
				at_once = true;
			} else if (strcmp(f->code, "InvalidTimeStamp.Expired") == 0) {
				retry = clock_fix = correct_clock(api, resp, clock_retried, f);
				at_once = true;
				/* A clock put right is not a failure to retry:
				 * it must not cost one of the attempts. */
				if (clock_fix) {
					clock_retried = true;
					attempts++;
				}
			}
		}
		if (!retry || attempt >= attempts)
			break;
		if (at_once) {
			delay = 0;
		} else if (resp->retry_after_ms >= 0) {
			delay = (double)resp->retry_after_ms / 1000.0;
		} else {
			delay = backoff * jitter();
		}
		backoff *= delay > 0 ? 2 : 1;
		/* Give up when the pause would eat the rest of the deadline: the
		 * last error is more useful than a timeout. */
		if (http_now() + delay + 0.05 >= api->deadline) {
			if (resp->retry_after_ms >= 0)
				refused_wait = delay;
			break;
		}
		if (clock_fix)
			api_trace(api, 2, "  retrying at once with the API's time (a clock correction, "
				  "not one of the %d attempts)", API_MAX_ATTEMPTS);
		else
			api_trace(api, 2, "  retrying in %.3f s (attempt %d of %d)", delay,
				  attempt + 1 - (clock_retried ? 1 : 0), API_MAX_ATTEMPTS);
		nap(delay);
		api->retries++;
	}
	if (rc != 0) {
		char note[128];
		int n = 0;

		note[0] = '\0';
		if (attempt > 1)
			n = snprintf(note, sizeof(note), " after %d attempts", attempt);
		/* The API named a pause that would outlast the deadline. */
		if (refused_wait > 0 && n >= 0 && (size_t)n < sizeof(note))
			snprintf(note + n, sizeof(note) - (size_t)n,
				 " (it asked to wait %.1f s more, past the -t deadline)", refused_wait);
		fault_advise(f, note[0] ? note : NULL);
	}
	strbuf_wipe(&url);
	strbuf_wipe(&to_sign);
	params_free(&headers);
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
	if (api_call(api, &api->ecs, "DescribeInvocations", &p, &resp, f) != 0)
		goto done;
	rc = decode_invocations(resp.body.data, resp.body.len, invoke_id, out, f);
done:
	http_response_free(&resp);
	params_free(&p);
	return rc;
}

int api_results_page(struct api_client *api, const char *invoke_id, bool with_history,
		     bool with_output, const char *next_token, struct record_page *out,
		     struct fault *f)
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
	if (api_call(api, &api->ecs, "DescribeInvocationResults", &p, &resp, f) != 0)
		goto done;
	rc = decode_results(resp.body.data, resp.body.len, with_output, out, f);
	/* More than was asked for would let a server grow the run's memory
	 * page after page. */
	if (rc == 0 && out->count > PAGE_RECORDS) {
		fault_set(f, FAULT_SHAPE, "the API sent %zu records on a page of at most %s",
			  out->count, API_PAGE_SIZE);
		record_page_free(out);
		rc = -1;
	}
done:
	http_response_free(&resp);
	params_free(&p);
	return rc;
}
