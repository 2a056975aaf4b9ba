/* sign.c - see sign.h.
 *
 * Anything that may contain a secret or a SecurityToken (the signing key, the
 * canonical query, the string to sign) is built in an allocation of exactly
 * the right size rather than in a growing strbuf: realloc would leave earlier,
 * unwiped copies behind in freed memory. */
#include "config.h"

#include "sign.h"

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#define V3_ALGORITHM "ACS3-HMAC-SHA256"

/* ---- parameter lists ---- */

void params_init(struct params *p)
{
	p->items = NULL;
	p->count = 0;
	p->cap = 0;
}

static int params_reserve(struct params *p)
{
	struct param *items;
	size_t cap;

	if (p->count < p->cap)
		return 0;
	cap = p->cap ? p->cap * 2 : 16;
	if (cap <= p->cap || cap > SIZE_MAX / sizeof(*items))
		return -1;
	items = realloc(p->items, cap * sizeof(*items));
	if (items == NULL)
		return -1;
	p->items = items;
	p->cap = cap;
	return 0;
}

int params_add(struct params *p, const char *name, const char *value)
{
	char *n = NULL;
	char *v = NULL;
	int rc = -1;

	/* An empty name cannot be told apart from a stray '&' on the wire. */
	if (p == NULL || name == NULL || *name == '\0' || value == NULL)
		return -1;
	if (params_reserve(p) != 0)
		goto out;
	n = strdup(name);
	v = strdup(value);
	if (n == NULL || v == NULL)
		goto out;
	p->items[p->count].name = n;
	p->items[p->count].value = v;
	p->count++;
	n = NULL; /* transferred */
	v = NULL;
	rc = 0;
out:
	free(n);
	free_secret(v);
	return rc;
}

static struct param *params_find(const struct params *p, const char *name)
{
	size_t i;

	for (i = 0; i < p->count; i++)
		if (strcmp(p->items[i].name, name) == 0)
			return &p->items[i];
	return NULL;
}

int params_set(struct params *p, const char *name, const char *value)
{
	struct param *item;
	char *v;

	if (p == NULL || name == NULL || value == NULL)
		return -1;
	item = params_find(p, name);
	if (item == NULL)
		return params_add(p, name, value);
	/* Copy first so that a failed allocation leaves the old value usable. */
	v = strdup(value);
	if (v == NULL)
		return -1;
	free_secret(item->value);
	item->value = v;
	return 0;
}

const char *params_get(const struct params *p, const char *name)
{
	const struct param *item;

	if (p == NULL || name == NULL)
		return NULL;
	item = params_find(p, name);
	return item ? item->value : NULL;
}

void params_free(struct params *p)
{
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; i < p->count; i++) {
		free(p->items[i].name);
		free_secret(p->items[i].value);
	}
	free(p->items);
	params_init(p);
}

/* ---- encoding helpers ---- */

static bool is_unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_' || c == '.' || c == '~';
}

/* Percent-encoded copy of s; *out_len receives its length. */
static char *percent_dup(const char *s, size_t *out_len)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p;
	size_t n = 0;
	char *d, *w;

	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		/* Three bytes out per byte in can overflow on 32-bit systems. */
		if (n > SIZE_MAX / 4)
			return NULL;
		n += is_unreserved(*p) ? 1 : 3;
	}
	d = malloc(n + 1);
	if (d == NULL)
		return NULL;
	w = d;
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (is_unreserved(*p)) {
			*w++ = (char)*p;
		} else {
			*w++ = '%';
			*w++ = hex[*p >> 4];
			*w++ = hex[*p & 0x0f];
		}
	}
	*w = '\0';
	*out_len = n;
	return d;
}

static void hex_lower(const unsigned char *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 0x0f];
	}
	out[2 * n] = '\0';
}

int sign_percent_encode(struct strbuf *out, const char *s)
{
	char *enc;
	size_t len;
	int rc = -1;

	if (out == NULL || s == NULL)
		return -1;
	enc = percent_dup(s, &len);
	if (enc == NULL)
		goto out;
	if (strbuf_append(out, enc, len) != 0)
		goto out;
	rc = 0;
out:
	free_secret(enc);
	return rc;
}

