/*
 * lr-audit: check the learning rate a training run really used against
 * the schedule it declared.  Reads one log (rn-train JSON Lines,
 * Lightning, TensorBoard, Trainer state, Keras, MLflow, detectron2,
 * mmcv/mmengine, timm, CSV, JSON Lines, or text through a pattern);
 * writes JSON Lines on stdout, one record per finding, the observed
 * schedule and a summary, and a readable summary on stderr.  It does not
 * look at accuracy: the consequence it states is the published one.
 */
#include <getopt.h>
#include <regex.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonio.h"
#include "logread.h"
#include "logread_audit.h"
#include "sched.h"
#include "util.h"

static const char usage_text[] =
    "[-dqt] [-b batch] [-f format] [-H either|next|current]\n"
    "                [-i iters-per-epoch] [-k step-key] [-n train-size]\n"
    "                [-r regex] [-s schedule] [-T tag] [-u epoch|step]\n"
    "                [log]";

struct opts {
	const char	*path;
	const char	*format;
	const char	*schedule;
	const char	*tag;
	const char	*step_key;
	const char	*regex;
	long long	 ipe, train_size, batch;
	int		 drop_last;
	int		 interval_step;
	int		 interval_given;
	enum audit_hf	 hf;
	int		 text, quiet;
};

static long long
num_arg(const char *opt, const char *s, long long lo, long long hi)
{
	const char *e;
	long v;

	if (parse_long(s, (long)lo, (long)hi, &v, &e) == -1)
		usage_error(usage_text, "%s: %s: %s", opt, s, e);
	return v;
}

