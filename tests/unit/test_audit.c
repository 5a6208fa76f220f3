/*
 * test_audit.c: the audit engine on made-up series: what each logger's
 * sampling and rounding does to a correct run must not raise an alarm
 * (Lightning every 50 steps, a Trainer state's next-step rate, mmcv's
 * five decimals, float32 TensorBoard values), while a run too sparsely
 * logged gets "unverifiable", never a pass.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "logread_audit.h"
#include "sched.h"

struct sample {
	long long	 step;
	double		 epoch, value;
};

/* Audit n samples of tag; returns the records, *nf the finding count. */
static json_t *
audit_series(const char *format, const char *tag, const struct sample *s,
    size_t n, const char *declared, long long ipe, enum audit_hf hf,
    int *nf)
{
	struct audit_opts o;
	struct logpoint p;
	struct audit *a;
	struct sched d;
	json_t *recs;
	char err[256];
	size_t i;

	memset(&o, 0, sizeof(o));
	o.hf = hf;
	o.ipe = ipe;
	a = audit_new(format, &o);
	for (i = 0; i < n; i++) {
		memset(&p, 0, sizeof(p));
		p.tag = tag;
		p.step = s[i].step;
		p.epoch = s[i].epoch;
		p.value = s[i].value;
		p.wall = NAN;
		audit_add(a, &p);
	}
	if (declared != NULL)
		assert_int_equal(sched_parse(declared, &d, err, sizeof(err)),
		    0);
	recs = audit_run(a, declared != NULL ? &d : NULL, "test", nf, err,
	    sizeof(err));
	audit_free(a);
	return recs;
}

static int
has_kind(json_t *recs, const char *kind)
{
	json_t *r;
	size_t i;
	const char *k;

	json_array_foreach(recs, i, r) {
		k = json_string_value(json_object_get(r, "kind"));
		if (k != NULL && !strcmp(k, kind))
			return 1;
	}
	return 0;
}

static double
paper(long long i)
{
	return 0.1 * pow(0.1, (i >= 32000) + (i >= 48000));
}

/* Lightning: rows at steps 49, 99, ... show the rate of update s. */
static void
test_lightning_sampling(void **state)
{
	static struct sample s[1300];
	json_t *recs;
	size_t n = 0;
	long long st;
	int nf;

	for (st = 49; st < 64000; st += 50, n++) {
		s[n].step = st;
		s[n].epoch = NAN;
		s[n].value = paper(st);
	}
	recs = audit_series("lightning-csv", "lr-SGD", s, n, "paper", 391,
	    AUDIT_HF_EITHER, &nf);
	assert_int_equal(nf, 0);
	json_decref(recs);
	/* The same log, never decayed: the founding case. */
	for (size_t i = 0; i < n; i++)
		s[i].value = 0.1;
	recs = audit_series("lightning-csv", "lr-SGD", s, n, "paper", 391,
	    AUDIT_HF_EITHER, &nf);
	assert_int_equal(nf, 1);
	assert_true(has_kind(recs, "never_decayed"));
	json_decref(recs);
}

/*
 * Trainer state: before 2025 the rate logged at step s (s updates done)
 * is that of update s; after, that of update s - 1.
 */