/* ---- canonical query ---- */

struct enc_pair {
	char *name;
	char *value;
	size_t name_len;
	size_t value_len;
};

static int enc_pair_cmp(const void *a, const void *b)
{
	const struct enc_pair *x = a;
	const struct enc_pair *y = b;
	int c;

	/* strcmp compares as unsigned char: the byte order the server uses. */
	c = strcmp(x->name, y->name);
	return c != 0 ? c : strcmp(x->value, y->value);
}

/* The canonical query in one exactly sized, NUL-terminated allocation, which
 * the caller wipes: values may include a SecurityToken. */
static int canonical_query_dup(const struct params *p, char **out, size_t *out_len)
{
	struct enc_pair *pairs = NULL;
	size_t i, size = 1;
	char *s = NULL;
	char *w;
	int rc = -1;

	*out = NULL;
	if (p->count > 0) {
		pairs = calloc(p->count, sizeof(*pairs));
		if (pairs == NULL)
			goto out;
	}
	for (i = 0; i < p->count; i++) {
		pairs[i].name = percent_dup(p->items[i].name, &pairs[i].name_len);
		pairs[i].value = percent_dup(p->items[i].value, &pairs[i].value_len);
		if (pairs[i].name == NULL || pairs[i].value == NULL)
			goto out;
		/* Cannot overflow: every piece is a live allocation of at least
		 * its length + 1, and '=' and '&' fit in those two NULs. */
		size += pairs[i].name_len + pairs[i].value_len + 2;
	}
	if (p->count > 1)
		qsort(pairs, p->count, sizeof(*pairs), enc_pair_cmp);
	s = malloc(size);
	if (s == NULL)
		goto out;
	w = s;
	for (i = 0; i < p->count; i++) {
		if (i > 0)
			*w++ = '&';
		memcpy(w, pairs[i].name, pairs[i].name_len);
		w += pairs[i].name_len;
		*w++ = '=';
		memcpy(w, pairs[i].value, pairs[i].value_len);
		w += pairs[i].value_len;
	}
	*w = '\0';
	*out_len = (size_t)(w - s);
	*out = s;
	rc = 0;
out:
	if (pairs != NULL) {
		for (i = 0; i < p->count; i++) {
			free(pairs[i].name);
			free_secret(pairs[i].value);
		}
		free(pairs);
	}
	return rc;
}

int sign_canonical_query(const struct params *p, struct strbuf *out)
{
	char *query = NULL;
	size_t len;
	int rc = -1;

	if (p == NULL || out == NULL)
		return -1;
	if (canonical_query_dup(p, &query, &len) != 0)
		goto out;
	if (strbuf_append(out, query, len) != 0)
		goto out;
	rc = 0;
out:
	free_secret(query);
	return rc;
}

/* ---- shared checks and primitives ---- */

/* The method goes into the signed text unencoded, so only a plain token is
 * safe there. */
static bool valid_method(const char *method)
{
	const char *c;

	if (method == NULL || *method == '\0')
		return false;
	for (c = method; *c != '\0'; c++)
		if (*c < 'A' || *c > 'Z')
			return false;
	return true;
}

static int hmac(const EVP_MD *md, const void *key, size_t key_len, const void *data,
		size_t len, unsigned char out[EVP_MAX_MD_SIZE], unsigned int *out_len)
{
	if (key_len > INT_MAX)
		return -1;
	if (HMAC(md, key, (int)key_len, data, len, out, out_len) == NULL)
		return -1;
	return 0;
}

/* ---- signature v1 ---- */

int sign_v1(const char *method, const struct params *query, const char *secret,
	    struct strbuf *string_to_sign, char signature[SIGN_V1_SIGNATURE_SIZE])
{
	static const char sep[] = "&%2F&";
	char *canon = NULL;
	char *enc = NULL;
	char *sts = NULL;
	char *key = NULL;
	size_t canon_len, enc_len, method_len, secret_len, sts_len, key_len = 0;
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int mac_len = 0;
	int rc = -1;

