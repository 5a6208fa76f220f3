/*
 * cifar-split: split the 50,000 CIFAR-10 training images into train and
 * val, deterministically.
 *
 * Reads: a cifar-fetch manifest (a file operand, or stdin), and every file
 * it names, each checked against its sha256.
 * Writes: the split index file (lib/cifar.h), atomically; the cifar-split
 * manifest (doc/FORMATS.md) on stdout.  It copies no image data.
 */
#include <sys/stat.h>

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "atomic.h"
#include "cifar.h"
#include "hash.h"
#include "jsonio.h"
#include "rng.h"
#include "util.h"

#define USAGE		"[-m mode] [-o index] [-s seed] [-v n] [manifest]"
#define MANIFEST_MAX	(1 << 20)
#define SPLIT_STREAM	0x73706c6974ULL	/* "split": the PRNG stream */

enum mode { MODE_RANDOM, MODE_STRATIFIED, MODE_TAIL };
static const char *const mode_names[] = { "random", "stratified", "tail" };

struct opts {
	enum mode	 mode;
	const char	*index;		/* -o, or NULL for the default */
	long		 seed;
	long		 val;
	const char	*input;		/* manifest path, "-" for stdin */
};

/* The training images' labels and the per-class counts of each split. */
struct data {
	uint32_t	 total;
	uint8_t		*labels;	/* total labels, in file order */
	uint32_t	 test_n;
	uint32_t	 test_pc[CIFAR_NCLASS];
};

static void
parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "mode",	required_argument,	NULL, 'm' },
		{ "output",	required_argument,	NULL, 'o' },
		{ "seed",	required_argument,	NULL, 's' },
		{ "val",	required_argument,	NULL, 'v' },
		{ NULL,		0,			NULL, 0 }
	};
	const char *errstr;
	int c, i;

	memset(o, 0, sizeof(*o));
	o->mode = MODE_RANDOM;
	o->seed = 1;
	o->val = 5000;
	o->input = "-";
	while ((c = getopt_long(argc, argv, "m:o:s:v:", longopts, NULL)) !=
	    -1) {
		switch (c) {
		case 'm':
			for (i = 0; i < 3; i++)
				if (strcmp(optarg, mode_names[i]) == 0)
					break;
			if (i == 3)
				usage_error(USAGE, "-m %s: not random, "
				    "stratified or tail", optarg);
			o->mode = (enum mode)i;
			break;
		case 'o':
			if (*optarg == '\0')
				usage_error(USAGE, "-o: empty file name");
			o->index = optarg;
			break;
		case 's':
			if (parse_long(optarg, 0, LONG_MAX, &o->seed,
			    &errstr) != 0)
				usage_error(USAGE, "-s %s: %s", optarg,
				    errstr);
			break;
		case 'v':
			if (parse_long(optarg, 0, INT32_MAX, &o->val,
			    &errstr) != 0)
				usage_error(USAGE, "-v %s: %s", optarg,
				    errstr);
			break;
		default:
			usage_error(USAGE, NULL);
		}
	}
	if (argc - optind > 1)
		usage_error(USAGE, "%s: only one manifest", argv[optind + 1]);
	if (optind < argc)
		o->input = argv[optind];
}

/* Read the manifest whole, so its sha256 is of the bytes as read. */
static json_t *
manifest_read(const char *path, char *sha)
{
	const char *name = strcmp(path, "-") == 0 ? "stdin" : path;
	char *buf = xmalloc(MANIFEST_MAX + 1);
	json_error_t je;
	size_t len = 0, n;
	json_t *man;
	FILE *fp;

	if (strcmp(path, "-") == 0)
		fp = stdin;
	else if ((fp = fopen(path, "rb")) == NULL)
		die("%s:", path);
	while ((n = fread(buf + len, 1, MANIFEST_MAX + 1 - len, fp)) > 0)
		if ((len += n) > MANIFEST_MAX)
			die("%s: manifest larger than %d bytes", name,
			    MANIFEST_MAX);
	if (ferror(fp))
		die("%s:", name);
	if (fp != stdin)
		fclose(fp);
	sha256_hex(buf, len, sha);
	man = json_loadb(buf, len, 0, &je);
	free(buf);
	if (man == NULL)
		die("%s:%d: not JSON: %s", name, je.line, je.text);
	if (!json_is_object(man) ||
	    !json_is_string(json_object_get(man, "type")) ||
	    strcmp(json_get_str(man, "type"), "cifar-fetch") != 0)
		die("%s: not a cifar-fetch manifest", name);
	if (json_get_str(man, "directory") == NULL ||
	    !json_is_array(json_object_get(man, "files")) ||
	    !json_is_array(json_object_get(man, "classes")) ||
	    json_array_size(json_object_get(man, "classes")) != CIFAR_NCLASS)
		die("%s: manifest lacks \"directory\", \"files\" or ten "
		    "\"classes\"", name);
	return man;
}

