/* dns_hang.c - an LD_PRELOAD shim for the fault tests: getaddrinfo() of the
 * host named by ECS_TEST_DNS_HANG blocks for a minute, as when the resolver
 * sends its queries into a black hole; every other name is resolved as
 * usual. test_faults.t builds it with the C compiler and preloads it (after
 * the AddressSanitizer runtime when the plugin has one), to prove that a
 * hanging look-up cannot hold the plugin past its -t deadline. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef int (*getaddrinfo_fn)(const char *, const char *, const struct addrinfo *,
			      struct addrinfo **);

int getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
		struct addrinfo **res)
{
	const char *hang = getenv("ECS_TEST_DNS_HANG");
	getaddrinfo_fn next;

	if (hang != NULL && node != NULL && strcmp(node, hang) == 0) {
		struct timespec left = { 60, 0 };

		/* nanosleep resumes after a signal: the minute is spent in full
		 * unless the process ends first. */
		while (nanosleep(&left, &left) != 0)
			;
		return EAI_AGAIN;
	}
	next = (getaddrinfo_fn)dlsym(RTLD_NEXT, "getaddrinfo");
	if (next == NULL)
		return EAI_SYSTEM;
	return next(node, service, hints, res);
}
