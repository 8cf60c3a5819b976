// SPDX-License-Identifier: GPL-2.0
/* Unit tests of tunpin(8)'s pure parts; prints "N passed, N failed". */
#include <stdio.h>
#include <string.h>
#include "../caps.h"

static int passed, failed;

#define CHECK(cond) do {						\
	if (cond) {							\
		passed++;						\
	} else {							\
		failed++;						\
		fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, #cond); \
	}								\
} while (0)

static void test_caps_table(void)
{
	uint32_t all = 0;

	CHECK(NCAPS == 9);
	for (int i = 0; i < NCAPS; i++) {
		CHECK(!(all & caps[i].bit));	/* one bit each */
		all |= caps[i].bit;
		CHECK(cap_bit(caps[i].name, strlen(caps[i].name)) == caps[i].bit);
	}
	CHECK(all == TUNPIN_CAP_ALL);
	CHECK(TUNPIN_CAP_UFO == 0x10 && TUNPIN_CAP_UDP_TUNNEL_GSO_CSUM == 0x100);
}

static void test_caps_parse_print(void)
{
	char buf[256];
	uint32_t bits;

	CHECK(caps_parse("ufo,csum  tso4\n", &bits) == 0);
	CHECK(bits == (TUNPIN_CAP_CSUM | TUNPIN_CAP_TSO4 | TUNPIN_CAP_UFO));
	CHECK(caps_print(bits, " ", buf, sizeof(buf)) == 13);
	CHECK(!strcmp(buf, "csum tso4 ufo"));
	CHECK(caps_parse("csum bogus", &bits) == -1);
	CHECK(caps_parse("CSUM", &bits) == -1);
	caps_print(TUNPIN_CAP_USO4 | 0x200, ",", buf, sizeof(buf));
	CHECK(!strcmp(buf, "uso4,unknown:0x200"));
	/* Truncation is reported like snprintf. */
	CHECK(caps_print(TUNPIN_CAP_ALL, " ", buf, 4) > 4 && strlen(buf) == 3);
}

int main(void)
{
	test_caps_table();
	test_caps_parse_print();
	printf("%d passed, %d failed\n", passed, failed);
	return failed != 0;
}
