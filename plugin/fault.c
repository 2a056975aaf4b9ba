/* fault.c - see fault.h. */
#include "config.h"

#include "fault.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void fault_clear(struct fault *f)
{
	f->klass = FAULT_NONE;
	f->retryable = false;
	f->code[0] = '\0';
	f->text[0] = '\0';
	f->advice = NULL;
	f->about_endpoint = false;
}

void fault_set(struct fault *f, enum fault_class klass, const char *fmt, ...)
{
	va_list ap;

	f->klass = klass;
	f->retryable = false;
	f->code[0] = '\0';
	f->advice = NULL;
	f->about_endpoint = false;
	va_start(ap, fmt);
	if (vsnprintf(f->text, sizeof(f->text), fmt, ap) < 0)
		f->text[0] = '\0';
	va_end(ap);
}

/* What to do about a class of fault, where the class alone tells. */
static const char *class_advice(enum fault_class klass)
{
	switch (klass) {
	case FAULT_JSON:
		return "not an answer of the ECS API; check -e and any proxy";
	case FAULT_SHAPE:
		return "the API may have changed; please report it";
	default:
		return NULL;
	}
}

void fault_advise(struct fault *f, const char *note)
{
	size_t n = strlen(f->text);

	if (f->advice == NULL)
		f->advice = class_advice(f->klass);

	if (note != NULL && n < sizeof(f->text))
		n += (size_t)snprintf(f->text + n, sizeof(f->text) - n, "%s", note);
	if (f->advice != NULL && n < sizeof(f->text))
		snprintf(f->text + n, sizeof(f->text) - n, ": %s", f->advice);
	f->advice = NULL;
	f->about_endpoint = false;
}

const char *fault_class_name(enum fault_class klass)
{
	switch (klass) {
	case FAULT_NONE: return "none";
	case FAULT_USAGE: return "usage";
	case FAULT_CREDENTIALS: return "credentials";
	case FAULT_DNS: return "dns";
	case FAULT_CONNECT: return "connect";
	case FAULT_TLS: return "tls";
	case FAULT_TRANSPORT: return "transport";
	case FAULT_HTTP: return "http";
	case FAULT_API: return "api";
	case FAULT_THROTTLED: return "throttled";
	case FAULT_TOO_LARGE: return "too-large";
	case FAULT_JSON: return "json";
	case FAULT_SHAPE: return "shape";
	case FAULT_STATUS: return "status";
	case FAULT_DEADLINE: return "deadline";
	case FAULT_NOMEM: return "nomem";
	case FAULT_INTERNAL: return "internal";
	}
	return "unknown";
}