/* Read one named file, checking its sha256 and, for batches, records. */
static void
file_load(const char *dir, json_t *f, size_t i, uint8_t **buf,
    size_t *len)
{
	const char *name = json_get_str(f, "name");
	const char *sha = json_get_str(f, "sha256");
	const char *role = json_get_str(f, "role");
	char hex[SHA256_HEX_LEN + 1], err[512], *path;
	long long rec;

	if (name == NULL || sha == NULL || role == NULL || *name == '\0' ||
	    strchr(name, '/') != NULL)
		die("manifest: files[%zu]: needs a plain name, a sha256 and "
		    "a role", i);
	path = xasprintf("%s/%s", dir, name);
	if (cifar_slurp(path, CIFAR_BATCH_MAX, buf, len, hex, err,
	    sizeof(err)) != 0)
		die("%s", err);
	if (strcmp(hex, sha) != 0)
		die("%s: sha256 %s, the manifest says %s", path, hex, sha);
	if (strcmp(role, "meta") != 0) {
		if (cifar_check_batch(*buf, *len, path, NULL, err,
		    sizeof(err)) != 0)
			die("%s", err);
		if (json_get_int(f, "records", &rec) != 0 ||
		    rec != (long long)(*len / CIFAR_REC_BYTES))
			die("%s: %zu records, the manifest says otherwise",
			    path, *len / CIFAR_REC_BYTES);
	}
	free(path);
}

/* Load every file the manifest names; keep the training labels. */
static void
data_load(json_t *man, struct data *d)
{
	const char *dir = json_get_str(man, "directory"), *role;
	json_t *files = json_object_get(man, "files"), *f;
	uint8_t *buf;
	size_t i, j, len, n;

	memset(d, 0, sizeof(*d));
	json_array_foreach(files, i, f) {
		file_load(dir, f, i, &buf, &len);
		role = json_get_str(f, "role");
		n = len / CIFAR_REC_BYTES;
		if (strcmp(role, "train") == 0) {
			if ((uint64_t)d->total + n > UINT32_MAX)
				die("manifest: too many training images");
			d->labels = xrealloc(d->labels, d->total + n);
			for (j = 0; j < n; j++)
				d->labels[d->total + j] =
				    buf[j * CIFAR_REC_BYTES];
			d->total += (uint32_t)n;
		} else if (strcmp(role, "test") == 0) {
			for (j = 0; j < n; j++)
				d->test_pc[buf[j * CIFAR_REC_BYTES]]++;
			d->test_n += (uint32_t)n;
		}
		free(buf);
	}
	if (d->total == 0 || d->test_n == 0)
		die("manifest: no training or no test files");
}

/*
 * Mark the val images in isval[].  Random: the first n of a seeded
 * shuffle of all indices.  Stratified: the first n/10 of a seeded shuffle
 * of each class, classes in label order.  Tail: the last n in file order.
 */
static void
split_pick(const struct opts *o, const struct data *d, uint8_t *isval)
{
	uint32_t *perm, i, k, c, per, n = (uint32_t)o->val;
	struct rng r;

	rng_seed(&r, (uint64_t)o->seed, SPLIT_STREAM);
	perm = xreallocarray(NULL, d->total, sizeof(uint32_t));
	switch (o->mode) {
	case MODE_RANDOM:
		for (i = 0; i < d->total; i++)
			perm[i] = i;
		rng_shuffle(&r, perm, d->total);
		for (i = 0; i < n; i++)
			isval[perm[i]] = 1;
		break;
	case MODE_STRATIFIED:
		per = n / CIFAR_NCLASS;
		for (c = 0; c < CIFAR_NCLASS; c++) {
			for (i = k = 0; i < d->total; i++)
				if (d->labels[i] == c)
					perm[k++] = i;
			if (k < per)
				die("-v %u: class %u has only %u images", n,
				    c, k);
			rng_shuffle(&r, perm, k);
			for (i = 0; i < per; i++)
				isval[perm[i]] = 1;
		}
		break;
	case MODE_TAIL:
		for (i = d->total - n; i < d->total; i++)
			isval[i] = 1;
		break;
	}
	free(perm);
}

static json_t *
split_json(uint32_t n, const uint32_t *pc)
{
	json_t *s = json_object(), *a = json_array();
	int c;

	for (c = 0; c < CIFAR_NCLASS; c++)
		json_array_append_new(a, json_integer(pc[c]));
	json_object_set_new(s, "n", json_integer(n));
	json_object_set_new(s, "per_class", a);
	return s;
}

