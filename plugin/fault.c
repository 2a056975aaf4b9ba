/* fault.c - see fault.h. */
#include "config.h"

#include "fault.h"

#include <stdarg.h>
#include <stdio.h>

void fault_clear(struct fault *f)
{
	f->klass = FAULT_NONE;
	f->retryable = false;
	f->code[0] = '\0';
	f->text[0] = '\0';
}

void fault_set(struct fault *f, enum fault_class klass, const char *fmt, ...)
{
	va_list ap;

	f->klass = klass;
	f->retryable = false;
	f->code[0] = '\0';
	va_start(ap, fmt);
	if (vsnprintf(f->text, sizeof(f->text), fmt, ap) < 0)
		f->text[0] = '\0';
	va_end(ap);
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
