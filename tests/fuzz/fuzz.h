/* fuzz.h - the fuzz targets: each feeds one input to one group of parsers
 * and checks what their headers promise about the result.
 *
 * The same functions serve libFuzzer (fuzz_main.c, built by run-fuzz.sh with
 * clang) and the corpus replay test (tests/unit/test_fuzz_corpus.c, built by
 * the normal build), so `make check` runs every committed input through
 * exactly the code the fuzzer ran, under the sanitizers in CI.
 *
 * Each returns NULL when every promise held, otherwise a short text naming
 * the promise that broke (a string literal). Memory errors, leaks and
 * undefined behaviour are left to the sanitizers: the targets free
 * everything they are given, so a leak report means the parser leaked. */
#ifndef ECS_FUZZ_H
#define ECS_FUZZ_H

#include <stddef.h>
#include <stdint.h>

/* A response body, through every decoder of decode.h. */
const char *fuzz_decode(const uint8_t *data, size_t size);
/* A threshold range, through range_parse() and range_alerts(). */
const char *fuzz_thresholds(const uint8_t *data, size_t size);
/* A command line (one argument per line or NUL-separated piece), through
 * options_parse() and options_finish(); see fuzz_options.c for the lines
 * that stand for the environment. */
const char *fuzz_options(const uint8_t *data, size_t size);
/* A credentials file, through both parsers of profiles.h. */
const char *fuzz_profiles(const uint8_t *data, size_t size);

#endif
