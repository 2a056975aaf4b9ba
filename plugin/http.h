/* http.h - the one place that talks to the network: libcurl, one connection
 * reused for every request of a run, TLS always verified, every transfer
 * bounded by the run's deadline and by a response size cap.
 *
 * Ownership: http_client_new() returns a client that http_client_free()
 * releases. A struct http_response owns its body; http_response_free()
 * releases it. */
#ifndef ECS_HTTP_H
#define ECS_HTTP_H

#include <stdbool.h>

#include "fault.h"
#include "sign.h"
#include "util.h"

/* Responses above this are refused: command output can make them large, and
 * a plugin must not let a server fill its memory. */
#define HTTP_MAX_RESPONSE (32u * 1024u * 1024u)

struct http_client;

struct http_response {
	long status;            /* HTTP status, 0 when none arrived */
	struct strbuf body;
	char date[64];          /* the Date header, "" when absent */
	long retry_after_ms;    /* x-acs-retry-after, -1 when absent */
};

/* cacert: CA bundle file, or NULL for the system's. */
int http_client_new(struct http_client **out, const char *cacert, struct fault *f);
void http_client_free(struct http_client *c);

/* Flags for http_request(). */
#define HTTP_NO_PROXY 1u /* ignore the proxy variables (link-local services) */

/* Send one request with an empty body and read the whole response.
 * method: "GET", "POST" or "PUT".
 * display_url is what messages name: the URL without its query string, which
 * may carry the signature and a security token.
 * headers: extra request headers (name, value), may be NULL; an empty value
 * removes a header libcurl would send by itself (e.g. Content-Type).
 * deadline: CLOCK_MONOTONIC seconds by which the transfer must be over.
 * Returns 0 when an HTTP response arrived (whatever its status), -1 on a
 * transport failure (fault says which: DNS, connect, TLS, deadline, size; its
 * advice says what to do, for api_call() to add after the attempts). */
int http_request(struct http_client *c, const char *method, const char *url,
		 const char *display_url, const struct params *headers, double deadline,
		 unsigned flags, struct http_response *resp, struct fault *f);

void http_response_init(struct http_response *resp);
void http_response_free(struct http_response *resp);

/* Seconds on CLOCK_MONOTONIC. */
double http_now(void);

#endif
