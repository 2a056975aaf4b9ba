/* sign.h - canonicalisation and signing of Alibaba Cloud API requests
 * (RPC signature version 1, HMAC-SHA1; and version 3, ACS3-HMAC-SHA256),
 * plus the nonce and timestamp every signed request carries.
 *
 * Pure functions apart from sign_nonce(), which reads the OS random source.
 * Nothing here prints or keeps a secret: the caller owns the secret and wipes
 * it. Every function returns 0 on success and -1 on failure (allocation or
 * invalid input); outputs are only valid on success. */
#ifndef ECS_SIGN_H
#define ECS_SIGN_H

#include <stddef.h>
#include <time.h>

#include "util.h"

/* One name=value pair of a request (query parameter or header). */
struct param {
	char *name;
	char *value;
};

/* An owning list of parameters, in insertion order. */
struct params {
	struct param *items;
	size_t count;
	size_t cap;
};

void params_init(struct params *p);
/* Copies name and value. */
int params_add(struct params *p, const char *name, const char *value);
/* Replace the value of an existing name, or add it. */
int params_set(struct params *p, const char *name, const char *value);
/* Value for name, or NULL. */
const char *params_get(const struct params *p, const char *name);
/* Frees everything; values are wiped first (a SecurityToken may be one). */
void params_free(struct params *p);

/* RFC 3986 percent-encoding as Alibaba Cloud requires: A-Z a-z 0-9 - _ . ~
 * stay, every other byte becomes %XY with upper-case hex (space is %20, '*'
 * is %2A). Appends to out. */
int sign_percent_encode(struct strbuf *out, const char *s);

/* The canonicalised query string of signature v1 and v3: each pair encoded,
 * sorted by encoded name (byte order; ties by encoded value), joined
 * "name=value" with '&'. Appends to out. */
int sign_canonical_query(const struct params *p, struct strbuf *out);

/* Signature v1: StringToSign = METHOD "&%2F&" percent(canonical query);
 * Signature = Base64(HMAC-SHA1(secret "&", StringToSign)). The params must
 * already hold every common parameter (AccessKeyId, SignatureNonce, ...) and
 * must not hold Signature. string_to_sign may be NULL; when given, the string
 * to sign is appended to it (to compare with the one a SignatureDoesNotMatch
 * error reports). signature receives the Base64 text, NUL-terminated. */
#define SIGN_V1_SIGNATURE_SIZE 32 /* 28 Base64 characters + NUL, rounded up */
int sign_v1(const char *method, const struct params *query, const char *secret,
	    struct strbuf *string_to_sign, char signature[SIGN_V1_SIGNATURE_SIZE]);

/* Signature v3 (ACS3-HMAC-SHA256).
 * headers: the headers to sign, names in any case (they are lower-cased),
 * normally host, x-acs-action, x-acs-version, x-acs-date,
 * x-acs-signature-nonce, x-acs-content-sha256 and, with STS credentials,
 * x-acs-security-token and x-acs-accesskey-id. Every header named x-acs-*,
 * host or content-type is signed; others are ignored.
 * payload_sha256_hex: the lower-case hex SHA-256 of the body (use
 * SIGN_EMPTY_SHA256 for an empty body).
 * authorization receives the full Authorization header value
 * "ACS3-HMAC-SHA256 Credential=ID,SignedHeaders=...,Signature=HEX".
 * canonical_request may be NULL; when given, the canonical request is
 * appended to it (for tests and for -vvv traces). */
#define SIGN_EMPTY_SHA256 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
int sign_v3(const char *method, const char *canonical_uri, const struct params *query,
	    const struct params *headers, const char *payload_sha256_hex,
	    const char *access_key_id, const char *secret, struct strbuf *canonical_request,
	    struct strbuf *authorization);

/* Lower-case hex SHA-256 of len bytes: out receives 64 characters + NUL. */
int sign_sha256_hex(const void *data, size_t len, char out[65]);

/* A fresh random nonce: 32 lower-case hex characters + NUL, from the OS
 * random source. Never reused: callers make a new one for every request. */
#define SIGN_NONCE_SIZE 33
int sign_nonce(char out[SIGN_NONCE_SIZE]);

/* UTC ISO 8601 timestamp without fractions, "YYYY-MM-DDThh:mm:ssZ". */
#define SIGN_TIMESTAMP_SIZE 21
int sign_timestamp(time_t when, char out[SIGN_TIMESTAMP_SIZE]);

#endif
