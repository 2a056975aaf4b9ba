/* util.h - small helpers every module uses: a bounded growable buffer, checked
 * number parsing, and wiping memory that held a secret.
 *
 * Ownership: a struct strbuf owns its data; strbuf_free() (or strbuf_wipe())
 * releases it. Functions here never exit and never print. */
#ifndef ECS_UTIL_H
#define ECS_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

/* A NUL-terminated growable byte buffer with a hard size limit. Once an append
 * fails (out of memory or over the limit) the buffer is marked failed and every
 * later append fails too, so callers may check once at the end. */
struct strbuf {
	char *data;   /* NUL-terminated when non-NULL */
	size_t len;   /* bytes used, without the NUL */
	size_t cap;   /* bytes allocated */
	size_t limit; /* most bytes (without NUL) it may hold; 0 = SIZE_MAX/2 */
	bool secret;  /* holds secrets: growing copies and wipes, never realloc()s */
	bool failed;  /* an append failed */
	bool over;    /* ... because the limit was reached */
};

void strbuf_init(struct strbuf *b, size_t limit);
/* The same for a buffer that will hold a secret (a signed URL, a token):
 * when it grows, the old copy is wiped before it is freed. Release it with
 * strbuf_wipe(). */
void strbuf_init_secret(struct strbuf *b, size_t limit);
int strbuf_append(struct strbuf *b, const char *s, size_t n);
int strbuf_puts(struct strbuf *b, const char *s);
int strbuf_putc(struct strbuf *b, char c);
int strbuf_printf(struct strbuf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int strbuf_vprintf(struct strbuf *b, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
/* Empty the buffer, keep the allocation. */
void strbuf_reset(struct strbuf *b);
/* Hand the string to the caller (who frees it) and leave the buffer empty.
 * Returns an empty allocated string for an empty buffer, NULL on failure. */
char *strbuf_release(struct strbuf *b);
void strbuf_free(struct strbuf *b);
/* Free after overwriting every allocated byte: for buffers that held secrets. */
void strbuf_wipe(struct strbuf *b);

/* Overwrite memory in a way the compiler may not optimise away. */
void secure_wipe(void *p, size_t n);
/* Wipe a NUL-terminated string and free it; NULL is fine. */
void free_secret(char *s);

/* strdup that treats NULL as NULL. Returns NULL on allocation failure too:
 * callers that pass non-NULL must check. */
char *dup_or_null(const char *s);

/* Parse a whole decimal integer in [min, max]; no sign games, no trailing text,
 * no leading spaces. Returns 0 on success, -1 otherwise. */
int parse_long_long(const char *s, long long min, long long max, long long *out);

/* A duration: "90", "90s", "15m", "2h", "1d" (whole numbers, one unit),
 * 1 second to 10 years. Returns 0 with *seconds set, or -1. */
int parse_duration(const char *s, long long *seconds);

/* "2026-11-28T10:00:00Z" (the API's times) as a time_t. Returns 0 or -1. */
int parse_api_time(const char *s, long long *when);

/* An HTTP Date header ("Sun, 29 Nov 2026 07:51:44 GMT") as a time_t,
 * independent of the locale. Returns 0 or -1. */
int parse_http_date(const char *s, long long *when);

/* How the local clock stands to another that is offset seconds ahead of it,
 * as a verb phrase: "agrees with", "is 3600 s behind", "is 60 s ahead of". */
void format_clock_relation(long long offset, char *out, size_t size);

/* "2h03m", "45s", "3d4h": a short human form of a number of seconds. */
void format_duration(long long seconds, char *out, size_t size);

/* True when s is a region id as the API spells them (cn-hangzhou,
 * ap-southeast-1): lower-case letters, digits and '-', not first, at most
 * 64. It becomes part of a host name (ecs.REGION.aliyuncs.com, STS's), so
 * nothing else may pass. */
bool is_region_id(const char *s);

/* True when s[0..n) is a short plain word ([A-Za-z0-9_.-], 1 to 40
 * characters): safe to quote in a message. A value that is not might be a
 * secret typed into the wrong field, so messages name it only when this
 * holds. */
bool is_plain_word(const char *s, size_t n);

/* Decode standard Base64 (RFC 4648, padding optional, line breaks
 * ignored), appending the bytes to out. Returns 0, or -1 on a character
 * outside the alphabet or when out fails. */
int base64_decode(const char *in, size_t len, struct strbuf *out);

/* Case-insensitive ASCII comparison, independent of the locale. */
int ascii_casecmp(const char *a, const char *b);

/* True when host[0..n) plainly names this machine: "localhost", "[::1]", or
 * an address of 127.0.0.0/8 written as four decimal parts of 0..255 without
 * leading zeros. Anything else is false, even where a resolver would make
 * it loopback: 127.1 and 127.0.0.010 are read differently by different
 * parsers (inet_aton, libcurl's URL parser), and 127.999.999.999 is no
 * address at all, so libcurl would send it to DNS. */
bool host_is_loopback(const char *host, size_t n);

/* host_is_loopback() for the host of "scheme://host[:port][/?#...]"; false
 * without a scheme or with user information ("user@host"). */
bool url_is_loopback(const char *url);

#endif