	if (!valid_method(method) || query == NULL || secret == NULL || *secret == '\0' ||
	    signature == NULL)
		goto out;
	/* Signing a list that already carries a Signature means the caller is
	 * re-signing a request: the server would never match it. */
	if (params_get(query, "Signature") != NULL)
		goto out;
	if (canonical_query_dup(query, &canon, &canon_len) != 0)
		goto out;
	enc = percent_dup(canon, &enc_len);
	if (enc == NULL)
		goto out;

	method_len = strlen(method);
	sts_len = method_len + sizeof(sep) - 1 + enc_len;
	sts = malloc(sts_len + 1);
	if (sts == NULL)
		goto out;
	memcpy(sts, method, method_len);
	memcpy(sts + method_len, sep, sizeof(sep) - 1);
	memcpy(sts + method_len + sizeof(sep) - 1, enc, enc_len + 1);

	secret_len = strlen(secret);
	key_len = secret_len + 1;
	key = malloc(key_len);
	if (key == NULL)
		goto out;
	memcpy(key, secret, secret_len);
	key[secret_len] = '&';

	if (hmac(EVP_sha1(), key, key_len, sts, sts_len, mac, &mac_len) != 0 || mac_len != 20)
		goto out;
	if (string_to_sign != NULL && strbuf_append(string_to_sign, sts, sts_len) != 0)
		goto out;
	/* 20 bytes give 28 Base64 characters and a NUL: fits the 32 bytes. */
	EVP_EncodeBlock((unsigned char *)signature, mac, (int)mac_len);
	rc = 0;
out:
	if (key != NULL) {
		secure_wipe(key, key_len);
		free(key);
	}
	free_secret(sts);
	free_secret(enc);
	free_secret(canon);
	return rc;
}

/* ---- signature v3 ---- */

struct signed_header {
	char *name;        /* lower-cased copy */
	const char *value; /* borrowed from the caller, trimmed to len */
	size_t len;
	size_t order;      /* position in the caller's list */
};

static int signed_header_cmp(const void *a, const void *b)
{
	const struct signed_header *x = a;
	const struct signed_header *y = b;
	int c;

	c = strcmp(x->name, y->name);
	if (c != 0)
		return c;
	/* qsort is not stable; repeated headers must merge in the order given. */
	return (x->order > y->order) - (x->order < y->order);
}

static bool is_signed_header(const char *lower)
{
	return strncmp(lower, "x-acs-", 6) == 0 || strcmp(lower, "host") == 0 ||
	       strcmp(lower, "content-type") == 0;
}

/* A ':' or a line break would let one header pose as several in the
 * canonical request. */
static bool valid_header_name(const char *name)
{
	const unsigned char *c;

	if (*name == '\0')
		return false;
	for (c = (const unsigned char *)name; *c != '\0'; c++)
		if (*c <= ' ' || *c >= 0x7f || *c == ':')
			return false;
	return true;
}

/* RFC 9110 field-value: no control characters except HTAB. */
static bool valid_header_value(const char *value)
{
	const unsigned char *c;

	for (c = (const unsigned char *)value; *c != '\0'; c++)
		if ((*c < ' ' && *c != '\t') || *c == 0x7f)
			return false;
	return true;
}

static void signed_headers_free(struct signed_header *h, size_t n)
{
	size_t i;

	if (h == NULL)
		return;
	for (i = 0; i < n; i++)
		free(h[i].name);
	free(h);
}

