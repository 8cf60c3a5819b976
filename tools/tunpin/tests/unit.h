/* SPDX-License-Identifier: GPL-2.0 */
/* The unit tests' one check macro and counters. */
#ifndef TUNPIN_TOOL_UNIT_H
#define TUNPIN_TOOL_UNIT_H

#include <stdio.h>

extern int passed, failed;

#define CHECK(cond) do {						\
	if (cond) {							\
		passed++;						\
	} else {							\
		failed++;						\
		fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, #cond); \
	}								\
} while (0)

struct cli;
/* cli_parse() of "tunpin" and the words up to NULL (unit.c) */
int unit_parse(struct cli *c, ...);
#define PARSE(c, ...) unit_parse(c, __VA_ARGS__, (char *)NULL)

void test_nl(void);	/* nl.c against a fake kernel (nl_fake.c) */
/* that kernel answering every command, for tests/tunpin-fake */
void nl_fake_serve(void);
void test_dump(void);	/* dump.c: JSON (dump_test.c) */
void test_pool(void);	/* catalog.c, pool.c (pool_test.c) */
/* the command table, its help and completion (cli_test.c) */
void test_cli_table(void);
void test_metrics(void);	/* metrics.c (metrics_test.c) */
/* which VM holds what, precheck, set --dry-run, the canary (vminfo_test.c) */
void test_vminfo(void);

#endif
