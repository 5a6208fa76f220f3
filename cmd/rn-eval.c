/*
 * rn-eval: evaluate an rn-train checkpoint on one split of CIFAR-10.
 *
 * Reads: the checkpoint, and the cifar-split manifest (-m FILE, or stdin)
 * with the batches it names.
 * Writes: one JSON record on stdout: top-1 accuracy, mean loss, accuracy
 * per class and the confusion matrix (rows are the true classes).  It
 * evaluates the single centred view the paper tests on; no test-time
 * augmentation.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "cifar.h"
#include "hash.h"
#include "jsonio.h"
#include "util.h"
#include "nn/ckpt.h"
#include "nn/data.h"
#include "nn/par.h"
#include "nn/resnet.h"

#define USAGE	"[-a min_acc] [-b batch] [-m manifest] [-s split] " \
		"[-t threads] [-X n] checkpoint"
#define MANIFEST_MAX	(16L << 20)

struct opts {
	const char	*ckpt, *manifest, *split;
	double		 min_acc;
	long		 batch, threads, max;
};

static const struct option longopts[] = {
	{ "min-acc",	required_argument,	NULL, 'a' },
	{ "batch",	required_argument,	NULL, 'b' },
	{ "manifest",	required_argument,	NULL, 'm' },
	{ "split",	required_argument,	NULL, 's' },
	{ "threads",	required_argument,	NULL, 't' },
	{ "max-eval",	required_argument,	NULL, 'X' },
	{ NULL, 0, NULL, 0 }
};

static void
parse_args(struct opts *o, int argc, char **argv)
{
	const char *why;
	int c;

	memset(o, 0, sizeof(*o));
	o->split = "test";
	o->batch = 128;
	o->min_acc = -1;
	o->max = -1;
	o->threads = sysconf(_SC_NPROCESSORS_ONLN) > 0 ?
	    sysconf(_SC_NPROCESSORS_ONLN) : 1;
	if (o->threads > PAR_MAX_THREADS)
		o->threads = PAR_MAX_THREADS;
	while ((c = getopt_long(argc, argv, "a:b:m:s:t:X:", longopts,
	    NULL)) != -1) {
		switch (c) {
		case 'a':
			if (parse_double(optarg, 0, 1, &o->min_acc, &why) != 0)
				usage_error(USAGE, "-a %s: %s", optarg, why);
			break;
		case 'b':
			o->batch = opt_long(USAGE, "-b", optarg, 1, 65536);
			break;
		case 'm':
			o->manifest = optarg;
			break;
		case 's':
			if (strcmp(optarg, "test") != 0 &&
			    strcmp(optarg, "val") != 0 &&
			    strcmp(optarg, "train") != 0)
				usage_error(USAGE, "-s %s: not test, val or "
				    "train", optarg);
			o->split = optarg;
			break;
		case 't':
			o->threads = opt_long(USAGE, "-t", optarg, 1,
			    PAR_MAX_THREADS);
			break;
		case 'X':
			o->max = opt_long(USAGE, "-X", optarg, 1, 1L << 30);
			break;
		default:
			usage_error(USAGE, NULL);
		}
	}
	if (optind != argc - 1)
		usage_error(USAGE, optind == argc ? "no checkpoint" :
		    "%s: unexpected argument", argv[optind + 1]);
	o->ckpt = argv[optind];
}

/* The manifest and its hash; the requested split loaded into set. */
static json_t *
load_split(const struct opts *o, struct cifar_set *set, char *sha)
{
	const char *path = o->manifest != NULL ? o->manifest : "-";
	FILE *fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	char *buf, err[512];
	size_t len;
	json_error_t je;
	json_t *man;

	if (fp == NULL)
		die("%s:", path);
	buf = xmalloc(MANIFEST_MAX + 1);
	len = read_capped(fp, path, buf, MANIFEST_MAX);
	if (fp != stdin)
		fclose(fp);
	sha256_hex(buf, len, sha);
	man = json_loadb(buf, len, 0, &je);
	free(buf);
	if (man == NULL)
		die("%s:%d: not JSON: %s", path, je.line, je.text);
	if (cifar_load_split(man, strcmp(o->split, "train") == 0 ? set : NULL,
	    strcmp(o->split, "val") == 0 ? set : NULL,
	    strcmp(o->split, "test") == 0 ? set : NULL, err,
	    sizeof(err)) != 0)
		die("%s", err);
	if (set->n == 0)
		die("%s: the %s split is empty", path, o->split);
	return man;
}