static void
test_hf_semantics(void **state)
{
	static struct sample nxt[100], cur[100];
	json_t *recs;
	size_t n = 0;
	long long st;
	int nf;

	for (st = 10; st <= 1000; st += 10, n++) {
		nxt[n].step = cur[n].step = st;
		nxt[n].epoch = cur[n].epoch = NAN;
		nxt[n].value = st >= 400 ? 0.01 : 0.1;
		cur[n].value = st - 1 >= 400 ? 0.01 : 0.1;
	}
	recs = audit_series("hf-trainer-state", "learning_rate", nxt, n,
	    "multistep:lr=0.1,milestones=400", 0, AUDIT_HF_EITHER, &nf);
	assert_int_equal(nf, 0);
	json_decref(recs);
	recs = audit_series("hf-trainer-state", "learning_rate", cur, n,
	    "multistep:lr=0.1,milestones=400", 0, AUDIT_HF_EITHER, &nf);
	assert_int_equal(nf, 0);
	json_decref(recs);
	recs = audit_series("hf-trainer-state", "learning_rate", nxt, n,
	    "multistep:lr=0.1,milestones=400", 0, AUDIT_HF_NEXT, &nf);
	assert_int_equal(nf, 0);
	json_decref(recs);
	/* Told "current", the next-step log is one update early. */
	recs = audit_series("hf-trainer-state", "learning_rate", nxt, n,
	    "multistep:lr=0.1,milestones=400", 0, AUDIT_HF_CURRENT, &nf);
	assert_true(nf > 0);
	json_decref(recs);
}

/* mmcv writes round(lr, 5): 1e-6 becomes 0.0. */
static void
test_mmcv_rounding(void **state)
{
	static struct sample s[200];
	json_t *recs;
	size_t n = 0;
	long long i;
	int nf;

	for (i = 9; i < 2000; i += 10, n++) {
		/* epoch-based: 1-based epochs of 100, iter inside. */
		s[n].epoch = (double)(i / 100);
		s[n].step = i % 100 + 1;
		s[n].value = i >= 1000 ? 0.0 : 0.0001;
	}
	recs = audit_series("mmcv", "lr", s, n,
	    "multistep:lr=0.0001,milestones=10ep,gamma=0.01", 100,
	    AUDIT_HF_EITHER, &nf);
	assert_int_equal(nf, 0);
	json_decref(recs);
}

/* TensorBoard simple_value is float32: 0.1f is 0.100000001490116. */
static void
test_float32(void **state)
{
	static struct sample s[640];
	json_t *recs;
	size_t n;
	int nf;

	for (n = 0; n < 640; n++) {
		s[n].step = (long long)n * 100;
		s[n].epoch = NAN;
		s[n].value = (float)paper(s[n].step);
	}
	recs = audit_series("tensorboard", "lr", s, n, "paper", 352,
	    AUDIT_HF_EITHER, &nf);
	assert_int_equal(nf, 0);
	json_decref(recs);
	/* But a value 1% off is not a rounding error. */
	s[400].value *= 1.01;
	recs = audit_series("tensorboard", "lr", s, n, "paper", 352,
	    AUDIT_HF_EITHER, &nf);
	assert_true(nf > 0);
	json_decref(recs);
}

/* One sample every 5,000 updates cannot place a decay to an epoch. */
static void
test_unverifiable(void **state)
{
	static struct sample s[20];
	json_t *recs, *r;
	size_t n, i;
	int nf, seen = 0;

	for (n = 0; n < 13; n++) {
		s[n].step = (long long)n * 5000;
		s[n].epoch = NAN;
		s[n].value = paper(s[n].step);
	}
	recs = audit_series("csv", "lr", s, n, "paper", 352,
	    AUDIT_HF_EITHER, &nf);
	assert_int_equal(nf, 2);
	json_array_foreach(recs, i, r) {
		if (!json_is_string(json_object_get(r, "kind")))
			continue;
		assert_string_equal(json_string_value(json_object_get(r,
		    "kind")), "unverifiable");
		seen++;
	}
	assert_int_equal(seen, 2);
	r = json_array_get(recs, json_array_size(recs) - 1);
	assert_string_equal(json_string_value(json_object_get(r, "verdict")),
	    "findings");
	json_decref(recs);
}

