/*
 * rn-train: train a CIFAR ResNet (He et al. 2016, section 4.2) on the
 * split a cifar-split manifest describes.
 *
 * Reads: the manifest (-m FILE, or stdin), the batches it names, and with
 * -R a checkpoint to continue from.
 * Writes: the run log as JSON Lines on stdout (doc/FORMATS.md), flushed
 * line by line; checkpoints (-c, -o); a progress line on stderr when it is
 * a terminal.  Exits 1 when the loss diverges.  It does not pick the best
 * epoch or stop early: the schedule decides everything.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "atomic.h"
#include "cifar.h"
#include "hash.h"
#include "jsonio.h"
#include "rng.h"
#include "sched.h"
#include "util.h"
#include "nn/blas.h"
#include "nn/ckpt.h"
#include "nn/data.h"
#include "nn/direct.h"
#include "nn/dist.h"
#include "nn/par.h"
#include "nn/resnet.h"

#define USAGE \
	"[-ADLqW] [-b batch] [-C every] [-c path] [-d depth | -n blocks]\n" \
	"\t[-e every] [-g groups] [-I fan_in|fan_out] [-i iters] " \
	"[-l every]\n" \
	"\t[-M momentum] [-m manifest] [-o dir] [-p channel|pixel] " \
	"[-R checkpoint]\n" \
	"\t[-r seed] [-S A|B] [-s schedule] [-t threads] [-w decay] " \
	"[-X n] [-x n]"

#define MANIFEST_MAX	(16L << 20)
#define PAD		4	/* augmentation: He et al. 2016, 4.2 */
#define WARMUP_LR	0.01	/* ResNet-110's warm-up, ibid. */
#define WARMUP_ERR	0.80
#define WARMUP_WINDOW	10	/* batches the warm-up test averages */
#define SHUFFLE_STREAM	0x73687566	/* "shuf" */
#define AUGMENT_STREAM	0x61756720	/* "aug " */

/* Options; the *_set flags say which were given (checked on resume). */
struct opts {
	const char	*manifest, *resume, *ckpt_path, *out_dir;
	const char	*schedule, *every_eval, *every_ckpt, *iters_arg;
	long		 n, batch, iters, threads, groups, log_every;
	long		 max_train, max_eval;
	double		 momentum, wd;
	unsigned long long seed;
	char		 shortcut;
	enum norm_mode	 norm;
	int		 augment, drop_last, decay_bn, fan_out, warmup;
	int		 quiet;
	int		 n_set, shortcut_set, batch_set, groups_set;
	int		 seed_set;
	int		 norm_set, augment_set, drop_set, momentum_set;
	int		 wd_set, decay_set, init_set, warmup_set;
	int		 max_train_set;
	int		 schedule_set;
};

/* Everything a run carries from step to step, and a checkpoint keeps. */
struct run {
	struct opts	 o;
	int		 argc;
	char		**argv;
	/* data */
	json_t		*manifest;
	char		 manifest_sha[SHA256_HEX_LEN + 1];
	struct cifar_set train, val, test;
	uint32_t	 ntrain, nval, ntest;
	struct norm	 norm;
	/* model and optimiser */
	struct resnet	*net;
	struct sgd	 opt;
	struct sched	 sched;
	char		*sched_text;
	long long	 ipe, iters, eval_every, ckpt_every;
	/* state */
	long long	 iter;		/* updates done */
	uint32_t	*perm;
	struct rng	 shuffle, augment;
	double		 ep_loss, ep_correct, ep_seen;
	int		 warming;
	double		 warm_err[WARMUP_WINDOW];
	long long	 warm_count;
	/* resume */
	json_t		*resumed;
	/* timing */
	double		 t0, last_progress;
	long long	 imgs_timed;
	double		 time_timed;
	uint32_t	*idx;
	struct crop	*crops;
	long long	 last_ckpt;
};

static void
usage(void)
{
	fprintf(stderr, "usage: %s %s\n", progname(), USAGE);
	exit(EXIT_BAD);
}

static const struct option longopts[] = {
	{ "no-augment",		no_argument,		NULL, 'A' },
	{ "no-bn-decay",	no_argument,		NULL, 'D' },
	{ "drop-last",		no_argument,		NULL, 'L' },
	{ "quiet",		no_argument,		NULL, 'q' },
	{ "warmup",		no_argument,		NULL, 'W' },
	{ "batch",		required_argument,	NULL, 'b' },
	{ "checkpoint-every",	required_argument,	NULL, 'C' },
	{ "checkpoint",		required_argument,	NULL, 'c' },
	{ "depth",		required_argument,	NULL, 'd' },
	{ "eval-every",		required_argument,	NULL, 'e' },
	{ "bn-groups",		required_argument,	NULL, 'g' },
	{ "init",		required_argument,	NULL, 'I' },
	{ "iters",		required_argument,	NULL, 'i' },
	{ "log-every",		required_argument,	NULL, 'l' },
	{ "momentum",		required_argument,	NULL, 'M' },
	{ "manifest",		required_argument,	NULL, 'm' },
	{ "blocks",		required_argument,	NULL, 'n' },
	{ "out-dir",		required_argument,	NULL, 'o' },
	{ "normalize",		required_argument,	NULL, 'p' },
	{ "resume",		required_argument,	NULL, 'R' },
	{ "seed",		required_argument,	NULL, 'r' },
	{ "shortcut",		required_argument,	NULL, 'S' },
	{ "schedule",		required_argument,	NULL, 's' },
	{ "threads",		required_argument,	NULL, 't' },
	{ "weight-decay",	required_argument,	NULL, 'w' },
	{ "max-eval",		required_argument,	NULL, 'X' },
	{ "max-train",		required_argument,	NULL, 'x' },
	{ NULL, 0, NULL, 0 }
};