static void
parse_args(struct opts *o, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "batch", required_argument, NULL, 'b' },
		{ "drop-last", no_argument, NULL, 'd' },
		{ "format", required_argument, NULL, 'f' },
		{ "hf-lr", required_argument, NULL, 'H' },
		{ "help", no_argument, NULL, 'h' },
		{ "iters-per-epoch", required_argument, NULL, 'i' },
		{ "step-key", required_argument, NULL, 'k' },
		{ "train-size", required_argument, NULL, 'n' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "regex", required_argument, NULL, 'r' },
		{ "schedule", required_argument, NULL, 's' },
		{ "tag", required_argument, NULL, 'T' },
		{ "text", no_argument, NULL, 't' },
		{ "interval", required_argument, NULL, 'u' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	int c, i;

	memset(o, 0, sizeof(*o));
	while ((c = getopt_long(argc, argv, "b:df:H:hi:k:n:qr:s:T:tu:V", lo,
	    NULL)) != -1) {
		switch (c) {
		case 'b':
			o->batch = num_arg("--batch", optarg, 1, 1L << 30);
			break;
		case 'd':
			o->drop_last = 1;
			break;
		case 'f':
			for (i = 0; logread_formats[i] != NULL; i++)
				if (!strcmp(optarg, logread_formats[i]))
					break;
			if (logread_formats[i] == NULL)
				usage_error(usage_text, "--format: unknown "
				    "format \"%s\"", optarg);
			o->format = optarg;
			break;
		case 'H':
			if (!strcmp(optarg, "either"))
				o->hf = AUDIT_HF_EITHER;
			else if (!strcmp(optarg, "next"))
				o->hf = AUDIT_HF_NEXT;
			else if (!strcmp(optarg, "current"))
				o->hf = AUDIT_HF_CURRENT;
			else
				usage_error(usage_text, "--hf-lr: \"%s\": "
				    "expected either, next or current",
				    optarg);
			break;
		case 'h':
			printf("usage: lr-audit %s\n", usage_text);
			exit(EXIT_OK);
		case 'i':
			o->ipe = num_arg("--iters-per-epoch", optarg, 1,
			    1L << 30);
			break;
		case 'k':
			o->step_key = optarg;
			break;
		case 'n':
			o->train_size = num_arg("--train-size", optarg, 1,
			    1L << 40);
			break;
		case 'q':
			o->quiet = 1;
			break;
		case 'r':
			o->regex = optarg;
			break;
		case 's':
			o->schedule = optarg;
			break;
		case 'T':
			o->tag = optarg;
			break;
		case 't':
			o->text = 1;
			break;
		case 'u':
			if (strcmp(optarg, "epoch") && strcmp(optarg, "step"))
				usage_error(usage_text, "--interval: \"%s\": "
				    "expected epoch or step", optarg);
			o->interval_step = !strcmp(optarg, "step");
			o->interval_given = 1;
			break;
		case 'V':
			printf("lr-audit %s\n", REPROKIT_VERSION);
			exit(EXIT_OK);
		default:
			usage_error(usage_text, NULL);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc > 1)
		usage_error(usage_text, "one log at a time");
	o->path = argc == 1 ? argv[0] : "-";
	if ((o->train_size > 0) != (o->batch > 0))
		usage_error(usage_text, "--train-size and --batch go together");
	if (o->batch > 0 && o->train_size / o->batch > 1L << 30)
		usage_error(usage_text, "--train-size %lld at --batch %lld: "
		    "too many iterations per epoch", o->train_size, o->batch);
	if (o->ipe > 0 && o->train_size > 0)
		usage_error(usage_text, "give --iters-per-epoch or "
		    "--train-size and --batch, not both");
	if (o->regex != NULL && o->format == NULL)
		o->format = "regex";
	if (o->format != NULL && !strcmp(o->format, "regex") &&
	    o->regex == NULL)
		usage_error(usage_text, "--format regex needs --regex");
}

/* A number from JSON, or from text such as "0.1" (MLflow params). */
static int
meta_num(json_t *m, const char *key, double *out)
{
	json_t *v = json_object_get(m, key);
	const char *e;

	if (json_is_number(v)) {
		*out = json_number_value(v);
		return 0;
	}
	if (json_is_string(v) && parse_double(json_string_value(v), -1e300,
	    1e300, out, &e) == 0)
		return 0;
	return -1;
}

/* Milestones as a JSON list, or text "[2, 4]" / "2/4" / "2,4". */
static int
meta_milestones(json_t *m, double *ms, int max)
{
	json_t *v = json_object_get(m, "milestones"), *x;
	const char *s;
	char *end;
	size_t i;
	int n = 0;

	if (json_is_array(v)) {
		json_array_foreach(v, i, x) {
			if (!json_is_number(x) || n == max)
				return -1;
			ms[n++] = json_number_value(x);
		}
		return n;
	}
	if (!json_is_string(v))
		return -1;
	for (s = json_string_value(v); *s != '\0' && n < max; ) {
		if (strchr("[]()/, ", *s)) {
			s++;
			continue;
		}
		ms[n++] = strtod(s, &end);
		if (end == s)
			return -1;
		s = end;
	}
	return n;
}

/*
 * A schedule from hyper-parameters (Lightning hparams.yaml, MLflow
 * params): lr, milestones, gamma.  They do not say whether the scheduler
 * stepped per epoch or per iteration; epochs (Lightning's default
 * interval) unless --interval step says otherwise.
 */
static int
hparams_schedule(const struct opts *o, json_t *m, struct sched *s,
    char **from)
{
	double lr, gamma = 0.1, ms[SCHED_MAX_MILESTONES], step;
	char buf[2048], err[256];
	size_t off;
	int n, i;

	if (m == NULL || (meta_num(m, "lr", &lr) == -1 &&
	    meta_num(m, "learning_rate", &lr) == -1))
		return -1;
	meta_num(m, "gamma", &gamma);
	off = (size_t)snprintf(buf, sizeof(buf), "lr=%.17g", lr);
	if ((n = meta_milestones(m, ms, SCHED_MAX_MILESTONES)) > 0) {
		memmove(buf + 10, buf, off + 1);
		memcpy(buf, "multistep:", 10);
		off += 10;
		off += (size_t)snprintf(buf + off, sizeof(buf) - off,
		    ",milestones=");
		for (i = 0; i < n && off < sizeof(buf); i++)
			off += (size_t)snprintf(buf + off, sizeof(buf) - off,
			    "%s%.0f%s", i ? "/" : "", ms[i],
			    o->interval_step ? "" : "ep");
	} else if (meta_num(m, "step_size", &step) == 0) {
		snprintf(buf, sizeof(buf), "step:lr=%.17g,every=%.0f%s", lr,
		    step, o->interval_step ? "" : "ep");
		off = strlen(buf);
	} else
		return -1;
	if (off < sizeof(buf))
		snprintf(buf + off, sizeof(buf) - off, ",gamma=%.17g", gamma);
	if (sched_parse(buf, s, err, sizeof(err)) == -1) {
		warnmsg("%s: the declared hyper-parameters do not make a "
		    "schedule: %s", o->path, err);
		return -1;
	}
	*from = xasprintf("the run's hyper-parameters (lr, milestones, "
	    "gamma), stepped per %s%s", o->interval_step ? "iteration" :
	    "epoch", o->interval_given ? "" : " (Lightning's default "
	    "interval; --interval step if it stepped per iteration)");
	return 0;
}

static int
sched_from_text(const struct opts *o, const char *text, const char *what,
    struct sched *s, char **from)
{
	char err[256];

	if (sched_parse(text, s, err, sizeof(err)) == -1) {
		warnmsg("%s: %s does not make a schedule (%s): %s", o->path,
		    what, text, err);
		return -1;
	}
	*from = xstrdup(what);
	return 0;
}

/* The list of numbers in "[8, 11]" or "8" as "8ep/11ep" (unit u). */
static int
list_text(const char *in, const char *unit, char *out, size_t len)
{
	size_t off = 0;
	char *end;
	double v;
	int n = 0;

	out[0] = '\0';
	while (*in != '\0' && off < len) {
		if (strchr("[]() ,", *in)) {
			in++;
			continue;
		}
		v = strtod(in, &end);
		if (end == in)
			return -1;
		off += (size_t)snprintf(out + off, len - off, "%s%.0f%s",
		    n++ ? "/" : "", v, unit);
		in = end;
	}
	return n > 0 && off < len ? 0 : -1;
}

/*
 * detectron2: SOLVER in the config.yaml beside metrics.json (defaults
 * from detectron2's own: GAMMA 0.1, WARMUP_ITERS 1000, WARMUP_FACTOR
 * 0.001, linear).  Its warm-up multiplies the rate by a factor rising
 * linearly from WARMUP_FACTOR to 1, which is the grammar's linear
 * warm-up from BASE_LR * WARMUP_FACTOR.
 */
static int
d2_schedule(const struct opts *o, const char *logfile, struct sched *s,
    char **from)
{
	char *dir, *p, err[256], text[1024], ms[512];
	json_t *y, *sv, *v;
	double lr, gamma = 0.1, wf = 0.001, wi = 1000, maxit = 0;
	const char *method = "linear", *name;
	size_t i;
	int off, rc = -1;

	dir = xstrdup(logfile);
	if ((p = strrchr(dir, '/')) != NULL)
		*p = '\0';
	else
		strcpy(dir, ".");
	p = xasprintf("%s/config.yaml", dir);
	free(dir);
	if ((y = logread_yaml_load(p, err, sizeof(err))) == NULL) {
		free(p);
		return -1;
	}
	sv = json_object_get(y, "SOLVER");
	if (json_get_num(sv, "BASE_LR", &lr) == -1 || lr <= 0)
		goto out;
	json_get_num(sv, "GAMMA", &gamma);
	json_get_num(sv, "WARMUP_FACTOR", &wf);
	json_get_num(sv, "WARMUP_ITERS", &wi);
	json_get_num(sv, "MAX_ITER", &maxit);
	if ((name = json_get_str(sv, "WARMUP_METHOD")) != NULL)
		method = name;
	off = 0;
	if (wi > 0 && wf != 1)
		off = snprintf(text, sizeof(text), "warmup:lr=%.17g,len=%.0f,"
		    "mode=%s+", lr * wf, wi, !strcmp(method, "constant") ?
		    "constant" : "linear");
	name = json_get_str(sv, "LR_SCHEDULER_NAME");
	if (name != NULL && strstr(name, "Cosine") != NULL && maxit > 0)
		snprintf(text + off, sizeof(text) - (size_t)off,
		    "cosine:lr=%.17g,total=%.0f", lr, maxit);
	else {
		ms[0] = '\0';
		json_array_foreach(json_object_get(sv, "STEPS"), i, v)
			if (json_is_number(v))
				snprintf(ms + strlen(ms), sizeof(ms) -
				    strlen(ms), "%s%.0f", i ? "/" : "",
				    json_number_value(v));
		if (ms[0] == '\0')
			goto out;
		snprintf(text + off, sizeof(text) - (size_t)off,
		    "multistep:lr=%.17g,milestones=%s,gamma=%.17g", lr, ms,
		    gamma);
	}
	if (maxit > 0)
		snprintf(text + strlen(text), sizeof(text) - strlen(text),
		    ",stop=%.0f", maxit);
	rc = sched_from_text(o, text, "the run's config.yaml (SOLVER)", s,
	    from);
out:
	json_decref(y);
	free(p);
	return rc;
}

/* The first match's group 1 of pattern in text, into out. */
static int
grab(const char *text, const char *pattern, char *out, size_t len)
{
	regmatch_t m[2];
	regex_t re;
	size_t n;
	int rc;

	if (regcomp(&re, pattern, REG_EXTENDED) != 0)
		return -1;
	rc = regexec(&re, text, 2, m, 0);
	regfree(&re);
	if (rc != 0 || m[1].rm_so < 0)
		return -1;
	n = (size_t)(m[1].rm_eo - m[1].rm_so);
	if (n >= len)
		return -1;
	memcpy(out, text + m[1].rm_so, n);
	out[n] = '\0';
	return 0;
}

/*
 * OpenMMLab configs (Python text): mmcv 1.x's lr_config = dict(policy=
 * 'step', step=[8, 11], warmup='linear', warmup_iters=500, warmup_ratio=
 * 0.001), in the first line of the .log.json; mmengine's param_scheduler
 * list (LinearLR then MultiStepLR), in vis_data/config.py.  Both warm-ups
 * scale the rate by a ratio rising linearly to 1: the grammar's linear
 * warm-up from lr * ratio.
 */
static int
mm_schedule(const struct opts *o, const char *cfg, struct sched *s,
    char **from, const char *what)
{
	char lr[64], part[2048], steps[512], ms[600], g[64], wi[64], wr[64];
	char mode[32], text[2048], unit[4] = "ep";
	const char *ratio_key;
	size_t off = 0;

	if (grab(cfg, "optimizer *= *dict\\([^)]*[^_a-z]lr *= *([0-9.eE+-]+)",
	    lr, sizeof(lr)) == -1)
		return -1;
	if (grab(cfg, "lr_config *= *dict\\(([^)]*)\\)", part,
	    sizeof(part)) == 0) {
		/* mmcv 1.x */
		if (grab(part, "policy *= *'([a-zA-Z]+)'", mode, sizeof(mode))
		    == -1 || strcmp(mode, "step") != 0)
			return -1;
		if (grab(part, "by_epoch *= *(False)", g, sizeof(g)) == 0)
			unit[0] = '\0';
		if (grab(part, "[^_a-z]step *= *(\\[[^]]*\\]|[0-9]+)", steps,
		    sizeof(steps)) == -1)
			return -1;
		if (grab(part, "gamma *= *([0-9.eE+-]+)", g, sizeof(g)) == -1)
			strcpy(g, "0.1");
		ratio_key = "warmup_ratio *= *([0-9.eE+-]+)";
		if (grab(part, "warmup *= *'([a-z]+)'", mode,
		    sizeof(mode)) == 0 && grab(part,
		    "warmup_iters *= *([0-9]+)", wi, sizeof(wi)) == 0) {
			if (grab(part, ratio_key, wr, sizeof(wr)) == -1)
				strcpy(wr, "0.1");
			off = (size_t)snprintf(text, sizeof(text), "warmup:lr="
			    "%.17g,len=%s,mode=%s+", strtod(lr, NULL) *
			    strtod(wr, NULL), wi, !strcmp(mode, "constant") ?
			    "constant" : "linear");
		}
	} else if (grab(cfg, "(type *= *'MultiStepLR'[^)]*)\\)", part,
	    sizeof(part)) == 0) {
		/* mmengine */
		if (grab(part, "by_epoch *= *(False)", g, sizeof(g)) == 0)
			unit[0] = '\0';
		if (grab(part, "milestones *= *(\\[[^]]*\\])", steps,
		    sizeof(steps)) == -1)
			return -1;
		if (grab(part, "gamma *= *([0-9.eE+-]+)", g, sizeof(g)) == -1)
			strcpy(g, "0.1");
		if (grab(cfg, "(type *= *'LinearLR'[^)]*)\\)", part,
		    sizeof(part)) == 0 && grab(part, "by_epoch *= *(False)",
		    mode, sizeof(mode)) == 0 && grab(part,
		    "[^_a-z]end *= *([0-9]+)", wi, sizeof(wi)) == 0) {
			if (grab(part, "start_factor *= *([0-9.eE+-]+)", wr,
			    sizeof(wr)) == -1)
				strcpy(wr, "0.333333333333333");
			off = (size_t)snprintf(text, sizeof(text), "warmup:lr="
			    "%.17g,len=%s,mode=linear+", strtod(lr, NULL) *
			    strtod(wr, NULL), wi);
		}
	} else
		return -1;
	if (list_text(steps, unit, ms, sizeof(ms)) == -1)
		return -1;
	snprintf(text + off, sizeof(text) - off,
	    "multistep:lr=%s,milestones=%s,gamma=%s", lr, ms, g);
	return sched_from_text(o, text, what, s, from);
}

static int
mmengine_schedule(const struct opts *o, const char *logfile,
    struct sched *s, char **from)
{
	char *dir, *p, *buf;
	FILE *fp;
	size_t n;
	int rc;

	dir = xstrdup(logfile);
	if ((p = strrchr(dir, '/')) != NULL)
		*p = '\0';
	else
		strcpy(dir, ".");
	p = xasprintf("%s/config.py", dir);
	free(dir);
	fp = fopen(p, "rb");
	free(p);
	if (fp == NULL)
		return -1;
	buf = xmalloc(1 << 20);
	n = fread(buf, 1, (1 << 20) - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	rc = mm_schedule(o, buf, s, from, "the run's config.py "
	    "(param_scheduler)");
	free(buf);
	return rc;
}

/* The declared schedule: -s, rn-train's meta, or hyper-parameters. */
/*
 * rn-train -W: 0.01 until the training error falls under 80%, then the
 * schedule (the ResNet-110 recipe).  The meta record says so; the
 * warmup_end record says when (-1: never, the whole run warmed up).
 */
static void
rntrain_warmup(json_t *m, struct sched *s, long long end, char **from)
{
	json_t *w = json_object_get(m, "warmup");
	long long iters;
	double lr;
	char *f;

	if (!json_is_object(w) || json_get_num(w, "lr", &lr) == -1 ||
	    s->warmup != WARMUP_NONE)
		return;
	if (end < 0 && (json_get_int(m, "iters", &iters) == -1 ||
	    (end = iters) <= 0))
		return;
	if (end == 0)
		return;
	s->warmup = WARMUP_CONSTANT;
	s->warmup_lr = lr;
	s->warmup_len.v = (double)end;
	s->warmup_len.epochs = 0;
	f = xasprintf("%s, with its -W warm-up at %g until iteration %lld",
	    *from, lr, end);
	free(*from);
	*from = f;
}

static int
declared(const struct opts *o, struct logreader *r, const char *logfile,
    long long warmup_end, struct sched *s, char **from,
    long long *meta_ipe)
{
	json_t *m = logread_meta(r);
	const char *text, *fmt;
	char err[256];
	long long v;

	if (m != NULL && json_get_int(m, "iters_per_epoch", &v) == 0 &&
	    v > 0)
		*meta_ipe = v;
	if (o->schedule != NULL) {
		if (sched_parse(o->schedule, s, err, sizeof(err)) == -1)
			die_status(EXIT_BAD, "--schedule: %s", err);
		*from = xstrdup("--schedule");
		return 0;
	}
	if (m != NULL && !strcmp(logread_format(r), "rn-train") &&
	    (text = json_get_str(m, "schedule")) != NULL) {
		if (sched_parse(text, s, err, sizeof(err)) == -1)
			die_status(EXIT_BAD, "%s: the meta record's schedule: "
			    "%s", o->path, err);
		*from = xstrdup("the log's meta record");
		rntrain_warmup(m, s, warmup_end, from);
		return 0;
	}
	fmt = logread_format(r);
	if (!strcmp(fmt, "detectron2") && logfile != NULL)
		return d2_schedule(o, logfile, s, from);
	if (!strcmp(fmt, "mmcv") && (text = json_get_str(m, "config")) !=
	    NULL)
		return mm_schedule(o, text, s, from, "the config in the log's "
		    "first line (lr_config)");
	if (!strcmp(fmt, "mmengine") && logfile != NULL)
		return mmengine_schedule(o, logfile, s, from);
	return hparams_schedule(o, m, s, from);
}

static void
text_out(FILE *fp, json_t *recs, const char *path)
{
	json_t *rec;
	size_t i;
	const char *type;

	json_array_foreach(recs, i, rec) {
		type = json_string_value(json_object_get(rec, "type"));
		if (!strcmp(type, "finding"))
			fprintf(fp, "%s: %s (%s): %s\n", path,
			    json_string_value(json_object_get(rec, "kind")),
			    json_string_value(json_object_get(rec,
			    "severity")), json_string_value(json_object_get(
			    rec, "message")));
		else if (!strcmp(type, "summary"))
			fprintf(fp, "%s: %s, tag %s, %s: %s\n", path,
			    json_string_value(json_object_get(rec, "format")),
			    json_string_value(json_object_get(rec, "tag")),
			    json_string_value(json_object_get(rec,
			    "verdict")), json_string_value(json_object_get(
			    rec, "message")));
		else if (!strcmp(type, "observed"))
			fprintf(fp, "%s: observed %s, %lld change point(s)\n",
			    path, json_string_value(json_object_get(rec,
			    "shape")), (long long)json_array_size(
			    json_object_get(rec, "changes")) - 1);
	}
}

int
main(int argc, char **argv)
{
	struct opts o;
	struct logread_opts ro;
	struct audit_opts ao;
	struct logreader *r;
	struct logpoint pt;
	struct audit *a;
	struct sched s;
	json_t *recs, *rec;
	char err[1024], *from = NULL, *fields, *logfile = NULL;
	const char *badtag;
	long long meta_ipe = 0, warmup_end = -1, nbad, badstep;
	int rc, nfind, have;
	size_t i;

	set_progname(argv[0]);
	parse_args(&o, argc, argv);
	memset(&ro, 0, sizeof(ro));
	ro.step_key = o.step_key;
	ro.regex = o.regex;
	if ((r = logread_open_opts(o.path, o.format, &ro, err,
	    sizeof(err))) == NULL)
		die_status(EXIT_BAD, "%s", err);
	memset(&ao, 0, sizeof(ao));
	ao.tag = o.tag;
	ao.hf = o.hf;
	a = audit_new(logread_format(r), &ao);
	while ((rc = logread_next(r, &pt)) == 1) {
		if (logfile == NULL && pt.src != NULL &&
		    strcmp(pt.src, "-") != 0)
			logfile = xstrdup(pt.src);
		if (warmup_end < 0 && !strcmp(pt.tag, "warmup_end"))
			warmup_end = pt.step;
		audit_add(a, &pt);
	}
	if (rc == -1)
		die_status(EXIT_BAD, "%s", logread_error(r));
	if ((nbad = audit_nonfinite(a, &badtag, &badstep)) > 0)
		warnmsg("%s: %lld learning-rate value%s, skipped (the "
		    "first: %s at step %lld)", o.path, nbad, nbad == 1 ?
		    " is not a finite number" : "s are not finite numbers",
		    badtag, badstep);
	have = declared(&o, r, logfile, warmup_end, &s, &from,
	    &meta_ipe) == 0;
	if (o.train_size > 0)
		audit_set_ipe(a, iters_per_epoch(o.train_size, o.batch,
		    o.drop_last), o.drop_last ? "--train-size/--batch, last "
		    "partial batch dropped" : "--train-size/--batch, last "
		    "partial batch kept");
	else if (o.ipe > 0)
		audit_set_ipe(a, o.ipe, "--iters-per-epoch");
	else if (meta_ipe > 0)
		audit_set_ipe(a, meta_ipe, "the log's meta record");
	recs = audit_run(a, have ? &s : NULL, from, &nfind, err, sizeof(err));
	if (recs == NULL) {
		if (json_array_size(audit_lr_tags(a)) == 0) {
			fields = json_dumps(logread_fields(r), JSON_COMPACT);
			die_status(EXIT_BAD, "%s: no learning rate in the %s "
			    "log; it has: %s", o.path, logread_format(r),
			    json_array_size(logread_fields(r)) ? fields :
			    "nothing");
		}
		die_status(EXIT_BAD, "%s: %s", o.path, err);
	}
	if (o.text)
		text_out(stdout, recs, o.path);
	else {
		json_array_foreach(recs, i, rec) {
			if (!strcmp(json_string_value(json_object_get(rec,
			    "type")), "summary")) {
				json_object_set_new(rec, "path",
				    json_string(o.path));
				json_object_set_new(rec, "warnings",
				    json_integer(logread_nwarnings(r)));
			}
			if (jsonl_write(stdout, rec) == -1)
				die("stdout:");
		}
		if (!o.quiet)
			text_out(stderr, recs, o.path);
	}
	json_decref(recs);
	audit_free(a);
	logread_close(r);
	free(from);
	free(logfile);
	close_stdout();
	return nfind > 0 ? EXIT_FOUND : EXIT_OK;
}
