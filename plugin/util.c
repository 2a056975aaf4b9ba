/* util.c - see util.h. */
#include "config.h"

#include "util.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void strbuf_init(struct strbuf *b, size_t limit)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->limit = limit ? limit : SIZE_MAX / 2;
	b->secret = false;
	b->failed = false;
	b->over = false;
}

void strbuf_init_secret(struct strbuf *b, size_t limit)
{
	strbuf_init(b, limit);
	b->secret = true;
}

/* Make room for n more bytes plus the NUL. */
static int strbuf_grow(struct strbuf *b, size_t n)
{
	size_t need, cap;
	char *p;

	if (b->failed)
		return -1;
	if (n > b->limit - b->len) {
		b->failed = true;
		b->over = true;
		return -1;
	}
	need = b->len + n + 1;
	if (need <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	if (b->secret) {
		/* realloc() may leave the old block, secret and all, in freed
		 * memory: copy, wipe, free instead. */
		p = malloc(cap);
		if (p != NULL && b->data != NULL) {
			memcpy(p, b->data, b->len + 1);
			secure_wipe(b->data, b->cap);
			free(b->data);
		}
	} else {
		p = realloc(b->data, cap);
	}
	if (p == NULL) {
		b->failed = true;
		return -1;
	}
	b->data = p;
	b->cap = cap;
	return 0;
}

int strbuf_append(struct strbuf *b, const char *s, size_t n)
{
	if (strbuf_grow(b, n) != 0)
		return -1;
	if (n > 0)
		memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int strbuf_puts(struct strbuf *b, const char *s)
{
	return strbuf_append(b, s, strlen(s));
}

int strbuf_putc(struct strbuf *b, char c)
{
	return strbuf_append(b, &c, 1);
}

int strbuf_vprintf(struct strbuf *b, const char *fmt, va_list ap)
{
	va_list copy;
	int n;

	va_copy(copy, ap);
	n = vsnprintf(NULL, 0, fmt, copy);
	va_end(copy);
	if (n < 0) {
		b->failed = true;
		return -1;
	}
	if (strbuf_grow(b, (size_t)n) != 0)
		return -1;
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

int strbuf_printf(struct strbuf *b, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = strbuf_vprintf(b, fmt, ap);
	va_end(ap);
	return rc;
}

void strbuf_reset(struct strbuf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

char *strbuf_release(struct strbuf *b)
{
	char *s;

	if (b->failed)
		return NULL;
	if (b->data == NULL && strbuf_grow(b, 0) != 0)
		return NULL;
	if (b->len == 0)
		b->data[0] = '\0';
	s = b->data;
	{
		bool secret = b->secret;
		strbuf_init(b, b->limit);
		b->secret = secret;
	}
	return s;
}

void strbuf_free(struct strbuf *b)
{
	bool secret = b->secret;

	free(b->data);
	strbuf_init(b, b->limit);
	b->secret = secret;
}

void strbuf_wipe(struct strbuf *b)
{
	if (b->data)
		secure_wipe(b->data, b->cap);
	strbuf_free(b);
}

void secure_wipe(void *p, size_t n)
{
	if (p == NULL || n == 0)
		return;
#ifdef HAVE_EXPLICIT_BZERO
	explicit_bzero(p, n);
#else
	{
		volatile unsigned char *v = p;
		while (n--)
			*v++ = 0;
	}
#endif
}

void free_secret(char *s)
{
	if (s == NULL)
		return;
	secure_wipe(s, strlen(s));
	free(s);
}

char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

int parse_long_long(const char *s, long long min, long long max, long long *out)
{
	char *end;
	long long v;

	if (s == NULL || *s == '\0' || !(*s == '-' || (*s >= '0' && *s <= '9')))
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int ascii_casecmp(const char *a, const char *b)
{
	unsigned char ca, cb;

	do {
		ca = (unsigned char)*a++;
		cb = (unsigned char)*b++;
		if (ca >= 'A' && ca <= 'Z')
			ca = (unsigned char)(ca - 'A' + 'a');
		if (cb >= 'A' && cb <= 'Z')
			cb = (unsigned char)(cb - 'A' + 'a');
	} while (ca != '\0' && ca == cb);
	return (int)ca - (int)cb;
}