/* No schedule: change points and a shape, no verdict either way. */
static void
test_undeclared(void **state)
{
	static struct sample s[70];
	json_t *recs, *obs;
	size_t n;
	int nf;

	for (n = 0; n < 64; n++) {
		s[n].step = (long long)n * 1000;
		s[n].epoch = NAN;
		s[n].value = paper(s[n].step);
	}
	recs = audit_series("csv", "lr", s, n, NULL, 0, AUDIT_HF_EITHER, &nf);
	assert_int_equal(nf, 0);
	obs = json_array_get(recs, 0);
	assert_string_equal(json_string_value(json_object_get(obs, "shape")),
	    "multistep");
	assert_int_equal(json_array_size(json_object_get(obs, "changes")), 3);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(
	    json_object_get(obs, "changes"), 1), "step")), 32000);
	assert_true(fabs(json_real_value(json_object_get(obs, "gamma")) -
	    0.1) < 1e-12);
	json_decref(recs);
}

/* Smooth decays are told apart by which curve fits. */
static void
test_shapes(void **state)
{
	static struct sample s[100];
	static const char *const want[] = {
		"cosine decay", "linear decay", "exponential decay"
	};
	json_t *recs;
	size_t n;
	int k, nf;
	double t;

	for (k = 0; k < 3; k++) {
		for (n = 0; n < 100; n++) {
			s[n].step = (long long)n * 10;
			s[n].epoch = NAN;
			t = (double)n / 100;
			s[n].value = k == 0 ? 0.001 + 0.099 * (1 +
			    cos(M_PI * t)) / 2 : k == 1 ? 0.1 * (1 - t) +
			    1e-4 : 0.1 * pow(0.99, 10.0 * (double)n);
		}
		recs = audit_series("csv", "lr", s, n, NULL, 0,
		    AUDIT_HF_EITHER, &nf);
		assert_string_equal(json_string_value(json_object_get(
		    json_array_get(recs, 0), "shape")), want[k]);
		json_decref(recs);
	}
}

/*
 * The Trainer's TensorBoard tag carries its step semantics: a linear
 * decay logged one update early is no deviation there.
 */
static void
test_hf_tag_in_tensorboard(void **state)
{
	static struct sample s[100];
	json_t *recs;
	size_t n;
	int nf;

	for (n = 0; n < 100; n++) {
		s[n].step = (long long)n * 10 + 10;
		s[n].epoch = NAN;
		s[n].value = (float)(0.1 * (1 - (double)(s[n].step - 1) /
		    1000));
	}
	recs = audit_series("tensorboard", "train/learning_rate", s, n,
	    "linear:lr=0.1,total=1000", 0, AUDIT_HF_EITHER, &nf);
	assert_int_equal(nf, 0);
	json_decref(recs);
	/* Under another name the same values are one update off. */
	recs = audit_series("tensorboard", "lr", s, n,
	    "linear:lr=0.1,total=1000", 0, AUDIT_HF_EITHER, &nf);
	assert_int_equal(nf, 1);
	assert_true(has_kind(recs, "mismatch"));
	json_decref(recs);
}

/* A linear congruential generator: a fixed sequence on every host. */
static long long
rnd(unsigned long long *x, long long k)
{
	*x = *x * 6364136223846793005ULL + 1442695040888963407ULL;
	return (long long)((*x >> 33) % (unsigned long long)k);
}

/*
 * A property: a log that follows its schedule, sampled at least twice an
 * epoch, gets no finding, for 300 random multistep schedules (half with
 * a warm-up), sampling steps and offsets; the same log with one decay left
 * out gets one.
 */