/* Write the index file; returns its absolute path, fills sha. */
static char *
index_write(const char *path, const uint8_t *isval, const struct data *d,
    uint32_t pc[2][CIFAR_NCLASS], char *sha)
{
	uint32_t *list[2], n[2] = { 0, 0 }, i;
	uint8_t *buf;
	size_t len;
	char *abs;

	list[0] = xreallocarray(NULL, d->total, sizeof(uint32_t));
	list[1] = xreallocarray(NULL, d->total, sizeof(uint32_t));
	for (i = 0; i < d->total; i++) {
		list[isval[i]][n[isval[i]]++] = i;
		pc[isval[i]][d->labels[i]]++;
	}
	buf = cifar_index_encode(list[0], n[0], list[1], n[1], &len);
	sha256_hex(buf, len, sha);
	if (write_file_atomic(path, buf, len) != 0)
		die("%s:", path);
	if ((abs = realpath(path, NULL)) == NULL)
		die("%s:", path);
	free(buf);
	free(list[0]);
	free(list[1]);
	return abs;
}

static json_t *
manifest_new(json_t *fetch, const char *fetch_sha, const struct opts *o,
    const char *ipath, const char *isha, uint32_t pc[2][CIFAR_NCLASS],
    const struct data *d)
{
	json_t *m = json_object(), *idx = json_object(), *sp = json_object();
	json_t *ver = json_object_get(fetch, "verified");

	json_object_set_new(m, "type", json_string("cifar-split"));
	json_object_set_new(m, "dataset", json_string("cifar-10"));
	json_object_set(m, "directory", json_object_get(fetch, "directory"));
	json_object_set_new(m, "fetch_sha256", json_string(fetch_sha));
	json_object_set_new(m, "verified", json_boolean(json_is_true(ver)));
	json_object_set(m, "files", json_object_get(fetch, "files"));
	json_object_set(m, "classes", json_object_get(fetch, "classes"));
	json_object_set_new(m, "seed", o->mode == MODE_TAIL ? json_null() :
	    json_integer(o->seed));
	json_object_set_new(m, "val", json_integer(o->val));
	json_object_set_new(m, "mode", json_string(mode_names[o->mode]));
	json_object_set_new(idx, "path", json_string(ipath));
	json_object_set_new(idx, "sha256", json_string(isha));
	json_object_set_new(m, "index", idx);
	json_object_set_new(sp, "train", split_json(d->total -
	    (uint32_t)o->val, pc[0]));
	json_object_set_new(sp, "val", split_json((uint32_t)o->val, pc[1]));
	json_object_set_new(sp, "test", split_json(d->test_n, d->test_pc));
	json_object_set_new(m, "splits", sp);
	return m;
}

int
main(int argc, char **argv)
{
	char fetch_sha[SHA256_HEX_LEN + 1], isha[SHA256_HEX_LEN + 1];
	uint32_t pc[2][CIFAR_NCLASS];
	struct opts o;
	struct data d;
	json_t *fetch, *man;
	uint8_t *isval;
	char *ipath, *abs;

	set_progname(argv[0]);
	parse_args(argc, argv, &o);
	fetch = manifest_read(o.input, fetch_sha);
	data_load(fetch, &d);
	if ((uint64_t)o.val >= d.total)
		die("-v %ld: leaves no training images of %u", o.val,
		    d.total);
	if (o.mode == MODE_STRATIFIED && o.val % CIFAR_NCLASS != 0)
		die("-v %ld: stratified needs a multiple of %d", o.val,
		    CIFAR_NCLASS);
	if (o.index != NULL)
		ipath = xstrdup(o.index);
	else if (o.mode == MODE_TAIL)
		ipath = xasprintf("%s/split-tail-v%ld.idx",
		    json_get_str(fetch, "directory"), o.val);
	else
		ipath = xasprintf("%s/split-%s-s%ld-v%ld.idx",
		    json_get_str(fetch, "directory"), mode_names[o.mode],
		    o.seed, o.val);
	isval = xcalloc(d.total, 1);
	split_pick(&o, &d, isval);
	memset(pc, 0, sizeof(pc));
	abs = index_write(ipath, isval, &d, pc, isha);
	man = manifest_new(fetch, fetch_sha, &o, abs, isha, pc, &d);
	if (json_write_pretty(stdout, man) != 0)
		die("write error on standard output:");
	close_stdout();
	json_decref(man);
	json_decref(fetch);
	free(isval);
	free(ipath);
	free(abs);
	free(d.labels);
	return EXIT_OK;
}
