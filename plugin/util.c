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

int parse_duration(const char *s, long long *seconds)
{
	long long n = 0, unit = 1;
	const char *p = s;

	if (s == NULL || *p < '0' || *p > '9')
		return -1;
	while (*p >= '0' && *p <= '9') {
		if (n > 1000000000LL)
			return -1;
		n = n * 10 + (*p++ - '0');
	}
	switch (*p) {
	case '\0': break;
	case 's': unit = 1; p++; break;
	case 'm': unit = 60; p++; break;
	case 'h': unit = 3600; p++; break;
	case 'd': unit = 86400; p++; break;
	default: return -1;
	}
	if (*p != '\0' || n == 0 || n * unit > 10LL * 366 * 86400)
		return -1;
	*seconds = n * unit;
	return 0;
}

/* Days since 1970-01-01 of a civil date (proleptic Gregorian), so no
 * timegm() and no time zone are involved. */
static long long days_from_civil(long long y, unsigned m, unsigned d)
{
	long long era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? (unsigned)-3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (long long)doe - 719468;
}

static int digits(const char *s, int n, unsigned *out)
{
	unsigned v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	*out = v;
	return 0;
}

static int make_time(unsigned y, unsigned mo, unsigned d, unsigned h, unsigned mi, unsigned se,
		     long long *when)
{
	static const unsigned mdays[12] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 || mi > 59 || se > 60)
		return -1;
	*when = days_from_civil(y, mo, d) * 86400 + (long long)h * 3600 + (long long)mi * 60 + se;
	return 0;
}

int parse_api_time(const char *s, long long *when)
{
	unsigned y, mo, d, h, mi, se;

	if (s == NULL || strlen(s) != 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' ||
	    s[13] != ':' || s[16] != ':' || s[19] != 'Z' || digits(s, 4, &y) || digits(s + 5, 2, &mo) ||
	    digits(s + 8, 2, &d) || digits(s + 11, 2, &h) || digits(s + 14, 2, &mi) ||
	    digits(s + 17, 2, &se))
		return -1;
	return make_time(y, mo, d, h, mi, se, when);
}

int parse_http_date(const char *s, long long *when)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	unsigned y, mo = 0, d, h, mi, se;

	/* IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT", the form servers send. */
	if (s == NULL || strlen(s) != 29 || s[3] != ',' || s[4] != ' ' || s[7] != ' ' ||
	    s[11] != ' ' || s[16] != ' ' || s[19] != ':' || s[22] != ':' || strcmp(s + 25, " GMT") != 0 ||
	    digits(s + 5, 2, &d) || digits(s + 12, 4, &y) || digits(s + 17, 2, &h) ||
	    digits(s + 20, 2, &mi) || digits(s + 23, 2, &se))
		return -1;
	for (unsigned i = 0; i < 12; i++)
		if (strncmp(months + (size_t)3 * i, s + 8, 3) == 0)
			mo = i + 1;
	if (mo == 0)
		return -1;
	return make_time(y, mo, d, h, mi, se, when);
}

void format_duration(long long seconds, char *out, size_t size)
{
	if (seconds < 0)
		seconds = 0;
	if (seconds < 60)
		snprintf(out, size, "%llds", seconds);
	else if (seconds < 3600)
		snprintf(out, size, "%lldm%02llds", seconds / 60, seconds % 60);
	else if (seconds < 86400)
		snprintf(out, size, "%lldh%02lldm", seconds / 3600, seconds % 3600 / 60);
	else
		snprintf(out, size, "%lldd%lldh", seconds / 86400, seconds % 86400 / 3600);
}

void format_clock_relation(long long offset, char *out, size_t size)
{
	if (offset == 0)
		snprintf(out, size, "agrees with");
	else
		snprintf(out, size, "is %lld s %s", offset < 0 ? -offset : offset,
			 offset > 0 ? "behind" : "ahead of");
}

bool is_region_id(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 64 || s[0] == '-')
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-'))
			return false;
	return true;
}

bool is_plain_word(const char *s, size_t n)
{
	if (s == NULL || n == 0 || n > 40)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '.' || c == '-'))
			return false;
	}
	return true;
}

static int base64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int base64_decode(const char *in, size_t len, struct strbuf *out)
{
	unsigned long acc = 0;
	int bits = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];
		int v;

		if (c == '\r' || c == '\n')
			continue;
		if (c == '=')
			break;
		v = base64_value(c);
		if (v < 0)
			return -1;
		acc = (acc << 6) | (unsigned long)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (strbuf_putc(out, (char)((acc >> bits) & 0xFF)) != 0)
				return -1;
		}
	}
	return 0;
}

/* 127.0.0.0/8 as a canonical dotted quad: exactly four parts, each 1 to 3
 * decimal digits, no leading zero, at most 255, the first 127. */
static bool is_dotted_quad_127(const char *s, size_t n)
{
	unsigned parts = 0;
	size_t i = 0;

	for (;;) {
		unsigned v = 0;
		size_t start = i;

		while (i < n && i - start < 4 && s[i] >= '0' && s[i] <= '9')
			v = v * 10 + (unsigned)(s[i++] - '0');
		if (i == start || i - start > 3 || v > 255 || (s[start] == '0' && i - start > 1))
			return false;
		if (parts++ == 0 && v != 127)
			return false;
		if (i == n)
			return parts == 4;
		if (s[i] != '.' || parts == 4)
			return false;
		i++;
	}
}

bool host_is_loopback(const char *host, size_t n)
{
	if ((n == 9 && strncmp(host, "localhost", 9) == 0) ||
	    (n == 5 && strncmp(host, "[::1]", 5) == 0))
		return true;
	return is_dotted_quad_127(host, n);
}

bool url_is_loopback(const char *url)
{
	const char *p = url, *host, *end, *after;

	if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')))
		return false;
	while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
	       *p == '+' || *p == '-' || *p == '.')
		p++;
	if (strncmp(p, "://", 3) != 0)
		return false;
	host = p + 3;
	end = host + strcspn(host, "/?#");
	if (memchr(host, '@', (size_t)(end - host)) != NULL)
		return false;
	if (*host == '[') {
		after = memchr(host, ']', (size_t)(end - host));
		if (after == NULL)
			return false;
		after++;
	} else {
		after = memchr(host, ':', (size_t)(end - host));
		if (after == NULL)
			after = end;
	}
	if (after != end && *after != ':')
		return false;
	return host_is_loopback(host, (size_t)(after - host));
}