static void
opts_default(struct opts *o)
{
	memset(o, 0, sizeof(*o));
	o->n = 3;			/* ResNet-20 */
	o->shortcut = 'A';		/* option A: He et al. 2016, 4.2 */
	o->batch = 128;			/* ibid. */
	o->schedule = "paper";		/* 0.1, /10 at 32k, 48k; 64k */
	o->momentum = 0.9;		/* ibid. */
	o->wd = 1e-4;			/* ibid. */
	o->seed = 1;
	o->threads = sysconf(_SC_NPROCESSORS_ONLN) > 0 ?
	    sysconf(_SC_NPROCESSORS_ONLN) : 1;
	o->threads = dist_default_threads(o->threads);
	if (o->threads > PAR_MAX_THREADS)
		o->threads = PAR_MAX_THREADS;
	o->groups = 1;
	o->log_every = 1;
	o->augment = 1;
	o->decay_bn = 1;
	o->norm = NORM_CHANNEL;
	o->max_eval = -1;
}

/* Options of the model and the data order. */
static int
parse_model_opt(struct opts *o, int c, const char *arg)
{
	long d;

	switch (c) {
	case 'A':
		o->augment = 0;
		o->augment_set = 1;
		break;
	case 'b':
		o->batch = opt_long(USAGE, "-b", arg, 1, 65536);
		o->batch_set = 1;
		break;
	case 'D':
		o->decay_bn = 0;
		o->decay_set = 1;
		break;
	case 'd':
		d = opt_long(USAGE, "-d", arg, 8, 60002);
		if ((d - 2) % 6 != 0)
			usage_error(USAGE, "-d %s: not 6n+2 (20, 32, 44, 56, "
			    "110, ...)", arg);
		o->n = (d - 2) / 6;
		o->n_set = 1;
		break;
	case 'g':
		o->groups = opt_long(USAGE, "-g", arg, 1, BN_MAX_GROUPS);
		o->groups_set = 1;
		break;
	case 'I':
		if (strcmp(arg, "fan_in") != 0 && strcmp(arg, "fan_out") != 0)
			usage_error(USAGE, "-I %s: not fan_in or fan_out", arg);
		o->fan_out = strcmp(arg, "fan_out") == 0;
		o->init_set = 1;
		break;
	case 'L':
		o->drop_last = 1;
		o->drop_set = 1;
		break;
	case 'n':
		o->n = opt_long(USAGE, "-n", arg, 1, 10000);
		o->n_set = 1;
		break;
	case 'p':
		if (strcmp(arg, "channel") != 0 && strcmp(arg, "pixel") != 0)
			usage_error(USAGE, "-p %s: not channel or pixel", arg);
		o->norm = strcmp(arg, "pixel") == 0 ? NORM_PIXEL :
		    NORM_CHANNEL;
		o->norm_set = 1;
		break;
	case 'r':
		o->seed = (unsigned long long)opt_long(USAGE, "-r", arg, 0,
		    LONG_MAX);
		o->seed_set = 1;
		break;
	case 'S':
		if (strcmp(arg, "A") != 0 && strcmp(arg, "B") != 0)
			usage_error(USAGE, "-S %s: not A or B", arg);
		o->shortcut = arg[0];
		o->shortcut_set = 1;
		break;
	case 'x':
		o->max_train = opt_long(USAGE, "-x", arg, 1, 1L << 30);
		o->max_train_set = 1;
		break;
	default:
		return 0;
	}
	return 1;
}

/* Options of the optimiser, the run's length and its outputs. */
static void
parse_run_opt(struct opts *o, int c, const char *arg)
{
	switch (c) {
	case 'C':
		o->every_ckpt = arg;
		break;
	case 'c':
		o->ckpt_path = arg;
		break;
	case 'e':
		o->every_eval = arg;
		break;
	case 'i':
		o->iters_arg = arg;
		break;
	case 'l':
		o->log_every = opt_long(USAGE, "-l", arg, 1, 1L << 40);
		break;
	case 'M':
		o->momentum = opt_double(USAGE, "-M", arg, 0, 1);
		o->momentum_set = 1;
		break;
	case 'm':
		o->manifest = arg;
		break;
	case 'o':
		o->out_dir = arg;
		break;
	case 'q':
		o->quiet = 1;
		break;
	case 'R':
		o->resume = arg;
		break;
	case 's':
		o->schedule = arg;
		o->schedule_set = 1;
		break;
	case 't':
		o->threads = opt_long(USAGE, "-t", arg, 1, PAR_MAX_THREADS);
		break;
	case 'W':
		o->warmup = 1;
		o->warmup_set = 1;
		break;
	case 'w':
		o->wd = opt_double(USAGE, "-w", arg, 0, 1);
		o->wd_set = 1;
		break;
	case 'X':
		o->max_eval = opt_long(USAGE, "-X", arg, 0, 1L << 30);
		break;
	default:
		usage();
	}
}

