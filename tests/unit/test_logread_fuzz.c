/*
 * test_logread_fuzz.c: replay the fuzz corpus and every crasher ever
 * found (fuzz/corpus/<target>/, fuzz/crashers/<target>/) through the
 * same targets the fuzzer runs, in the normal build: no input may crash
 * a parser or break the checks inside the targets.  Run from the top of
 * the tree (tests/run does).
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../../fuzz/targets.h"

static long
replay_dir(const char *target, const char *dir)
{
	char path[1024];
	unsigned char *buf;
	struct dirent *e;
	long n = 0;
	size_t len;
	FILE *fp;
	DIR *d;

	if ((d = opendir(dir)) == NULL)
		return -1;
	buf = malloc(1 << 20);
	assert_non_null(buf);
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if ((fp = fopen(path, "rb")) == NULL)
			continue;
		len = fread(buf, 1, 1 << 20, fp);
		fclose(fp);
		fuzz_one(target, buf, len);
		n++;
	}
	closedir(d);
	free(buf);
	return n;
}

static void
test_replay(void **state)
{
	char dir[256];
	long n, total = 0, crashers = 0;
	int i;

	for (i = 0; fuzz_names[i] != NULL; i++) {
		snprintf(dir, sizeof(dir), "fuzz/corpus/%s", fuzz_names[i]);
		n = replay_dir(fuzz_names[i], dir);
		if (n <= 0)
			fail_msg("%s: no corpus (run from the top of the "
			    "tree)", dir);
		total += n;
		snprintf(dir, sizeof(dir), "fuzz/crashers/%s", fuzz_names[i]);
		if ((n = replay_dir(fuzz_names[i], dir)) > 0)
			crashers += n;
	}
	print_message("replayed %ld corpus inputs and %ld crashers\n", total,
	    crashers);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_replay),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
