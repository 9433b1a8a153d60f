/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The siitdcd unit tests' harness: one "ok NAME" or "not ok NAME" line per
 * test (with "#   detail" lines on failure), a closing "# N passed, N
 * failed" and exit status 1 when any failed.
 */
#ifndef SIITDCD_TEST_UTIL_H
#define SIITDCD_TEST_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

static unsigned int t_passed, t_failed;
static char t_name[160];
static bool t_bad;

static inline void t_begin(const char *name)
{
	snprintf(t_name, sizeof(t_name), "%s", name);
	t_bad = false;
}

__attribute__((format(printf, 3, 4)))
static inline void t_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	t_bad = true;
	printf("#   %s:%d: ", file, line);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

static inline void t_end(void)
{
	if (t_bad) {
		printf("not ok %s\n", t_name);
		t_failed++;
	} else {
		printf("ok %s\n", t_name);
		t_passed++;
	}
	fflush(stdout);
}

static inline int t_summary(void)
{
	printf("# %u passed, %u failed\n", t_passed, t_failed);
	return t_failed ? 1 : 0;
}

#define CHECK(cond, ...)                                                  \
	do {                                                              \
		if (!(cond))                                              \
			t_fail(__FILE__, __LINE__, __VA_ARGS__);          \
	} while (0)

#endif /* SIITDCD_TEST_UTIL_H */