static void
parse_args(struct opts *o, int argc, char **argv)
{
	int c;

	opts_default(o);
	while ((c = getopt_long(argc, argv,
	    "ADLqWb:C:c:d:e:g:I:i:l:M:m:n:o:p:R:r:S:s:t:w:X:x:", longopts,
	    NULL)) != -1)
		if (!parse_model_opt(o, c, optarg))
			parse_run_opt(o, c, optarg);
	if (optind != argc)
		usage_error(USAGE, "%s: unexpected argument", argv[optind]);
}

/* The manifest, read whole so that its hash is of the bytes used. */
static void
read_manifest(struct run *R)
{
	const char *path = R->o.manifest != NULL ? R->o.manifest : "-";
	FILE *fp = strcmp(path, "-") == 0 ? stdin : dist_rank() != 0 ? NULL :
	    fopen(path, "rb");
	char *buf, err[512];
	size_t len = 0;
	json_error_t je;

	buf = xmalloc(MANIFEST_MAX + 1);
	if (dist_rank() == 0) {
		if (fp == NULL)
			die("%s:", path);
		len = read_capped(fp, path, buf, MANIFEST_MAX);
	}
	if (fp != NULL && fp != stdin)
		fclose(fp);
	dist_bcast_bytes(buf, &len, MANIFEST_MAX);	/* rank 0's */
	sha256_hex(buf, len, R->manifest_sha);
	R->manifest = json_loadb(buf, len, 0, &je);
	free(buf);
	if (R->manifest == NULL)
		die("%s:%d: not JSON: %s", path, je.line, je.text);
	if (cifar_load_split(R->manifest, &R->train, &R->val, &R->test, err,
	    sizeof(err)) != 0)
		die("%s", err);
}

/* "12" iterations, or "3ep" epochs. */
static long long
every_arg(const char *opt, const char *s, long long ipe)
{
	size_t len = strlen(s);
	char *num;
	long v;

	if (len > 2 && strcmp(s + len - 2, "ep") == 0) {
		num = xstrdup(s);
		num[len - 2] = '\0';
		v = opt_long(USAGE, opt, num, 0, 1L << 30);
		free(num);
		return v * ipe;
	}
	return opt_long(USAGE, opt, s, 0, 1L << 40);
}

static const char *
fan_name(int fan_out)
{
	return fan_out ? "fan_out" : "fan_in";
}

/* A setting given on the command line must agree with the checkpoint's. */
static void
same(int given, int differs, const char *what, const char *path)
{
	if (given && differs)
		die("%s: %s differs from the checkpoint's; a resumed run "
		    "keeps its model and data order", path, what);
}

/* A checkpoint resumes on as many MPI ranks as wrote it (1 by default). */
static void
same_ranks(json_t *train, const char *path)
{
	json_t *v = json_object_get(train, "ranks");
	long long ranks = json_is_integer(v) ? json_integer_value(v) : 1;

	if (ranks != dist_size())
		die("%s: written by a job of %lld rank%s, this one has %d; "
		    "resume on %lld (mpirun -np %lld)", path, ranks,
		    ranks == 1 ? "" : "s", dist_size(), ranks, ranks);
}

/* Adopt the checkpoint's recipe; refuse options that contradict it. */
static void
resume_settings(struct run *R, const struct ckpt *ck, const char *path)
{
	struct opts *o = &R->o;
	struct resnet_config cfg;
	json_t *t = json_object_get(ck->hdr, "train");
	json_int_t seed, batch, max_train;
	int drop, aug, decay, fan_out, warm;
	double mom, wd;
	const char *norm;
	char err[256];

	if (ckpt_model_config(ck, &cfg, err, sizeof(err)) != 0 ||
	    json_unpack(t, "{s:I,s:I,s:b,s:b,s:F,s:F,s:b,s:b,s:b,s:I}",
	    "seed", &seed, "batch", &batch, "drop_last", &drop, "augment",
	    &aug, "momentum", &mom, "weight_decay", &wd, "decay_bn", &decay,
	    "fan_out", &fan_out, "warmup", &warm, "max_train",
	    &max_train) != 0 || json_unpack(json_object_get(ck->hdr,
	    "model"), "{s:s}", "normalize", &norm) != 0)
		die_status(EXIT_BAD, "%s: not a training checkpoint", path);
	same_ranks(t, path);
	if (o->n_set && o->n != cfg.n)
		die("%s: the checkpoint holds a ResNet-%d, not a ResNet-%ld",
		    path, resnet_depth(cfg.n), 6 * o->n + 2);
	same(o->shortcut_set, o->shortcut != cfg.shortcut, "-S", path);
	same(o->groups_set, o->groups != cfg.bn_groups, "-g", path);
	same(o->seed_set, o->seed != (unsigned long long)seed, "-r", path);
	same(o->batch_set, o->batch != batch, "-b", path);
	same(o->drop_set, o->drop_last != drop, "-L", path);
	same(o->augment_set, o->augment != aug, "-A", path);
	same(o->norm_set, strcmp(norm_name(o->norm), norm) != 0, "-p", path);
	same(o->momentum_set, o->momentum != mom, "-M", path);
	same(o->wd_set, o->wd != wd, "-w", path);
	same(o->decay_set, o->decay_bn != decay, "-D", path);
	same(o->init_set, o->fan_out != fan_out, "-I", path);
	same(o->warmup_set, o->warmup != warm, "-W", path);
	same(o->max_train_set, o->max_train != max_train, "-x", path);
	o->n = cfg.n;
	o->shortcut = cfg.shortcut;
	o->groups = cfg.bn_groups;
	o->seed = (unsigned long long)seed;
	o->batch = batch;
	o->drop_last = drop;
	o->augment = aug;
	o->norm = strcmp(norm, "pixel") == 0 ? NORM_PIXEL : NORM_CHANNEL;
	o->momentum = mom;
	o->wd = wd;
	o->decay_bn = decay;
	o->fan_out = fan_out;
	o->warmup = warm;
	o->max_train = max_train;
}