/* The headers that take part in the signature, sorted by lower-cased name. */
static int collect_signed_headers(const struct params *headers, struct signed_header **out,
				  size_t *out_n)
{
	struct signed_header *h = NULL;
	size_t i, n = 0;
	char *lower = NULL;
	char *c;
	const char *v;
	size_t len;
	int rc = -1;

	*out = NULL;
	*out_n = 0;
	if (headers->count > 0) {
		h = calloc(headers->count, sizeof(*h));
		if (h == NULL)
			goto out;
	}
	for (i = 0; i < headers->count; i++) {
		lower = strdup(headers->items[i].name);
		if (lower == NULL)
			goto out;
		for (c = lower; *c != '\0'; c++)
			if (*c >= 'A' && *c <= 'Z')
				*c = (char)(*c - 'A' + 'a');
		if (!is_signed_header(lower)) {
			free(lower);
			lower = NULL;
			continue;
		}
		v = headers->items[i].value;
		if (!valid_header_name(lower) || !valid_header_value(v))
			goto out;
		len = strlen(v);
		while (len > 0 && (v[len - 1] == ' ' || v[len - 1] == '\t'))
			len--;
		while (len > 0 && (*v == ' ' || *v == '\t')) {
			v++;
			len--;
		}
		h[n].name = lower;
		h[n].value = v;
		h[n].len = len;
		h[n].order = i;
		n++;
		lower = NULL; /* transferred */
	}
	if (n > 1)
		qsort(h, n, sizeof(*h), signed_header_cmp);
	*out = h;
	*out_n = n;
	h = NULL; /* transferred */
	rc = 0;
out:
	free(lower);
	signed_headers_free(h, n);
	return rc;
}

/* The canonical request is hashed as it is produced, so no private copy of it
 * (it holds the security token header) is ever made; the caller's buffer gets
 * one only when asked for. */
struct request_sink {
	EVP_MD_CTX *md;
	struct strbuf *copy;
	bool failed;
};

static void sink_put(struct request_sink *s, const char *p, size_t n)
{
	if (EVP_DigestUpdate(s->md, p, n) != 1)
		s->failed = true;
	if (s->copy != NULL && strbuf_append(s->copy, p, n) != 0)
		s->failed = true;
}

static void sink_puts(struct request_sink *s, const char *p)
{
	sink_put(s, p, strlen(p));
}

