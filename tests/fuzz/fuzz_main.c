/* fuzz_main.c - libFuzzer's entry point for one target of fuzz.h, chosen
 * when it is built: run-fuzz.sh compiles this file once per target with
 * -DFUZZ_TARGET=fuzz_decode (or fuzz_thresholds, ...).
 *
 * A broken promise is reported like a crash (abort()), so that libFuzzer
 * keeps the input and the run fails, as it does for a sanitizer report. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "fuzz.h"

#ifndef FUZZ_TARGET
#error "build with -DFUZZ_TARGET=<one of the functions in fuzz.h>"
#endif

#define NAME_OF(f) NAME_OF_(f)
#define NAME_OF_(f) #f

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *broken = FUZZ_TARGET(data, size);

	if (broken != NULL) {
		fprintf(stderr, "%s: %s\n", NAME_OF(FUZZ_TARGET), broken);
		abort();
	}
	return 0;
}