/* Restore weights, optimiser and data-order state from a checkpoint. */
static void
resume_state(struct run *R, struct ckpt *ck, const char *path)
{
	json_t *t = json_object_get(ck->hdr, "train");
	json_int_t iter, ntrain;
	const char *split, *sched;
	int started, warming;
	uint64_t rng[4], wc;
	double ep[3];
	char err[256];

	if (json_unpack(ck->hdr, "{s:I,s:b,s:b}", "iter", &iter,
	    "sgd_started", &started, "warming", &warming) != 0 ||
	    json_unpack(t, "{s:s,s:I,s:s,s:I}", "split_sha256", &split,
	    "train_size", &ntrain, "schedule", &sched, "iters",
	    &R->iters) != 0 || iter < 0)
		die_status(EXIT_BAD, "%s: not a training checkpoint", path);
	if (strcmp(split, R->manifest_sha) != 0)
		die("%s: trained on another split (manifest sha256 %.12s..., "
		    "this one is %.12s...)", path, split, R->manifest_sha);
	if (ntrain != R->ntrain)
		die("%s: trained on %lld images, this split gives %u", path,
		    (long long)ntrain, R->ntrain);
	R->perm = xmalloc((size_t)R->ntrain * sizeof(*R->perm));
	if (ckpt_get_model(ck, R->net, &R->norm, err, sizeof(err)) != 0 ||
	    ckpt_get(ck, "momentum", CKPT_F32, R->opt.buf, R->net->nparams,
	    err, sizeof(err)) != 0 || ckpt_get(ck, "perm", CKPT_U32, R->perm,
	    R->ntrain, err, sizeof(err)) != 0 || ckpt_get(ck, "rng",
	    CKPT_U64, rng, 4, err, sizeof(err)) != 0 || ckpt_get(ck,
	    "epoch_stats", CKPT_F64, ep, 3, err, sizeof(err)) != 0 ||
	    ckpt_get(ck, "warmup_window", CKPT_F64, R->warm_err,
	    WARMUP_WINDOW, err, sizeof(err)) != 0 || ckpt_get(ck,
	    "warmup_count", CKPT_U64, &wc, 1, err, sizeof(err)) != 0)
		die("%s: %s", path, err);
	if (!R->o.schedule_set)
		R->o.schedule = xstrdup(sched);
	R->iter = iter;
	R->last_ckpt = iter;
	R->opt.started = started;
	R->warming = warming;
	R->warm_count = (long long)wc;
	R->shuffle.state = rng[0];
	R->shuffle.inc = rng[1];
	R->augment.state = rng[2];
	R->augment.inc = rng[3];
	R->ep_loss = ep[0];
	R->ep_correct = ep[1];
	R->ep_seen = ep[2];
	R->resumed = json_pack("{s:s,s:s,s:I,s:I,s:s,s:I}", "path", path,
	    "sha256", ck->sha256, "iter", (json_int_t)iter, "epoch",
	    (json_int_t)(iter / R->ipe), "schedule", sched, "iters",
	    (json_int_t)R->iters);
}

static uint32_t
limit(uint32_t n, long max)
{
	return max >= 0 && (uint32_t)max < n ? (uint32_t)max : n;
}

/* The schedule, the run's length and the evaluation/checkpoint cadence. */
static void
setup_schedule(struct run *R)
{
	char err[256];
	double stop;

	if (sched_parse(R->o.schedule, &R->sched, err, sizeof(err)) != 0)
		usage_error(USAGE, "-s %s: %s", R->o.schedule, err);
	R->sched_text = sched_format(&R->sched);
	stop = dur_iters(R->sched.stop, R->ipe);
	if (R->o.iters_arg != NULL &&
	    (R->o.iters = every_arg("-i", R->o.iters_arg, R->ipe)) < 1)
		usage_error(USAGE, "-i %s: no iterations", R->o.iters_arg);
	/* On resume without -s or -i the checkpoint's plan stands. */
	if (R->o.iters > 0)
		R->iters = R->o.iters;
	else if (R->sched.stop.v > 0 && (R->resumed == NULL ||
	    R->o.schedule_set))
		R->iters = (long long)llround(stop);
	else if (R->resumed == NULL)
		usage_error(USAGE, "the schedule has no stop=: give -i");
	R->eval_every = R->o.every_eval != NULL ? every_arg("-e",
	    R->o.every_eval, R->ipe) : R->ipe;
	R->ckpt_every = R->o.every_ckpt != NULL ? every_arg("-C",
	    R->o.every_ckpt, R->ipe) : R->o.out_dir != NULL ? R->ipe : 0;
	if (R->o.every_ckpt != NULL && R->o.out_dir == NULL &&
	    R->o.ckpt_path == NULL)
		usage_error(USAGE, "-C %s: give -o or -c for the checkpoints",
		    R->o.every_ckpt);
}

/*
 * A checkpoint that cannot be written is better found now than after
 * hours of training: try the place with a temporary file.
 */
