/* http.c - see http.h. */
#include "config.h"

#include "http.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

struct http_client {
	CURL *curl;
	char *cacert;
	char errbuf[CURL_ERROR_SIZE];
};

double http_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void http_response_init(struct http_response *resp)
{
	resp->status = 0;
	strbuf_init(&resp->body, (size_t)HTTP_MAX_RESPONSE);
	resp->date[0] = '\0';
	resp->retry_after_ms = -1;
}

void http_response_free(struct http_response *resp)
{
	bool secret = resp->body.secret;

	if (secret)
		strbuf_wipe(&resp->body);
	else
		strbuf_free(&resp->body);
	http_response_init(resp);
	resp->body.secret = secret;
}

int http_client_new(struct http_client **out, const char *cacert, struct fault *f)
{
	struct http_client *c;

	*out = NULL;
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		goto nomem;
	if (cacert != NULL) {
		c->cacert = strdup(cacert);
		if (c->cacert == NULL)
			goto nomem;
	}
	c->curl = curl_easy_init();
	if (c->curl == NULL) {
		fault_set(f, FAULT_INTERNAL, "cannot start libcurl");
		http_client_free(c);
		return -1;
	}
	*out = c;
	return 0;
nomem:
	fault_set(f, FAULT_NOMEM, "out of memory");
	http_client_free(c);
	return -1;
}

void http_client_free(struct http_client *c)
{
	if (c == NULL)
		return;
	if (c->curl)
		curl_easy_cleanup(c->curl);
	free(c->cacert);
	free(c);
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *userdata)
{
	struct http_response *resp = userdata;
	size_t n = size * nmemb;

	/* Returning less than n aborts the transfer: that is how the size cap
	 * stops a server that sends too much. */
	if (strbuf_append(&resp->body, data, n) != 0)
		return 0;
	return n;
}

/* Header value if line is "name: value", trimmed into out. */
static bool header_value(const char *line, size_t len, const char *name, char *out, size_t outsz)
{
	size_t nlen = strlen(name), i, j;

	if (len <= nlen || strncasecmp(line, name, nlen) != 0 || line[nlen] != ':')
		return false;
	i = nlen + 1;
	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		i++;
	j = len;
	while (j > i && (line[j - 1] == '\r' || line[j - 1] == '\n' || line[j - 1] == ' '))
		j--;
	if (j - i >= outsz)
		j = i + outsz - 1;
	memcpy(out, line + i, j - i);
	out[j - i] = '\0';
	return true;
}

static size_t on_header(char *line, size_t size, size_t nmemb, void *userdata)
{
	struct http_response *resp = userdata;
	size_t n = size * nmemb;
	char value[64];

	/* A new status line starts a new response (e.g. after 100 Continue). */
	if (n >= 5 && strncmp(line, "HTTP/", 5) == 0) {
		resp->date[0] = '\0';
		resp->retry_after_ms = -1;
	}
	/* header_value() writes only when the name matches, cut to fit and
	 * NUL-terminated: the Date goes straight into place. */
	if (!header_value(line, n, "Date", resp->date, sizeof(resp->date)) &&
	    header_value(line, n, "x-acs-retry-after", value, sizeof(value))) {
		long long ms;
		if (parse_long_long(value, 0, 86400000LL, &ms) == 0)
			resp->retry_after_ms = (long)ms;
	}
	return n;
}

/* Turn a libcurl failure into a fault that names the cause and says what to
 * do (f->advice). */
static void transport_fault(struct http_client *c, CURLcode rc, const char *url,
			    struct http_response *resp, struct fault *f)
{
	const char *detail = c->errbuf[0] ? c->errbuf : curl_easy_strerror(rc);

