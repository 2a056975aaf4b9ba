/* free_scan.c - an LD_PRELOAD shim for test_wipe.t: every block the plugin
 * (or a library it uses) gives back to the allocator is written, as it was
 * at that moment, to a file, so that the test can look for secrets in what
 * was freed without being wiped.
 *
 * Environment:
 *   ECS_FREE_SCAN_OUT=PATH  append a record for each freed block to PATH:
 *                           "B <size> <frames>\n", the block's <size> bytes,
 *                           "\n". <frames> says where free() was called
 *                           from: object+0xoffset, innermost first, joined
 *                           by '<' (addr2line -e OBJECT turns an offset of
 *                           the plugin into a line).
 *   ECS_FREE_SCAN_MIN=N     leave out blocks shorter than N bytes (default
 *                           8): no secret fits in them.
 * Blocks that hold nothing but zero bytes (wiped ones) are left out too.
 *
 * Without AddressSanitizer the shim's free() and realloc() take the C
 * library's place: realloc() is done as malloc, copy, free, so that the
 * block a moving realloc() leaves behind is seen as well. Under
 * AddressSanitizer (its runtime preloaded first, as it must be) the shim's
 * functions are never reached; the shim installs a free hook instead
 * (__sanitizer_install_malloc_and_free_hooks), which ASan runs before it
 * takes a block back, its own realloc() included. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <execinfo.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#define MAX_FRAMES 16

static void (*real_free)(void *);
static void *(*real_malloc)(size_t);
static int out_fd = -1;
static size_t min_size = 8;
static bool asan;
static __thread bool busy; /* no scan of what a scan frees */
static int lock;

static size_t (*asan_size)(const volatile void *);

static bool all_zero(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != 0)
			return false;
	return true;
}

/* "object+0xoffset<..." for the frames outside this shim and the
 * sanitizer's runtime. Allocates nothing. */
static size_t where(char *out, size_t size)
{
	void *frames[MAX_FRAMES];
	int n = backtrace(frames, MAX_FRAMES);
	size_t len = 0;

	out[0] = '\0';
	for (int i = 0; i < n && len + 1 < size; i++) {
		Dl_info info;
		const char *name, *slash;
		int k;

		if (dladdr(frames[i], &info) == 0 || info.dli_fname == NULL)
			continue;
		name = info.dli_fname;
		slash = strrchr(name, '/');
		if (slash != NULL)
			name = slash + 1;
		if (strstr(name, "free_scan") != NULL || strncmp(name, "libasan", 7) == 0)
			continue;
		k = snprintf(out + len, size - len, "%s%s+0x%lx", len ? "<" : "", name,
			     (unsigned long)((uintptr_t)frames[i] - (uintptr_t)info.dli_fbase));
		if (k < 0 || (size_t)k >= size - len)
			break;
		len += (size_t)k;
	}
	for (size_t i = 0; i < len; i++)
		if (out[i] == ' ' || out[i] == '\n')
			out[i] = '_';
	return len;
}

static void record(const void *p, size_t n)
{
	char head[64], frames[1024];
	struct iovec iov[4];
	size_t flen;
	int hlen;

	if (out_fd < 0 || p == NULL || n < min_size || busy)
		return;
	if (all_zero(p, n))
		return;
	busy = true;
	flen = where(frames, sizeof(frames));
	hlen = snprintf(head, sizeof(head), "B %zu ", n);
	iov[0].iov_base = head;
	iov[0].iov_len = (size_t)hlen;
	iov[1].iov_base = frames;
	iov[1].iov_len = flen;
	iov[2].iov_base = (void *)(uintptr_t)"\n";
	iov[2].iov_len = 1;
	iov[3].iov_base = (void *)(uintptr_t)p;
	iov[3].iov_len = n;
	while (__atomic_exchange_n(&lock, 1, __ATOMIC_ACQUIRE))
		;
	/* The system calls themselves: ASan's writev() would check the block,
	 * and the plugin's arena keeps the parts it has not handed out
	 * poisoned. A failed write leaves a file the test finds cut short. */
	if (syscall(SYS_writev, out_fd, iov, 4) >= 0)
		(void)syscall(SYS_write, out_fd, "\n", 1);
	__atomic_store_n(&lock, 0, __ATOMIC_RELEASE);
	busy = false;
}

static void on_asan_malloc(const volatile void *p, size_t n)
{
	(void)p;
	(void)n;
}

static void on_asan_free(const volatile void *p)
{
	if (p != NULL)
		record((const void *)(uintptr_t)p, asan_size(p));
}

__attribute__((constructor)) static void scan_start(void)
{
	const char *path = getenv("ECS_FREE_SCAN_OUT");
	const char *min = getenv("ECS_FREE_SCAN_MIN");
	int (*install)(void (*)(const volatile void *, size_t), void (*)(const volatile void *));
	void *frames[2];

	if (min != NULL && *min != '\0')
		min_size = (size_t)strtoul(min, NULL, 10);
	/* backtrace() loads libgcc_s on its first call: not inside free(). */
	busy = true;
	(void)backtrace(frames, 2);
	busy = false;
	install = (int (*)(void (*)(const volatile void *, size_t),
			   void (*)(const volatile void *)))
		dlsym(RTLD_DEFAULT, "__sanitizer_install_malloc_and_free_hooks");
	asan_size = (size_t (*)(const volatile void *))dlsym(RTLD_DEFAULT,
							       "__sanitizer_get_allocated_size");
	if (install != NULL && asan_size != NULL) {
		asan = true;
		install(on_asan_malloc, on_asan_free);
	}
	if (path != NULL && *path != '\0')
		out_fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
}

static bool resolve(void)
{
	static bool resolving;

	if (real_free != NULL && real_malloc != NULL)
		return true;
	if (resolving)
		return false; /* dlsym() freeing while it looks free() up */
	resolving = true;
	real_free = (void (*)(void *))dlsym(RTLD_NEXT, "free");
	real_malloc = (void *(*)(size_t))dlsym(RTLD_NEXT, "malloc");
	resolving = false;
	return real_free != NULL && real_malloc != NULL;
}

void free(void *p)
{
	if (p == NULL || !resolve())
		return;
	if (!asan)
		record(p, malloc_usable_size(p));
	real_free(p);
}

void *realloc(void *p, size_t n)
{
	size_t old;
	void *q;

	if (!resolve())
		return NULL;
	if (p == NULL)
		return real_malloc(n);
	if (n == 0) {
		free(p);
		return NULL;
	}
	old = malloc_usable_size(p);
	q = real_malloc(n);
	if (q == NULL)
		return NULL;
	memcpy(q, p, old < n ? old : n);
	free(p);
	return q;
}