static void
check_outputs(const struct run *R)
{
	struct afile af;
	char *probe;

	if (dist_rank() != 0)
		return;
	if (R->o.out_dir != NULL) {
		if (mkdir(R->o.out_dir, 0777) == -1 && errno != EEXIST)
			die("%s:", R->o.out_dir);
		probe = xasprintf("%s/ckpt-probe", R->o.out_dir);
		if (afile_open(&af, probe) != 0)
			die("%s:", R->o.out_dir);
		afile_abort(&af);
		free(probe);
	}
	if (R->o.ckpt_path != NULL) {
		if (afile_open(&af, R->o.ckpt_path) != 0)
			die("%s:", R->o.ckpt_path);
		afile_abort(&af);
	}
}

/* Every rank needs at least one image of every batch. */
static void
check_split(const struct run *R)
{
	long last = R->ntrain % R->o.batch;

	if (R->o.drop_last || last == 0 || R->ntrain < R->o.batch)
		last = R->ntrain < R->o.batch ? R->ntrain : R->o.batch;
	if (last < dist_size())
		die("a batch of %ld images cannot be shared by %d ranks",
		    last, dist_size());
}

static void
setup(struct run *R)
{
	struct resnet_config cfg;
	struct ckpt ck;
	char err[512];
	long long old_iters = 0;
	uint32_t i;

	memset(&ck, 0, sizeof(ck));
	if (R->o.resume != NULL) {
		if (ckpt_read(&ck, R->o.resume, err, sizeof(err)) != 0)
			die("%s", err);
		resume_settings(R, &ck, R->o.resume);
	}
	par_setup((int)R->o.threads);
	read_manifest(R);
	R->ntrain = limit(R->train.n, R->o.max_train > 0 ? R->o.max_train :
	    -1);
	R->nval = limit(R->val.n, R->o.max_eval);
	R->ntest = limit(R->test.n, R->o.max_eval);
	if (R->ntrain == 0)
		die("%s: the split has no training images", R->o.manifest ?
		    R->o.manifest : "-");
	R->ipe = iters_per_epoch(R->ntrain, R->o.batch, R->o.drop_last);
	if (R->ipe < 1)
		die("-b %ld: more than the %u training images with -L",
		    R->o.batch, R->ntrain);
	check_split(R);
	cfg.n = (int)R->o.n;
	cfg.shortcut = R->o.shortcut;
	cfg.bn_groups = (int)R->o.groups;
	R->net = resnet_new(&cfg, (int)dist_share_max(R->o.batch));
	sgd_init(&R->opt, R->net, R->o.momentum, R->o.wd, R->o.decay_bn);
	rng_seed(&R->shuffle, R->o.seed, SHUFFLE_STREAM);
	rng_seed(&R->augment, R->o.seed, AUGMENT_STREAM);
	R->warming = R->o.warmup;
	if (R->o.resume != NULL) {
		resume_state(R, &ck, R->o.resume);
		old_iters = R->iters;
		ckpt_free(&ck);
	} else {
		resnet_init(R->net, R->o.seed, R->o.fan_out);
		norm_fit(&R->norm, R->o.norm, &R->train, R->ntrain);
		R->perm = xmalloc((size_t)R->ntrain * sizeof(*R->perm));
		for (i = 0; i < R->ntrain; i++)
			R->perm[i] = i;
	}
	setup_schedule(R);
	if (R->iters <= R->iter)
		usage_error(USAGE, "%lld iterations: the checkpoint is at %lld "
		    "already", R->iters, R->iter);
	if (R->resumed != NULL) {
		json_object_set_new(R->resumed, "schedule_changed",
		    json_boolean(strcmp(json_string_value(json_object_get(
		    R->resumed, "schedule")), R->sched_text) != 0));
		json_object_set_new(R->resumed, "iters_changed",
		    json_boolean(old_iters != R->iters));
	}
	R->idx = xmalloc((size_t)R->o.batch * sizeof(*R->idx));
	R->crops = xmalloc((size_t)R->o.batch * sizeof(*R->crops));
}

static json_t *
data_json(const struct run *R)
{
	json_t *files = json_object(), *f, *idx;
	const char *name, *sha, *mode = json_get_str(R->manifest, "mode");
	const char *fetch = json_get_str(R->manifest, "fetch_sha256");
	const char *isha = NULL;
	size_t i;

	json_array_foreach(json_object_get(R->manifest, "files"), i, f)
		if ((name = json_get_str(f, "name")) != NULL &&
		    (sha = json_get_str(f, "sha256")) != NULL)
			json_object_set_new(files, name, json_string(sha));
	idx = json_object_get(R->manifest, "index");
	if (json_is_object(idx))
		isha = json_get_str(idx, "sha256");
	return json_pack("{s:s,s:s?,s:s?,s:s?,s:O?,s:O?,s:o}",
	    "split_sha256", R->manifest_sha, "fetch_sha256", fetch,
	    "index_sha256", isha, "mode", mode, "split_seed",
	    json_object_get(R->manifest, "seed"), "val",
	    json_object_get(R->manifest, "val"), "files", files);
}

static json_t *
versions_json(void)
{
	return json_pack("{s:s,s:s,s:s,s:s,s:s}", "rn-train", REPROKIT_VERSION,
	    "openblas", openblas_get_config(), "openblas_core",
	    openblas_get_corename(), "conv_kernels", direct_level_name(),
	    "jansson", JANSSON_VERSION);
}

