/*
 * test_nn_parity.c: the C ResNet against PyTorch.  From the same initial
 * weights, statistics and batch, tests/parity/resnet_parity.py (run with
 * /usr/bin/python3 and torch) and lib/nn compute two SGD steps in
 * training mode and one forward pass in evaluation mode; the logits,
 * losses, every parameter's gradient, the running statistics and the
 * weights after each step must agree.  Skipped when torch is missing.
 *
 * Tolerances, as the largest difference relative to the largest magnitude
 * of the quantity (per tensor for gradients and weights): 1e-5 for the
 * loss, 1e-4 for everything else.  The differences seen are at most 4e-6:
 * float rounding, the two libraries summing in different orders.  The
 * training steps on the PyTorch side follow this side's ReLU decisions
 * where an input is within 1e-4 of zero (see the script).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rng.h"
#include "util.h"
#include "nn/par.h"
#include "near.h"
#include "nn/resnet.h"

#define PYTHON	"/usr/bin/python3"
#define SCRIPT	"tests/parity/resnet_parity.py"

static char tmpdir[] = "/tmp/nn-parity.XXXXXX";
static int nbad;	/* comparisons over tolerance in this case */

static int
have_torch(void)
{
	return access(PYTHON, X_OK) == 0 && access(SCRIPT, R_OK) == 0 &&
	    system(PYTHON " -c 'import torch, numpy' >/dev/null 2>&1") == 0;
}

static void
put(FILE *fp, const void *p, size_t size, size_t n)
{
	assert_int_equal(fwrite(p, size, n, fp), n);
}

/* The case file read by the script (see its docstring). */
static void
write_case(const char *path, const struct resnet *r, int N,
    const uint8_t *labels, double lr, double mom, double wd)
{
	FILE *fp = fopen(path, "wb");
	int32_t hdr[6] = { r->cfg.n, r->cfg.shortcut == 'B',
	    r->cfg.bn_groups, N, (int32_t)r->nparams, (int32_t)r->nstats };
	double hyper[3] = { lr, mom, wd };
	float *nchw = xmalloc((size_t)N * 3072 * sizeof(float));
	int32_t lab;
	int n, c, i;

	assert_non_null(fp);
	for (n = 0; n < N; n++)
		for (c = 0; c < 3; c++)
			for (i = 0; i < 1024; i++)
				nchw[(n * 3 + c) * 1024 + i] =
				    r->input[((long)c * N + n) * 1024 + i];
	put(fp, hdr, sizeof(hdr), 1);
	put(fp, hyper, sizeof(hyper), 1);
	put(fp, r->params, sizeof(float), r->nparams);
	put(fp, r->stats, sizeof(float), r->nstats);
	put(fp, nchw, sizeof(float), (size_t)N * 3072);
	for (n = 0; n < N; n++) {
		lab = labels[n];
		put(fp, &lab, sizeof(lab), 1);
	}
	assert_int_equal(fclose(fp), 0);
	free(nchw);
}

static void
expect_close(const char *what, const float *a, const float *b, size_t n,
    double tol)
{
	double d = rel_diff(a, b, n);

	if (getenv("PARITY_VERBOSE") != NULL)
		fprintf(stderr, "%-32s %.2e\n", what, d);
	if (!(d <= tol)) {
		fprintf(stderr, "%s: relative difference %.3g over %.1g\n",
		    what, d, tol);
		nbad++;
	}
}

/* Per tensor, for gradients and weights. */
static void
expect_close_params(const char *what, const struct resnet *r,
    const float *a, const float *b, double tol)
{
	char name[128];
	int i;

	for (i = 0; i < r->npinfo; i++) {
		snprintf(name, sizeof(name), "%s %s", what, r->pinfo[i].name);
		expect_close(name, a + r->pinfo[i].off, b + r->pinfo[i].off,
		    r->pinfo[i].len, tol);
	}
}

/* Which values of t [C][N][HW] are positive, as bytes in NCHW order. */
static void
put_mask(FILE *fp, const float *t, int C, int N, int HW)
{
	uint8_t *m = xmalloc((size_t)C * N * HW);
	int n, c, i;

	for (n = 0; n < N; n++)
		for (c = 0; c < C; c++)
			for (i = 0; i < HW; i++)
				m[((long)n * C + c) * HW + i] =
				    t[((long)c * N + n) * HW + i] > 0;
	put(fp, m, 1, (size_t)C * N * HW);
	free(m);
}

/* The ReLU outputs of the last forward pass, in the order it made them. */
static void
put_masks(FILE *fp, const struct resnet *r, int N)
{
	const struct block *b;
	int i, Ho;

	put_mask(fp, r->a0, 16, N, 1024);
	for (i = 0; i < r->nblocks; i++) {
		b = &r->blk[i];
		Ho = b->H / b->stride;
		put_mask(fp, b->a1, b->K, N, Ho * Ho);
		put_mask(fp, b->out, b->K, N, Ho * Ho);
	}
}

static float *
fdup(const float *p, size_t n)
{
	float *d = xmalloc(n * sizeof(float));

	memcpy(d, p, n * sizeof(float));
	return d;
}

/* The C side's results, in the script's OUTPUT_ORDER. */
struct results {
	float	*logits1, loss1, *grads1, *params1, *stats1;
	float	*logits2, loss2, *params2, *eval_logits;
};