static bool valid_sha256_hex(const char *s)
{
	size_t i;

	for (i = 0; i < 64; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return s[64] == '\0';
}

/* The id is copied verbatim into the Authorization header, where a ',' or a
 * line break would change its meaning. */
static bool valid_access_key_id(const char *id)
{
	const unsigned char *c;

	if (*id == '\0')
		return false;
	for (c = (const unsigned char *)id; *c != '\0'; c++)
		if (*c <= ' ' || *c >= 0x7f || *c == ',')
			return false;
	return true;
}

/* The URI is signed as given (already encoded); whitespace or control bytes
 * mean it was not. */
static bool valid_canonical_uri(const char *uri)
{
	const unsigned char *c;

	if (*uri != '/')
		return false;
	for (c = (const unsigned char *)uri; *c != '\0'; c++)
		if (*c <= ' ' || *c >= 0x7f)
			return false;
	return true;
}

int sign_v3(const char *method, const char *canonical_uri, const struct params *query,
	    const struct params *headers, const char *payload_sha256_hex,
	    const char *access_key_id, const char *secret, struct strbuf *canonical_request,
	    struct strbuf *authorization)
{
	struct signed_header *h = NULL;
	size_t n = 0, i;
	struct strbuf names;
	struct request_sink sink = { NULL, canonical_request, false };
	char *canon = NULL;
	size_t canon_len;
	unsigned char digest[EVP_MAX_MD_SIZE];
	unsigned int digest_len = 0;
	char sts[sizeof(V3_ALGORITHM "\n") + 64];
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int mac_len = 0;
	char sig[65];
	int rc = -1;

	strbuf_init(&names, 0);
	if (!valid_method(method) || canonical_uri == NULL || !valid_canonical_uri(canonical_uri) ||
	    query == NULL || headers == NULL || payload_sha256_hex == NULL ||
	    !valid_sha256_hex(payload_sha256_hex) || access_key_id == NULL ||
	    !valid_access_key_id(access_key_id) || secret == NULL || *secret == '\0' ||
	    authorization == NULL)
		goto out;

	if (collect_signed_headers(headers, &h, &n) != 0)
		goto out;
	for (i = 0; i < n; i++) {
		if (i > 0 && strcmp(h[i].name, h[i - 1].name) == 0)
			continue;
		if (i > 0)
			strbuf_putc(&names, ';');
		strbuf_puts(&names, h[i].name);
	}
	/* Forces an allocation, so names.data is a string even with no headers. */
	strbuf_append(&names, "", 0);
	if (names.failed)
		goto out;
	if (canonical_query_dup(query, &canon, &canon_len) != 0)
		goto out;

	sink.md = EVP_MD_CTX_new();
	if (sink.md == NULL || EVP_DigestInit_ex(sink.md, EVP_sha256(), NULL) != 1)
		goto out;
	sink_puts(&sink, method);
	sink_put(&sink, "\n", 1);
	sink_puts(&sink, canonical_uri);
	sink_put(&sink, "\n", 1);
	sink_put(&sink, canon, canon_len);
	sink_put(&sink, "\n", 1);
	for (i = 0; i < n; i++) {
		if (i > 0 && strcmp(h[i].name, h[i - 1].name) == 0) {
			sink_put(&sink, ",", 1);
		} else {
			if (i > 0)
				sink_put(&sink, "\n", 1);
			sink_puts(&sink, h[i].name);
			sink_put(&sink, ":", 1);
		}
		sink_put(&sink, h[i].value, h[i].len);
	}
	if (n > 0)
		sink_put(&sink, "\n", 1);
	sink_put(&sink, "\n", 1);
	sink_put(&sink, names.data, names.len);
	sink_put(&sink, "\n", 1);
	sink_puts(&sink, payload_sha256_hex);
	if (sink.failed || EVP_DigestFinal_ex(sink.md, digest, &digest_len) != 1 ||
	    digest_len != 32)
		goto out;

	memcpy(sts, V3_ALGORITHM "\n", sizeof(V3_ALGORITHM "\n") - 1);
	hex_lower(digest, digest_len, sts + sizeof(V3_ALGORITHM "\n") - 1);
	if (hmac(EVP_sha256(), secret, strlen(secret), sts, strlen(sts), mac, &mac_len) != 0 ||
	    mac_len != 32)
		goto out;
	hex_lower(mac, mac_len, sig);
	if (strbuf_printf(authorization,
			  V3_ALGORITHM " Credential=%s,SignedHeaders=%s,Signature=%s",
			  access_key_id, names.data, sig) != 0)
		goto out;
	rc = 0;
out:
	EVP_MD_CTX_free(sink.md);
	free_secret(canon);
	signed_headers_free(h, n);
	strbuf_free(&names);
	return rc;
}

/* ---- digests, nonce, timestamp ---- */

int sign_sha256_hex(const void *data, size_t len, char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int md_len = 0;

	if (out == NULL || (data == NULL && len > 0))
		return -1;
	if (EVP_Digest(data, len, md, &md_len, EVP_sha256(), NULL) != 1 || md_len != 32)
		return -1;
	hex_lower(md, md_len, out);
	return 0;
}

int sign_nonce(char out[SIGN_NONCE_SIZE])
{
	unsigned char bytes[16];

	if (out == NULL)
		return -1;
	if (RAND_bytes(bytes, (int)sizeof(bytes)) != 1)
		return -1;
	hex_lower(bytes, sizeof(bytes), out);
	return 0;
}

int sign_timestamp(time_t when, char out[SIGN_TIMESTAMP_SIZE])
{
	struct tm tm;
	long year;
	int n;

	if (out == NULL || gmtime_r(&when, &tm) == NULL)
		return -1;
	/* The server only parses the fixed 20-character form. */
	year = (long)tm.tm_year + 1900;
	if (year < 0 || year > 9999)
		return -1;
	n = snprintf(out, SIGN_TIMESTAMP_SIZE, "%04ld-%02d-%02dT%02d:%02d:%02dZ", year,
		     tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
	if (n != SIGN_TIMESTAMP_SIZE - 1)
		return -1;
	return 0;
}