/* How the batches are shared by the MPI ranks, for the meta record. */
static json_t *
dist_json(const struct run *R)
{
	json_t *full = json_array(), *last = json_array();
	long n = (long)(R->ntrain % R->o.batch), lo, hi;
	int r;

	for (r = 0; r < dist_size(); r++) {
		par_range(R->o.batch, dist_size(), r, &lo, &hi);
		json_array_append_new(full, json_integer(hi - lo));
		par_range(n, dist_size(), r, &lo, &hi);
		json_array_append_new(last, json_integer(hi - lo));
	}
	if (R->o.drop_last || n == 0 || R->ntrain < R->o.batch) {
		json_decref(last);
		last = json_null();
	}
	return json_pack("{s:i,s:o,s:o,s:s}", "ranks", dist_size(),
	    "batch_split", full, "last_batch_split", last, "reduce",
	    "alltoallv+allgatherv, summed in rank order");
}

static void
emit_meta(struct run *R)
{
	const struct opts *o = &R->o;
	json_t *m = json_object(), *argv = json_array();
	char sc[2] = { o->shortcut, 0 };
	int i;

	for (i = 0; i < R->argc; i++)
		json_array_append_new(argv, json_string(R->argv[i]));
	json_object_set_new(m, "type", json_string("meta"));
	json_object_set_new(m, "program", json_string("rn-train"));
	json_object_set_new(m, "version", json_string(REPROKIT_VERSION));
	json_object_set_new(m, "argv", argv);
	json_object_update_new(m, json_pack("{s:i,s:i,s:s,s:I,s:I}",
	    "depth", R->net->depth, "n", (int)o->n, "shortcut", sc,
	    "params", (json_int_t)R->net->nparams, "batch",
	    (json_int_t)o->batch));
	json_object_set_new(m, "lr", json_num(R->sched.lr));
	json_object_set_new(m, "momentum", json_num(o->momentum));
	json_object_set_new(m, "weight_decay", json_num(o->wd));
	json_object_update_new(m, json_pack("{s:b,s:s,s:s,s:o,s:I,s:I}",
	    "weight_decay_bn", o->decay_bn, "init", fan_name(o->fan_out),
	    "schedule", R->sched_text, "schedule_json",
	    sched_json(&R->sched), "iters", (json_int_t)R->iters,
	    "iters_per_epoch", (json_int_t)R->ipe));
	json_object_update_new(m, json_pack("{s:b,s:I,s:I,s:I,s:I,s:I,s:i}",
	    "drop_last", o->drop_last, "train_size", (json_int_t)R->ntrain,
	    "val_size", (json_int_t)R->nval, "test_size",
	    (json_int_t)R->ntest, "seed", (json_int_t)o->seed, "threads",
	    (json_int_t)o->threads, "bn_groups", (int)o->groups));
	if (dist_enabled())
		json_object_update_new(m, dist_json(R));
	json_object_set_new(m, "normalize", json_string(norm_name(o->norm)));
	json_object_set_new(m, "augment", o->augment ? json_pack(
	    "{s:i,s:i,s:b}", "pad", PAD, "crop", CIFAR_SIDE, "flip", 1) :
	    json_null());
	json_object_set_new(m, "warmup", o->warmup ? json_pack(
	    "{s:f,s:f,s:i}", "lr", WARMUP_LR, "until_train_err", WARMUP_ERR,
	    "window", WARMUP_WINDOW) : json_null());
	json_object_update_new(m, json_pack("{s:I,s:I,s:I}", "eval_every",
	    (json_int_t)R->eval_every, "log_every", (json_int_t)o->log_every,
	    "checkpoint_every", (json_int_t)R->ckpt_every));
	json_object_set_new(m, "data", data_json(R));
	json_object_set_new(m, "versions", versions_json());
	json_object_set_new(m, "resumed_from", R->resumed != NULL ?
	    json_incref(R->resumed) : json_null());
	jsonl_emit(stdout, m);
}

static long long
epoch_of(const struct run *R, long long iter)
{
	return iter / R->ipe;
}

/* The training part of a checkpoint's header. */
static json_t *
train_json(const struct run *R)
{
	const struct opts *o = &R->o;

	return json_pack("{s:I,s:I,s:b,s:b,s:f,s:f,s:b,s:b,s:b,s:I,s:I,s:s,"
	    "s:s,s:I}", "seed", (json_int_t)o->seed, "batch",
	    (json_int_t)o->batch, "drop_last", o->drop_last, "augment",
	    o->augment, "momentum", o->momentum, "weight_decay", o->wd,
	    "decay_bn", o->decay_bn, "fan_out", o->fan_out, "warmup",
	    o->warmup, "max_train", (json_int_t)o->max_train, "train_size",
	    (json_int_t)R->ntrain, "split_sha256", R->manifest_sha,
	    "schedule", R->sched_text, "iters", (json_int_t)R->iters);
}