static void
test_random_correct(void **state)
{
	static struct sample s[20000];
	unsigned long long x = 12345;
	char text[256];
	struct sched d;
	char err[128];
	json_t *recs;
	long long ipe, every, first, st, len, last, wn;
	int round, nm, m[4], i, nf, kind, wl;
	size_t n;
	size_t off;

	for (round = 0; round < 300; round++) {
#define RND(k)	rnd(&x, (k))
		ipe = 20 + RND(400);
		every = 1 + RND(ipe / 2);
		first = RND(every);
		nm = 1 + (int)RND(3);
		for (i = 0; i < nm; i++)
			m[i] = (i ? m[i - 1] : 0) + 1 + (int)RND(5);
		kind = (int)RND(2);	/* epochs or iterations */
		off = 0;
		if (RND(2)) {	/* a warm-up, linear or constant */
			wl = 1 + (int)RND(9);
			wn = 1 + RND(ipe / 2);
			off = (size_t)snprintf(text, sizeof(text),
			    "warmup:lr=0.00%d,len=%lld,mode=%s+", wl, wn,
			    RND(2) ? "linear" : "constant");
		}
		off += (size_t)snprintf(text + off, sizeof(text) - off,
		    "multistep:lr=0.%d,milestones=", 1 + (int)RND(9));
		for (i = 0; i < nm; i++)
			off += (size_t)snprintf(text + off, sizeof(text) - off,
			    "%s%lld%s", i ? "/" : "", kind ? (long long)m[i] :
			    (long long)m[i] * ipe + RND(ipe / 4), kind ? "ep" :
			    "");
		assert_int_equal(sched_parse(text, &d, err, sizeof(err)), 0);
		last = (long long)dur_iters(d.milestones[nm - 1], ipe);
		len = last + ipe + RND(2 * ipe);
		n = 0;
		for (st = first; st < len && n < 20000; st += every, n++) {
			s[n].step = st;
			s[n].epoch = NAN;
			s[n].value = (float)sched_lr(&d, st, ipe);
		}
		recs = audit_series("tensorboard", "lr", s, n, text, ipe,
		    AUDIT_HF_EITHER, &nf);
		if (nf != 0) {
			char *t = json_dumps(recs, JSON_COMPACT);

			fail_msg("%s, ipe %lld, every %lld, first %lld, len "
			    "%lld: %.600s", text, ipe, every, first, len, t);
		}
		json_decref(recs);
		/* Leave the last decay out. */
		for (i = 0; i < (int)n; i++)
			if (s[i].step >= last)
				s[i].value = (float)sched_lr(&d, last - 1,
				    ipe);
		recs = audit_series("tensorboard", "lr", s, n, text, ipe,
		    AUDIT_HF_EITHER, &nf);
		if (nf == 0)
			fail_msg("%s, ipe %lld: a missing decay passed", text,
			    ipe);
		json_decref(recs);
#undef RND
	}
}

static void
test_no_lr(void **state)
{
	struct audit *a;
	struct logpoint p;
	char err[128];
	int nf;

	a = audit_new("csv", NULL);
	memset(&p, 0, sizeof(p));
	p.tag = "loss";
	p.value = 1;
	audit_add(a, &p);
	assert_null(audit_run(a, NULL, NULL, &nf, err, sizeof(err)));
	assert_non_null(strstr(err, "no learning rate"));
	audit_free(a);
}

static void
test_lr_tags(void **state)
{
	static const char *const yes[] = { "lr", "lr-SGD", "lr-SGD/pg1",
		"lr-Adam-1", "learning_rate", "train/learning_rate",
		"epoch_learning_rate", "train/lr", "lr/pg0",
		"learning_rate_adam_0", NULL };
	static const char *const no[] = { "loss", "lr-SGD-momentum",
		"lr-SGD/pg1-weight_decay", "base_lr", "eval/lr", "val_lr",
		"slr", "lr_finder", NULL };
	int i;

	for (i = 0; yes[i] != NULL; i++)
		if (!audit_is_lr_tag(yes[i]))
			fail_msg("%s is an lr tag", yes[i]);
	for (i = 0; no[i] != NULL; i++)
		if (audit_is_lr_tag(no[i]))
			fail_msg("%s is not an lr tag", no[i]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lightning_sampling),
		cmocka_unit_test(test_hf_semantics),
		cmocka_unit_test(test_mmcv_rounding),
		cmocka_unit_test(test_float32),
		cmocka_unit_test(test_unverifiable),
		cmocka_unit_test(test_undeclared),
		cmocka_unit_test(test_shapes),
		cmocka_unit_test(test_hf_tag_in_tensorboard),
		cmocka_unit_test(test_random_correct),
		cmocka_unit_test(test_no_lr),
		cmocka_unit_test(test_lr_tags),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
