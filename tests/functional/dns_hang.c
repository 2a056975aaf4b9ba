/* dns_hang.c - an LD_PRELOAD shim that keeps the DNS rows of the tests off
 * the network: the suite talks to loopback only, and the machine's resolver
 * is not on it.
 *
 * ECS_TEST_DNS_HANG=NAME: getaddrinfo() of NAME blocks for a minute, as when
 * the resolver sends its queries into a black hole, to prove that a hanging
 * look-up cannot hold the plugin past its -t deadline.
 *
 * ECS_TEST_DNS_OFFLINE=1: getaddrinfo() of any name but an address literal
 * and "localhost" fails at once with EAI_NONAME, as an NXDOMAIN answer
 * would, without a query leaving the machine: whatever name a test (or a
 * plugin that cut a name short) asks for.
 *
 * Otherwise names are resolved as usual. tests/lib/ecstest.py (dns_shim())
 * builds it with the C compiler and preloads it, after the AddressSanitizer
 * runtime when the plugin has one. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dlfcn.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

typedef int (*getaddrinfo_fn)(const char *, const char *, const struct addrinfo *,
			      struct addrinfo **);

/* What resolves without a query: an IPv4 or IPv6 literal, and localhost
 * (from /etc/hosts). */
static int resolves_locally(const char *node)
{
	unsigned char addr[16];

	return inet_pton(AF_INET, node, addr) == 1 || inet_pton(AF_INET6, node, addr) == 1 ||
	       strcasecmp(node, "localhost") == 0;
}

int getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
		struct addrinfo **res)
{
	const char *hang = getenv("ECS_TEST_DNS_HANG");
	const char *offline = getenv("ECS_TEST_DNS_OFFLINE");
	getaddrinfo_fn next;

	if (hang != NULL && node != NULL && strcmp(node, hang) == 0) {
		struct timespec left = { 60, 0 };

		/* nanosleep resumes after a signal: the minute is spent in full
		 * unless the process ends first. */
		while (nanosleep(&left, &left) != 0)
			;
		return EAI_AGAIN;
	}
	if (offline != NULL && strcmp(offline, "1") == 0 && node != NULL && !resolves_locally(node))
		return EAI_NONAME;
	next = (getaddrinfo_fn)dlsym(RTLD_NEXT, "getaddrinfo");
	if (next == NULL)
		return EAI_SYSTEM;
	return next(node, service, hints, res);
}