static void
write_one_ckpt(struct run *R, const char *path)
{
	struct ckpt ck;
	uint64_t rng[4] = { R->shuffle.state, R->shuffle.inc,
	    R->augment.state, R->augment.inc };
	uint64_t wc = (uint64_t)R->warm_count;
	double ep[3] = { R->ep_loss, R->ep_correct, R->ep_seen };
	struct stat st;

	ckpt_begin(&ck, json_pack("{s:s,s:s,s:I,s:I,s:I,s:b,s:b}",
	    "program", "rn-train", "version", REPROKIT_VERSION, "iter",
	    (json_int_t)R->iter, "epoch", (json_int_t)epoch_of(R, R->iter),
	    "iters_per_epoch", (json_int_t)R->ipe, "sgd_started",
	    R->opt.started, "warming", R->warming));
	json_object_set_new(ck.hdr, "train", train_json(R));
	if (dist_size() > 1)
		json_object_set_new(json_object_get(ck.hdr, "train"), "ranks",
		    json_integer(dist_size()));
	ckpt_put_model(&ck, R->net, &R->norm);
	ckpt_add(&ck, "momentum", CKPT_F32, R->opt.buf, R->net->nparams);
	ckpt_add(&ck, "perm", CKPT_U32, R->perm, R->ntrain);
	ckpt_add(&ck, "rng", CKPT_U64, rng, 4);
	ckpt_add(&ck, "epoch_stats", CKPT_F64, ep, 3);
	ckpt_add(&ck, "warmup_window", CKPT_F64, R->warm_err, WARMUP_WINDOW);
	ckpt_add(&ck, "warmup_count", CKPT_U64, &wc, 1);
	if (ckpt_write(&ck, path) != 0)
		die("%s:", path);
	jsonl_emit(stdout, json_pack("{s:s,s:I,s:I,s:s,s:s,s:I}", "type",
	    "checkpoint", "iter", (json_int_t)R->iter, "epoch",
	    (json_int_t)epoch_of(R, R->iter), "path", path, "sha256",
	    ck.sha256, "bytes", (json_int_t)(stat(path, &st) == 0 ?
	    st.st_size : -1)));
	ckpt_free(&ck);
}

static void
checkpoint(struct run *R)
{
	struct resnet *r = R->net;
	char *path;

	/* MPI ranks hold the same bits, or rank 0's file would hide it. */
	dist_check_same(r->params, r->nparams * sizeof(float), "weights");
	dist_check_same(r->stats, r->nstats * sizeof(float),
	    "running statistics");
	dist_check_same(R->opt.buf, r->nparams * sizeof(float), "momentum");
	if (dist_rank() != 0) {		/* rank 0 writes them */
		R->last_ckpt = R->iter;
		return;
	}
	if (R->o.out_dir != NULL) {
		if (mkdir(R->o.out_dir, 0777) == -1 && errno != EEXIST)
			die("%s:", R->o.out_dir);
		path = xasprintf("%s/ckpt-%lld.rnck", R->o.out_dir, R->iter);
		write_one_ckpt(R, path);
		free(path);
	}
	if (R->o.ckpt_path != NULL)
		write_one_ckpt(R, R->o.ckpt_path);
	R->last_ckpt = R->iter;
}

static void
eval_split(struct run *R, const char *name, const struct cifar_set *set,
    uint32_t n)
{
	struct eval_result res;
	struct cifar_set part = *set;
	double t = now_s(), sum[3];
	long lo, hi;

	if (n == 0)
		return;
	dist_share(n, &lo, &hi);	/* each MPI rank its share */
	part.n = (uint32_t)(hi - lo);
	part.images += (size_t)lo * CIFAR_IMG_BYTES;
	part.labels += lo;
	if (part.index != NULL)
		part.index += lo;
	evaluate(R->net, &part, part.n, &R->norm, &res);
	sum[0] = res.correct;
	sum[1] = res.loss_sum;
	sum[2] = res.n;
	dist_sum(sum, 3);
	jsonl_emit(stdout, json_pack("{s:s,s:s,s:I,s:I,s:o,s:o,s:i,s:o}",
	    "type", "eval", "split", name, "iter", (json_int_t)R->iter,
	    "epoch", (json_int_t)epoch_of(R, R->iter), "acc",
	    json_num(sum[0] / sum[2]), "loss", json_num(sum[1] / sum[2]),
	    "n", (int)sum[2], "wall_s", json_num(now_s() - t)));
}

static void
progress(struct run *R, double lr, double loss)
{
	double t = now_s(), rate, left;

	if (R->o.quiet || dist_rank() != 0 || !isatty(STDERR_FILENO) ||
	    (t - R->last_progress < 0.5 && R->iter < R->iters))
		return;
	R->last_progress = t;
	rate = R->time_timed > 0 ? R->imgs_timed / R->time_timed : 0;
	left = rate > 0 ? (R->iters - R->iter) * (double)R->o.batch / rate :
	    0;
	fprintf(stderr, "\r%s: iter %lld/%lld  lr %.4g  loss %.4f  %.0f img/s"
	    "  %dh%02dm left ", progname(), R->iter, R->iters, lr, loss, rate,
	    (int)(left / 3600), (int)fmod(left / 60, 60));
	if (R->iter == R->iters)
		fputc('\n', stderr);
}

