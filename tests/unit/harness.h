/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The unit tests' minimal harness: one "ok NAME" or "FAIL NAME: detail"
 * line per test and a closing "N passed, N failed" line, as tests/run
 * counts them.
 */
#ifndef _SIITDC_TEST_HARNESS_H
#define _SIITDC_TEST_HARNESS_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

static unsigned int n_passed, n_failed;
static char cur_name[128];
static char cur_detail[512];
static bool cur_failed;

static inline void test_begin(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cur_name, sizeof(cur_name), fmt, ap);
	va_end(ap);
	cur_failed = false;
	cur_detail[0] = '\0';
}

/* Records the first failure of the current test; later ones are dropped. */
static inline void fail(const char *fmt, ...)
{
	va_list ap;

	if (cur_failed)
		return;
	cur_failed = true;
	va_start(ap, fmt);
	vsnprintf(cur_detail, sizeof(cur_detail), fmt, ap);
	va_end(ap);
}

static inline void test_end(void)
{
	if (cur_failed) {
		printf("FAIL %s: %s\n", cur_name, cur_detail);
		n_failed++;
	} else {
		printf("ok %s\n", cur_name);
		n_passed++;
	}
	fflush(stdout);
}

#define CHECK(cond, ...)                                                  \
	do {                                                              \
		if (!(cond))                                              \
			fail(__VA_ARGS__);                                \
	} while (0)

#define CHECK_EQ(a, b)                                                    \
	CHECK((long long)(a) == (long long)(b), "%s = %lld, want %lld",  \
	      #a, (long long)(a), (long long)(b))

#endif /* _SIITDC_TEST_HARNESS_H */
