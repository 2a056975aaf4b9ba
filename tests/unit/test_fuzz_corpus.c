/* test_fuzz_corpus.c - every committed fuzz input, run through its target
 * in the normal build: the seed corpora (tests/fuzz/corpus/TARGET/) and the
 * inputs that once found a bug (tests/fuzz/regressions/TARGET/).
 *
 * The targets are the very functions libFuzzer calls (tests/fuzz/fuzz.h),
 * so under the sanitizer build of tests/run-all.sh this is a short fuzz run
 * on known inputs: a bug fixed after a fuzzer found it stays fixed without
 * clang or libFuzzer. Each file is handed over in a buffer of exactly its
 * size, as libFuzzer does, so reading past the end is an ASan report here
 * too.
 *
 * Where the files are: $ECS_SRCDIR/tests/fuzz (set by make check and
 * run-all.sh), else the source directory this was configured from. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "tap.h"

/* Fewer seeds than this means the corpus went missing, not that it is
 * small: each committed one has more. */
#define MIN_SEEDS 10
#define MAX_FILES 256
#define MAX_FILE_SIZE (1 << 20)

static const struct {
	const char *name;
	const char *(*run)(const uint8_t *data, size_t size);
} targets[] = {
	{ "decode", fuzz_decode },
	{ "thresholds", fuzz_thresholds },
	{ "options", fuzz_options },
	{ "profiles", fuzz_profiles },
};

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The whole file in a buffer of exactly its size (one byte for an empty
 * file, which is then not read). Returns NULL when it cannot be read. */
static uint8_t *read_exact(const char *path, size_t *size)
{
	FILE *fp = fopen(path, "rb");
	uint8_t *data = NULL;
	long n;

	if (fp == NULL)
		return NULL;
	if (fseek(fp, 0, SEEK_END) != 0 || (n = ftell(fp)) < 0 || n > MAX_FILE_SIZE ||
	    fseek(fp, 0, SEEK_SET) != 0)
		goto done;
	data = malloc(n > 0 ? (size_t)n : 1);
	if (data != NULL && fread(data, 1, (size_t)n, fp) != (size_t)n) {
		free(data);
		data = NULL;
	}
	*size = (size_t)n;
done:
	fclose(fp);
	return data;
}

/* Run every file of base/sub through run, naming each test sub/FILE;
 * returns how many there were, or -1 when the directory cannot be opened. */
static int replay_dir(const char *base, const char *sub, const char *(*run)(const uint8_t *, size_t))
{
	char dir[3500];
	char *names[MAX_FILES];
	int count = 0;
	DIR *d;
	struct dirent *e;

	snprintf(dir, sizeof(dir), "%s/%s", base, sub);
	d = opendir(dir);
	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		/* A corpus is a few dozen files: more means someone committed
		 * a fuzzer's whole working corpus, which is not what to keep. */
		if (count == MAX_FILES) {
			ok(0, "%s has more than %d files", sub, MAX_FILES);
			break;
		}
		names[count] = strdup(e->d_name);
		if (names[count] != NULL)
			count++;
	}
	closedir(d);
	qsort(names, (size_t)count, sizeof(names[0]), by_name);
	for (int i = 0; i < count; i++) {
		char path[4096 + 256];
		size_t size = 0;
		uint8_t *data;
		const char *broken;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		data = read_exact(path, &size);
		if (data == NULL) {
			ok(0, "%s/%s: cannot read it", sub, names[i]);
		} else {
			broken = run(data, size);
			ok(broken == NULL, "%s/%s (%zu bytes)%s%s", sub, names[i], size,
			   broken != NULL ? ": " : "", broken != NULL ? broken : "");
		}
		free(data);
		free(names[i]);
	}
	return count;
}

int main(void)
{
	const char *srcdir = getenv("ECS_SRCDIR");
	char base[3072], sub[64];

	snprintf(base, sizeof(base), "%s/tests/fuzz",
		 srcdir != NULL && *srcdir != '\0' ? srcdir : ECS_TOP_SRCDIR);
	for (size_t t = 0; t < sizeof(targets) / sizeof(targets[0]); t++) {
		int n;

		snprintf(sub, sizeof(sub), "corpus/%s", targets[t].name);
		n = replay_dir(base, sub, targets[t].run);
		if (n < 0)
			ok(0, "%s/%s: %s", base, sub, strerror(errno));
		else
			ok(n >= MIN_SEEDS, "%s has at least %d seeds (%d)", sub, MIN_SEEDS, n);
		/* Only targets that once failed have regressions. */
		snprintf(sub, sizeof(sub), "regressions/%s", targets[t].name);
		replay_dir(base, sub, targets[t].run);
	}
	return tap_done();
}