/* Update number R->iter: data, forward, backward, SGD, the step record. */
static void
train_step(struct run *R)
{
	long long it = R->iter, b = it % R->ipe;
	uint32_t lo = (uint32_t)(b * R->o.batch), i;
	int N = (int)(R->ntrain - lo < (uint32_t)R->o.batch ?
	    R->ntrain - lo : R->o.batch), correct;
	uint8_t labels[65536];
	double t = now_s(), loss, lr, dt;
	long s0, s1;		/* this rank's share of the batch */

	if (b == 0) {
		for (i = 0; i < R->ntrain; i++)
			R->perm[i] = i;
		rng_shuffle(&R->shuffle, R->perm, R->ntrain);
		R->ep_loss = R->ep_correct = R->ep_seen = 0;
	}
	for (i = 0; i < (uint32_t)N; i++) {
		R->idx[i] = R->perm[lo + i];
		labels[i] = R->train.labels[R->idx[i]];
	}
	if (R->o.augment)
		crop_draw(R->crops, N, &R->augment, PAD, 1);
	dist_share(N, &s0, &s1);
	batch_fill(R->net->input, (int)(s1 - s0), &R->train, R->idx + s0,
	    &R->norm, R->o.augment ? R->crops + s0 : NULL, PAD);
	resnet_forward(R->net, (int)(s1 - s0), 1);
	loss = resnet_backward(R->net, labels + s0, (int)(s1 - s0),
	    &correct);
	dist_step_combine(R->net->grads, R->net->nparams, R->net->stats,
	    R->net->nstats, s1 - s0, N, &loss, &correct);
	if (!isfinite(loss)) {
		jsonl_emit(stdout, json_pack("{s:s,s:I,s:I,s:n}", "type",
		    "diverged", "iter", (json_int_t)it, "epoch",
		    (json_int_t)epoch_of(R, it), "loss"));
		if (isatty(STDERR_FILENO))
			fputc('\n', stderr);
		if (dist_rank() == 0)
			warnmsg("the loss diverged at iteration %lld", it);
		close_stdout();
		dist_finish();	/* every rank saw the same loss */
		exit(EXIT_FOUND);
	}
	lr = R->warming ? WARMUP_LR : sched_lr(&R->sched, it, R->ipe);
	sgd_step(&R->opt, R->net, lr);
	R->iter++;
	R->ep_loss += loss * N;
	R->ep_correct += correct;
	R->ep_seen += N;
	dt = now_s() - t;
	R->imgs_timed += N;
	R->time_timed += dt;
	if (it % R->o.log_every == 0 || R->iter == R->iters)
		jsonl_emit(stdout, json_pack("{s:s,s:I,s:I,s:o,s:o,s:o,s:o}",
		    "type", "step", "iter", (json_int_t)it, "epoch",
		    (json_int_t)epoch_of(R, it), "lr", json_num(lr), "loss",
		    json_num(loss), "acc", json_num((double)correct / N),
		    "img_per_s", json_num(dt > 0 ? N / dt : 0)));
	if (R->warming)
		R->warm_err[R->warm_count++ % WARMUP_WINDOW] = 1 -
		    (double)correct / N;
	progress(R, lr, loss);
}

/* ResNet-110's warm-up ends once the recent training error is < 80%. */
static void
check_warmup(struct run *R)
{
	double err = 0;
	int i;

	if (!R->warming || R->warm_count < WARMUP_WINDOW)
		return;
	for (i = 0; i < WARMUP_WINDOW; i++)
		err += R->warm_err[i] / WARMUP_WINDOW;
	if (err >= WARMUP_ERR)
		return;
	R->warming = 0;
	jsonl_emit(stdout, json_pack("{s:s,s:I,s:I,s:o,s:o}", "type",
	    "warmup_end", "iter", (json_int_t)R->iter, "epoch",
	    (json_int_t)epoch_of(R, R->iter), "train_err", json_num(err),
	    "lr", json_num(sched_lr(&R->sched, R->iter, R->ipe))));
}

static void
after_step(struct run *R)
{
	long long done = R->iter;

	if (done % R->ipe == 0)
		jsonl_emit(stdout, json_pack("{s:s,s:I,s:I,s:o,s:o,s:I,s:o}",
		    "type", "epoch", "iter", (json_int_t)done, "epoch",
		    (json_int_t)epoch_of(R, done), "train_loss",
		    json_num(R->ep_loss / R->ep_seen), "train_acc",
		    json_num(R->ep_correct / R->ep_seen), "n",
		    (json_int_t)R->ep_seen, "wall_s", json_num(now_s() -
		    R->t0)));
	check_warmup(R);
	if (R->eval_every > 0 && done % R->eval_every == 0)
		eval_split(R, "val", &R->val, R->nval);
	if (R->ckpt_every > 0 && done % R->ckpt_every == 0 &&
	    done != R->iters)
		checkpoint(R);
}

static void
finish(struct run *R)
{
	if (R->eval_every == 0 || R->iters % R->eval_every != 0)
		eval_split(R, "val", &R->val, R->nval);
	eval_split(R, "test", &R->test, R->ntest);
	if ((R->o.out_dir != NULL || R->o.ckpt_path != NULL) &&
	    R->last_ckpt != R->iters)
		checkpoint(R);
	jsonl_emit(stdout, json_pack("{s:s,s:I,s:I,s:o,s:o}", "type", "end",
	    "iter", (json_int_t)R->iter, "epoch",
	    (json_int_t)epoch_of(R, R->iter), "wall_s",
	    json_num(now_s() - R->t0), "img_per_s", json_num(R->time_timed >
	    0 ? R->imgs_timed / R->time_timed : 0)));
}

int
main(int argc, char **argv)
{
	static struct run R;

	set_progname(argv[0]);
	dist_init(&argc, &argv);
	parse_args(&R.o, argc, argv);
	R.argc = argc;
	R.argv = argv;
	R.last_ckpt = -1;
	setup(&R);
	check_outputs(&R);
	emit_meta(&R);
	R.t0 = now_s();
	while (R.iter < R.iters) {
		train_step(&R);
		after_step(&R);
	}
	finish(&R);
	close_stdout();
	par_shutdown();
	dist_finish();
	return EXIT_OK;
}