static void
train_two_steps(struct resnet *r, int N, const uint8_t *labels, FILE *mfp,
    struct results *c)
{
	struct sgd opt;
	size_t P = r->nparams, nl = (size_t)N * 10;

	sgd_init(&opt, r, 0.9, 1e-4, 1);
	resnet_forward(r, N, 1);
	put_masks(mfp, r, N);
	c->loss1 = (float)resnet_backward(r, labels, N, NULL);
	c->logits1 = fdup(r->logits, nl);
	c->grads1 = fdup(r->grads, P);
	sgd_step(&opt, r, 0.1);
	c->params1 = fdup(r->params, P);
	c->stats1 = fdup(r->stats, r->nstats);
	resnet_forward(r, N, 1);
	put_masks(mfp, r, N);
	c->loss2 = (float)resnet_backward(r, labels, N, NULL);
	c->logits2 = fdup(r->logits, nl);
	sgd_step(&opt, r, 0.1);
	c->params2 = fdup(r->params, P);
	resnet_forward(r, N, 0);
	c->eval_logits = fdup(r->logits, nl);
	sgd_free(&opt);
}

static void
free_results(struct results *c)
{
	free(c->logits1);
	free(c->grads1);
	free(c->params1);
	free(c->stats1);
	free(c->logits2);
	free(c->params2);
	free(c->eval_logits);
}

static void
compare(const struct resnet *r, int N, const struct results *c,
    const float *w)
{
	size_t P = r->nparams, nl = (size_t)N * 10;

	expect_close("logits, step 1", c->logits1, w, nl, 1e-4);
	expect_close("loss, step 1", &c->loss1, w += nl, 1, 1e-5);
	expect_close_params("gradient", r, c->grads1, w += 1, 1e-4);
	expect_close_params("weights after step 1", r, c->params1, w += P,
	    1e-4);
	expect_close("running statistics", c->stats1, w += P, r->nstats,
	    1e-4);
	expect_close("logits, step 2", c->logits2, w += r->nstats, nl, 1e-4);
	expect_close("loss, step 2", &c->loss2, w += nl, 1, 1e-5);
	expect_close_params("weights after step 2", r, c->params2, w += 1,
	    1e-4);
	expect_close("logits, eval mode", c->eval_logits, w += P, nl, 1e-4);
}

static void
parity(int n, char shortcut, int groups, int N)
{
	struct resnet_config cfg = { .n = n, .shortcut = shortcut,
	    .bn_groups = groups };
	struct resnet *r = resnet_new(&cfg, N);
	struct results c;
	struct rng g;
	uint8_t labels[64];
	char in[64], out[64], masks[64], cmd[320];
	size_t P = r->nparams, nl = (size_t)N * 10, i;
	float *want;
	FILE *fp;
	long len;

	nbad = 0;
	rng_seed(&g, 5, 11);
	resnet_init(r, 3, 0);
	for (i = 0; i < (size_t)N * 3072; i++)
		r->input[i] = (float)rng_normal(&g);
	for (i = 0; i < (size_t)N; i++)
		labels[i] = (uint8_t)rng_below(&g, 10);
	snprintf(in, sizeof(in), "%s/in.bin", tmpdir);
	snprintf(masks, sizeof(masks), "%s/masks.bin", tmpdir);
	snprintf(out, sizeof(out), "%s/out.bin", tmpdir);
	write_case(in, r, N, labels, 0.1, 0.9, 1e-4);
	fp = fopen(masks, "wb");
	assert_non_null(fp);
	train_two_steps(r, N, labels, fp, &c);
	assert_int_equal(fclose(fp), 0);
	snprintf(cmd, sizeof(cmd), "%s %s %s %s %s", PYTHON, SCRIPT, in,
	    masks, out);
	assert_int_equal(system(cmd), 0);

	len = (long)(3 * nl + 2 + 3 * P + r->nstats);
	want = xmalloc(len * sizeof(float));
	fp = fopen(out, "rb");
	assert_non_null(fp);
	assert_int_equal(fread(want, sizeof(float), len, fp), len);
	fclose(fp);
	compare(r, N, &c, want);
	free(want);
	free_results(&c);
	resnet_free(r);
	if (getenv("PARITY_KEEP") == NULL) {
		unlink(in);
		unlink(masks);
		unlink(out);
	} else
		fprintf(stderr, "kept %s, %s and %s\n", in, masks, out);
	assert_int_equal(nbad, 0);
}

static void
test_parity_resnet8_a(void **state)
{
	if (!have_torch())
		skip();
	parity(1, 'A', 1, 8);
}

static void
test_parity_resnet8_b_groups(void **state)
{
	if (!have_torch())
		skip();
	parity(1, 'B', 2, 10);
}

static void
test_parity_resnet20_a(void **state)
{
	if (!have_torch())
		skip();
	parity(3, 'A', 1, 12);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parity_resnet8_a),
		cmocka_unit_test(test_parity_resnet8_b_groups),
		cmocka_unit_test(test_parity_resnet20_a),
	};
	int rc;

	if (mkdtemp(tmpdir) == NULL)
		die("mkdtemp:");
	par_setup(2);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	rmdir(tmpdir);
	return rc;
}