	switch (rc) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		fault_set(f, FAULT_DNS, "cannot resolve the API host of %s (%s)", url, detail);
		f->advice = "check -e/-r and DNS";
		f->about_endpoint = true;
		f->retryable = true;
		break;
	case CURLE_COULDNT_CONNECT:
		fault_set(f, FAULT_CONNECT, "cannot connect to %s (%s)", url, detail);
		f->advice = "check -e, the network, firewalls and any proxy";
		f->about_endpoint = true;
		f->retryable = true;
		break;
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_ISSUER_ERROR:
		fault_set(f, FAULT_TLS,
			  "TLS with %s failed: the server certificate was not accepted (%s)", url,
			  detail);
		f->advice = "check the host name in -e, --cacert and the clock";
		f->about_endpoint = true;
		break;
	case CURLE_SSL_CACERT_BADFILE:
		fault_set(f, FAULT_TLS, "TLS with %s failed: the CA bundle cannot be used (%s)", url,
			  detail);
		f->advice = "check the --cacert file";
		break;
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SSL_CIPHER:
		/* No certificate was judged: the handshake itself failed, as
		 * against a server that does not speak TLS on that port. */
		fault_set(f, FAULT_TLS, "the TLS handshake with %s failed (%s)", url, detail);
		f->advice = "check that -e names the HTTPS endpoint of the API (scheme and port)";
		f->about_endpoint = true;
		break;
	case CURLE_OPERATION_TIMEDOUT:
		/* libcurl's message says which phase ran out of time. */
		if (strncmp(c->errbuf, "Resolving timed out", 19) == 0) {
			fault_set(f, FAULT_DEADLINE,
				  "the DNS look-up of the API host of %s did not finish before the deadline",
				  url);
			f->advice = "check the resolver (/etc/resolv.conf)";
		} else if (strncmp(c->errbuf, "Connection timed out", 20) == 0 ||
			   strncmp(c->errbuf, "SSL connection timeout", 22) == 0) {
			fault_set(f, FAULT_DEADLINE,
				  "%s did not answer the connection before the deadline", url);
			f->advice = "check -e, firewalls and any proxy";
			f->about_endpoint = true;
		} else {
			fault_set(f, FAULT_DEADLINE, "no complete answer from %s before the deadline",
				  url);
			f->advice = "the API or the network is too slow; raise -t or try later";
		}
		break;
	case CURLE_WRITE_ERROR:
		if (resp->body.over) {
			fault_set(f, FAULT_TOO_LARGE,
				  "the API response is larger than the %u MiB cap",
				  HTTP_MAX_RESPONSE / (1024u * 1024u));
			f->advice = "the ECS API never sends that much; check -e and any proxy";
		} else {
			fault_set(f, FAULT_NOMEM, "out of memory while reading the API response");
		}
		break;
	case CURLE_OUT_OF_MEMORY:
		fault_set(f, FAULT_NOMEM, "out of memory in libcurl");
		break;
	default:
		fault_set(f, FAULT_TRANSPORT, "the request to %s failed (%s)", url, detail);
		f->advice = "the connection broke; check the network and any proxy";
		f->retryable = true;
		break;
	}
}

/* The header list holds the signature and, with STS keys, the security
 * token: libcurl frees each line as it is, so wipe them first. (The
 * allocator libcurl is given wipes as well; this does not depend on it.) */
static void slist_wipe_free(struct curl_slist *list)
{
	for (struct curl_slist *l = list; l != NULL; l = l->next)
		if (l->data != NULL)
			secure_wipe(l->data, strlen(l->data));
	curl_slist_free_all(list);
}

int http_request(struct http_client *c, const char *method, const char *url,
		 const char *display_url, const struct params *headers, double deadline,
		 unsigned flags, struct http_response *resp, struct fault *f)
{
	struct curl_slist *list = NULL;
	struct strbuf line;
	double left = deadline - http_now();
	long left_ms;
	CURLcode rc;
	CURL *h = c->curl;
	int result = -1;

	strbuf_init_secret(&line, 8192);
	http_response_free(resp);
	if (left <= 0.001) {
		fault_set(f, FAULT_DEADLINE, "the deadline came before the request to %s",
			  display_url);
		return -1;
	}
	left_ms = (long)(left * 1000.0);
	if (left_ms < 1)
		left_ms = 1;

	/* Options are set anew for each request; the handle keeps its
	 * connection cache, so the TCP and TLS session is reused. */
	curl_easy_reset(h);
	c->errbuf[0] = '\0';
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, c->errbuf);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
#if LIBCURL_VERSION_NUM >= 0x075700
	/* A look-up that hangs must not hold the run past its deadline: when
	 * the transfer times out, leave the resolver thread behind instead of
	 * waiting for it to finish. */
	curl_easy_setopt(h, CURLOPT_QUICK_EXIT, 1L);
