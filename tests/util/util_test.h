// SPDX-License-Identifier: MIT
/*
 * DOC: what the tests of every layer share (tests/util/)
 *
 * The randomized tests (the B+tree's, the VA index's, the VA-space and
 * page-table differential tests) draw from one generator, SplitMix64: a
 * 64-bit state, one addition and three xor-shift-multiply steps per
 * number, so a run is replayed exactly from the seed its failure message
 * names.
 * The layers' own test headers include this one.
 */
#ifndef GPUVM_TESTS_UTIL_TEST_H
#define GPUVM_TESTS_UTIL_TEST_H

#include <stdint.h>

static inline uint64_t splitmix64(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

#endif /* GPUVM_TESTS_UTIL_TEST_H */