static json_t *
result_json(const struct eval_result *res)
{
	json_t *per = json_array(), *conf = json_array(), *row;
	uint32_t tot;
	int t, p;

	for (t = 0; t < CIFAR_NCLASS; t++) {
		row = json_array();
		tot = 0;
		for (p = 0; p < CIFAR_NCLASS; p++) {
			json_array_append_new(row,
			    json_integer(res->confusion[t][p]));
			tot += res->confusion[t][p];
		}
		json_array_append_new(conf, row);
		json_array_append_new(per, tot > 0 ?
		    json_num((double)res->confusion[t][t] / tot) :
		    json_null());
	}
	return json_pack("{s:I,s:I,s:o,s:o,s:o,s:o}", "n",
	    (json_int_t)res->n, "correct", (json_int_t)res->correct, "acc",
	    json_num((double)res->correct / res->n), "loss",
	    json_num(res->loss_sum / res->n), "per_class_acc", per,
	    "confusion", conf);
}

int
main(int argc, char **argv)
{
	struct opts o;
	struct ckpt ck;
	struct resnet_config cfg;
	struct resnet *net;
	struct cifar_set set;
	struct norm nm;
	struct eval_result res;
	json_t *man, *rec, *train, *classes;
	char err[512], sha[SHA256_HEX_LEN + 1];
	const char *trained_on = NULL;
	double t0 = now_s();

	set_progname(argv[0]);
	parse_args(&o, argc, argv);
	if (ckpt_read(&ck, o.ckpt, err, sizeof(err)) != 0)
		die("%s", err);
	if (ckpt_model_config(&ck, &cfg, err, sizeof(err)) != 0)
		die("%s: %s", o.ckpt, err);
	par_setup((int)o.threads);
	memset(&set, 0, sizeof(set));
	man = load_split(&o, &set, sha);
	net = resnet_new(&cfg, (int)o.batch);
	if (ckpt_get_model(&ck, net, &nm, err, sizeof(err)) != 0)
		die("%s: %s", o.ckpt, err);
	evaluate(net, &set, o.max > 0 ? (uint32_t)o.max : set.n, &nm, &res);
	train = json_object_get(ck.hdr, "train");
	if (json_is_object(train))
		trained_on = json_get_str(train, "split_sha256");
	classes = json_object_get(man, "classes");
	rec = json_pack("{s:s,s:s,s:s}", "type", "rn-eval", "program",
	    "rn-eval", "version", REPROKIT_VERSION);
	json_object_set_new(rec, "checkpoint", json_pack(
	    "{s:s,s:s,s:O?,s:O?,s:O}", "path", o.ckpt, "sha256", ck.sha256,
	    "iter", json_object_get(ck.hdr, "iter"), "epoch",
	    json_object_get(ck.hdr, "epoch"), "model",
	    json_object_get(ck.hdr, "model")));
	json_object_update_new(rec, json_pack("{s:s,s:s,s:s?,s:b}", "split",
	    o.split, "split_sha256", sha, "trained_split_sha256", trained_on,
	    "same_split", trained_on != NULL && strcmp(trained_on, sha) == 0));
	json_object_update_new(rec, result_json(&res));
	json_object_set(rec, "classes", json_is_array(classes) ? classes :
	    json_null());
	json_object_set_new(rec, "wall_s", json_num(now_s() - t0));
	jsonl_emit(stdout, rec);
	close_stdout();
	par_shutdown();
	if (o.min_acc >= 0 && (double)res.correct / res.n < o.min_acc) {
		warnmsg("%s: %s accuracy %.2f%% is below %.2f%%", o.ckpt,
		    o.split, 100.0 * res.correct / res.n, 100 * o.min_acc);
		return EXIT_FOUND;
	}
	return EXIT_OK;
}