#endif
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, left_ms);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, left_ms);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https,http");
#else
	curl_easy_setopt(h, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTPS | CURLPROTO_HTTP));
#endif
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
	if (c->cacert)
		curl_easy_setopt(h, CURLOPT_CAINFO, c->cacert);
	curl_easy_setopt(h, CURLOPT_USERAGENT, PACKAGE_NAME "/" PACKAGE_VERSION);
	/* Only codings whose decoders allocate through libcurl, and so through
	 * the wiping allocator (wipemem.c): a brotli or zstd decoder would keep
	 * STS's temporary keys in memory nobody wipes. A libcurl without zlib
	 * asks for none rather than for one it cannot decode. */
	if (curl_version_info(CURLVERSION_NOW)->features & CURL_VERSION_LIBZ)
		curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "gzip, deflate");
	/* HTTP/1.1: libcurl hands nghttp2 no allocator, and HTTP/2's header
	 * tables would keep the security token. One request at a time over one
	 * connection gains nothing from HTTP/2 anyway. */
	curl_easy_setopt(h, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
	curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)HTTP_MAX_RESPONSE);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, resp);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, resp);
	if (strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0) {
		/* An empty body either way; PUT is a POST by another name here. */
		curl_easy_setopt(h, CURLOPT_POST, 1L);
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, "");
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, 0L);
		if (method[1] == 'U')
			curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, "PUT");
	} else {
		curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
	}
	/* Plain http:// is allowed only to loopback (options.c). Through a
	 * proxy (http_proxy) the signed request, its key id and any security
	 * token would cross the network in the clear, to reach a host that is
	 * on this machine anyway. https:// keeps the proxies: CONNECT tunnels
	 * TLS, so the proxy sees only the host and port. */
	if ((flags & HTTP_NO_PROXY) || (strncasecmp(url, "http://", 7) == 0 && url_is_loopback(url)))
		curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
	for (size_t i = 0; headers != NULL && i < headers->count; i++) {
		struct curl_slist *next;

		strbuf_reset(&line);
		/* "Name:" with nothing after it tells libcurl to drop the header. */
		if (strbuf_printf(&line, headers->items[i].value[0] ? "%s: %s" : "%s:%s",
				  headers->items[i].name, headers->items[i].value) != 0)
			goto nomem;
		next = curl_slist_append(list, line.data);
		if (next == NULL)
			goto nomem;
		list = next;
	}
	/* Without this libcurl sends "Expect: 100-continue" on some POSTs. */
	{
		struct curl_slist *next = curl_slist_append(list, "Expect:");
		if (next == NULL)
			goto nomem;
		list = next;
	}
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, list);

	rc = curl_easy_perform(h);
	if (rc == CURLE_FILESIZE_EXCEEDED) {
		fault_set(f, FAULT_TOO_LARGE, "the API response is larger than the %u MiB cap",
			  HTTP_MAX_RESPONSE / (1024u * 1024u));
		f->advice = "the ECS API never sends that much; check -e and any proxy";
		goto done;
	}
	if (rc != CURLE_OK) {
		transport_fault(c, rc, display_url, resp, f);
		goto done;
	}
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &resp->status);
	if (resp->body.data == NULL && strbuf_append(&resp->body, "", 0) != 0)
		goto nomem;
	result = 0;
	goto done;
nomem:
	fault_set(f, FAULT_NOMEM, "out of memory");
done:
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
	slist_wipe_free(list);
	strbuf_wipe(&line); /* it held header values, possibly a token */
	return result;
}
