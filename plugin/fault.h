/* fault.h - why a check could not be done.
 *
 * Every module reports failure the same way: it returns -1 and fills a
 * struct fault with a class and one line for the operator that says what went
 * wrong and, where we can tell, what to do about it. main() turns any fault
 * into UNKNOWN. The text never holds a secret: it is built only from values
 * that are safe to show. */
#ifndef ECS_FAULT_H
#define ECS_FAULT_H

#include <stdbool.h>

enum fault_class {
	FAULT_NONE = 0,
	FAULT_USAGE,       /* bad or missing option */
	FAULT_CREDENTIALS, /* no or unusable credentials */
	FAULT_DNS,         /* host name did not resolve */
	FAULT_CONNECT,     /* could not connect */
	FAULT_TLS,         /* TLS handshake or verification failed */
	FAULT_TRANSPORT,   /* other network failure (reset, cut transfer) */
	FAULT_HTTP,        /* HTTP status without an API error body */
	FAULT_API,         /* the API answered with an error Code */
	FAULT_THROTTLED,   /* throttling that outlasted the retries */
	FAULT_TOO_LARGE,   /* response over the size cap */
	FAULT_JSON,        /* response is not valid JSON */
	FAULT_SHAPE,       /* valid JSON, but not the documented shape */
	FAULT_STATUS,      /* a status value the plugin cannot judge */
	FAULT_DEADLINE,    /* the -t deadline came first */
	FAULT_NOMEM,       /* out of memory */
	FAULT_INTERNAL     /* a bug */
};

#define FAULT_TEXT_SIZE 640

struct fault {
	enum fault_class klass;
	bool retryable; /* worth another try (throttling, 5xx, transport) */
	char code[96];  /* the API's error Code for FAULT_API/FAULT_THROTTLED, else "" */
	char text[FAULT_TEXT_SIZE];
	/* What to do about it, a static string or NULL; kept apart from the
	 * text until fault_advise(), so that notes such as the number of
	 * attempts can come before it. */
	const char *advice;
	/* The advice is about reaching the endpoint that -e chose (its
	 * host, port, scheme or certificate). For a request sent to another
	 * service, STS, the caller names the setting that chose that
	 * service's endpoint instead (api_target.reach_advice). */
	bool about_endpoint;
};

void fault_clear(struct fault *f);
/* Set the class and the text (printf-style; output is cut to fit). */
void fault_set(struct fault *f, enum fault_class klass, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Append note (if not NULL) and then ": " and the advice to the text (the
 * class's own advice when none was set, e.g. for malformed JSON), and forget
 * the advice. */
void fault_advise(struct fault *f, const char *note);
/* Short lower-case name of a class, for -v output and tests. */
const char *fault_class_name(enum fault_class klass);

#endif
