/*
 * fuzz.c: the libFuzzer entry point; FUZZ_TARGET names the target in
 * targets.h.  Built and run by fuzz/run.sh.
 */
#include "targets.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	fuzz_one(FUZZ_TARGET, d, n);
	return 0;
}
