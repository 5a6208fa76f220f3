/*
 * resnet.c: building, initialising, running and training the CIFAR
 * ResNets declared in resnet.h.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rng.h"
#include "util.h"
#include "nn/par.h"
#include "nn/resnet.h"

/* The PRNG stream of the initial weights ("init"). */
#define INIT_STREAM	0x696e6974

/* Walks the parameters in PyTorch's order, assigning arena offsets. */
struct layout {
	struct resnet	*r;
	size_t		 np, ns;	/* parameters, statistics */
	int		 ninfo;
};

static float *
take(struct layout *l, const char *name, size_t len, int bnbias,
    float **grad)
{
	struct resnet *r = l->r;
	size_t off = l->np;

	l->np += len;
	if (r->params == NULL)
		return NULL;
	snprintf(r->pinfo[l->ninfo].name, RESNET_NAME_MAX, "%s", name);
	r->pinfo[l->ninfo].off = off;
	r->pinfo[l->ninfo].len = len;
	r->pinfo[l->ninfo].is_bn_or_bias = bnbias;
	l->ninfo++;
	*grad = r->grads + off;
	return r->params + off;
}

static void
lay_conv(struct layout *l, struct conv *cv, const char *name, int C, int K,
    int ks, int stride)
{
	char buf[RESNET_NAME_MAX];

	cv->C = C;
	cv->K = K;
	cv->ks = ks;
	cv->stride = stride;
	cv->pad = ks / 2;
	snprintf(buf, sizeof(buf), "%s.weight", name);
	cv->w = take(l, buf, (size_t)K * C * ks * ks, 0, &cv->dw);
}

static void
lay_bn(struct layout *l, struct bn *bn, const char *name, int C)
{
	char buf[RESNET_NAME_MAX];

	snprintf(buf, sizeof(buf), "%s.weight", name);
	bn->gamma = take(l, buf, C, 1, &bn->dgamma);
	snprintf(buf, sizeof(buf), "%s.bias", name);
	bn->beta = take(l, buf, C, 1, &bn->dbeta);
	if (l->r->params != NULL) {
		bn_init(bn, C);
		bn->rmean = l->r->stats + l->ns;
		bn->rvar = l->r->stats + l->ns + C;
	}
	l->ns += 2 * (size_t)C;
}

static void
lay_block(struct layout *l, struct block *b, int stage, int i, int C, int K,
    int H, int stride)
{
	char pre[32], buf[48];

	b->C = C;
	b->K = K;
	b->H = H;
	b->stride = stride;
	b->proj = l->r->cfg.shortcut == 'B' && (stride != 1 || C != K);
	snprintf(pre, sizeof(pre), "layer%d.%d", stage + 1, i);
	snprintf(buf, sizeof(buf), "%s.conv1", pre);
	lay_conv(l, &b->c1, buf, C, K, 3, stride);
	snprintf(buf, sizeof(buf), "%s.bn1", pre);
	lay_bn(l, &b->b1, buf, K);
	snprintf(buf, sizeof(buf), "%s.conv2", pre);
	lay_conv(l, &b->c2, buf, K, K, 3, 1);
	snprintf(buf, sizeof(buf), "%s.bn2", pre);
	lay_bn(l, &b->b2, buf, K);
	if (!b->proj)
		return;
	snprintf(buf, sizeof(buf), "%s.shortcut.0", pre);
	lay_conv(l, &b->sc, buf, C, K, 1, stride);
	snprintf(buf, sizeof(buf), "%s.shortcut.1", pre);
	lay_bn(l, &b->bs, buf, K);
}

static void
lay_out(struct layout *l)
{
	struct resnet *r = l->r;
	int s, i, C = 16, K, H = RESNET_SIDE, stride;
	struct block dummy;

	lay_conv(l, &r->conv0, "conv1", 3, 16, 3, 1);
	lay_bn(l, &r->bn0, "bn1", 16);
	for (s = 0; s < 3; s++) {
		K = 16 << s;
		for (i = 0; i < r->cfg.n; i++) {
			stride = s > 0 && i == 0 ? 2 : 1;
			lay_block(l, r->blk != NULL ?
			    &r->blk[s * r->cfg.n + i] : &dummy, s, i, C, K, H,
			    stride);
			H /= stride;
			C = K;
		}
	}
	r->fc.C = 64;
	r->fc.K = RESNET_CLASSES;
	r->fc.w = take(l, "linear.weight", 64 * RESNET_CLASSES, 0, &r->fc.dw);
	r->fc.b = take(l, "linear.bias", RESNET_CLASSES, 1, &r->fc.db);
}

int
resnet_depth(int n)
{
	return 6 * n + 2;
}

size_t
resnet_count_params(const struct resnet_config *cfg)
{
	struct resnet r;
	struct layout l = { .r = &r };

	memset(&r, 0, sizeof(r));
	r.cfg = *cfg;
	lay_out(&l);
	return l.np;
}

static float *
act(long n)
{
	return xaligned_alloc(64, (n > 0 ? n : 1) * sizeof(float));
}

static void
alloc_acts(struct resnet *r)
{
	long N = r->cap, max = 16L * N * 1024, n;
	struct block *b;
	int i;

	r->input = act(3 * N * 1024);
	r->c0 = act(16 * N * 1024);
	r->a0 = act(16 * N * 1024);
	for (i = 0; i < r->nblocks; i++) {
		b = &r->blk[i];
		n = (long)b->K * N * (b->H / b->stride) * (b->H / b->stride);
		b->c1o = act(n);
		b->a1 = act(n);
		b->c2o = act(n);
		b->out = act(n);
		if (b->proj)
			b->sco = act(n);
	}
	r->res = act(max);
	for (i = 0; i < 4; i++)
		r->g[i] = act(max);
	r->pool = act(64 * N);
	r->dpool = act(64 * N);
	r->logits = act(RESNET_CLASSES * N);
	r->dlogits = act(RESNET_CLASSES * N);
}

struct resnet *
resnet_new(const struct resnet_config *cfg, int batch_cap)
{
	struct resnet *r = xcalloc(1, sizeof(*r));
	struct layout l = { .r = r };

	r->cfg = *cfg;
	if (r->cfg.shortcut != 'B')
		r->cfg.shortcut = 'A';
	if (r->cfg.bn_groups < 1)
		r->cfg.bn_groups = 1;
	r->depth = resnet_depth(cfg->n);
	r->nblocks = 3 * cfg->n;
	r->cap = batch_cap;
	r->blk = xcalloc(r->nblocks, sizeof(*r->blk));
	lay_out(&l);
	r->nparams = l.np;
	r->nstats = l.ns;
	r->npinfo = l.ninfo = 0;
	r->params = xaligned_alloc(64, r->nparams * sizeof(float));
	r->grads = xaligned_alloc(64, r->nparams * sizeof(float));
	r->stats = xaligned_alloc(64, r->nstats * sizeof(float));
	r->fold = xaligned_alloc(64, r->nparams * sizeof(float));
	memset(r->grads, 0, r->nparams * sizeof(float));
	r->pinfo = xcalloc(4 + 8 * (size_t)r->nblocks + 2, sizeof(*r->pinfo));
	l.np = l.ns = 0;
	lay_out(&l);
	r->npinfo = l.ninfo;
	alloc_acts(r);
	resnet_init(r, 0, 0);
	return r;
}

static void
free_bn(struct bn *bn)
{
	bn_free(bn);
}

void
resnet_free(struct resnet *r)
{
	struct block *b;
	int i;

	if (r == NULL)
		return;
	free_bn(&r->bn0);
	for (i = 0; i < r->nblocks; i++) {
		b = &r->blk[i];
		free_bn(&b->b1);
		free_bn(&b->b2);
		if (b->proj)
			free_bn(&b->bs);
		free(b->c1o);
		free(b->a1);
		free(b->c2o);
		free(b->out);
		free(b->sco);
	}
	free(r->blk);
	free(r->input);
	free(r->c0);
	free(r->a0);
	free(r->res);
	for (i = 0; i < 4; i++)
		free(r->g[i]);
	free(r->pool);
	free(r->dpool);
	free(r->logits);
	free(r->dlogits);
	free(r->params);
	free(r->grads);
	free(r->stats);
	free(r->fold);
	free(r->pinfo);
	free(r);
}

static void
init_conv(struct conv *cv, struct rng *g, int fan_out)
{
	size_t n = (size_t)cv->K * cv->C * cv->ks * cv->ks, i;
	double fan = (double)(fan_out ? cv->K : cv->C) * cv->ks * cv->ks;
	double sd = sqrt(2.0 / fan);

	for (i = 0; i < n; i++)
		cv->w[i] = (float)(rng_normal(g) * sd);
}

static void
init_bn(struct bn *bn)
{
	int c;

	for (c = 0; c < bn->C; c++) {
		bn->gamma[c] = 1;
		bn->beta[c] = 0;
		bn->rmean[c] = 0;
		bn->rvar[c] = 1;
	}
}

void
resnet_init(struct resnet *r, uint64_t seed, int fan_out)
{
	struct rng g;
	struct block *b;
	double bound = 1 / sqrt(64.0);
	int i;

	rng_seed(&g, seed, INIT_STREAM);
	init_conv(&r->conv0, &g, fan_out);
	init_bn(&r->bn0);
	for (i = 0; i < r->nblocks; i++) {
		b = &r->blk[i];
		init_conv(&b->c1, &g, fan_out);
		init_bn(&b->b1);
		init_conv(&b->c2, &g, fan_out);
		init_bn(&b->b2);
		if (b->proj) {
			init_conv(&b->sc, &g, fan_out);
			init_bn(&b->bs);
		}
	}
	for (i = 0; i < 64 * RESNET_CLASSES; i++)
		r->fc.w[i] = (float)((2 * rng_uniform(&g) - 1) * bound);
	for (i = 0; i < RESNET_CLASSES; i++)
		r->fc.b[i] = (float)((2 * rng_uniform(&g) - 1) * bound);
}

static void
bn_fwd(const struct resnet *r, struct bn *bn, const float *x, float *y,
    const float *res, int relu, int N, int HW, int train)
{
	if (train)
		bn_forward_train(bn, x, y, res, relu, N, HW,
		    r->cfg.bn_groups);
	else
		bn_forward_eval(bn, x, y, res, relu, N, HW);
}

/*
 * y = bn(conv(x)) (+ res), then the ReLU, in evaluation mode: batch norm
 * is then an affine map per channel, a_k y + b_k with a_k = gamma_k /
 * sqrt(var_k + eps), so it folds into the convolution as weights a_k w_k
 * and bias b_k (kept in r->fold at the offsets of the weights and of
 * beta), and the bias, the shortcut and the ReLU are applied as each
 * output is stored.
 */
static void
conv_bn_eval(struct resnet *r, const struct conv *cv, const struct bn *bn,
    const float *x, float *y, const float *res, int relu, int N, int H)
{
	struct conv f = *cv;
	struct conv_epi e = { .res = res, .relu = relu };
	long per = (long)cv->C * cv->ks * cv->ks, i;
	float *bias = r->fold + (bn->beta - r->params);
	double a;
	int k;

	f.w = r->fold + (cv->w - r->params);
	for (k = 0; k < cv->K; k++) {
		a = bn->gamma[k] / sqrt((double)bn->rvar[k] + bn->eps);
		for (i = 0; i < per; i++)
			f.w[k * per + i] = (float)(cv->w[k * per + i] * a);
		bias[k] = (float)(bn->beta[k] - bn->rmean[k] * a);
	}
	e.bias = bias;
	conv_forward_epi(&f, x, y, N, H, H, &e);
}

/* block_forward in evaluation mode, with conv_bn_eval. */
static void
block_eval(struct resnet *r, struct block *b, const float *x, int N)
{
	const float *res = x;

	conv_bn_eval(r, &b->c1, &b->b1, x, b->a1, NULL, 1, N, b->H);
	if (b->proj) {
		conv_bn_eval(r, &b->sc, &b->bs, x, r->res, NULL, 0, N, b->H);
		res = r->res;
	} else if (b->stride != 1 || b->C != b->K) {
		shortcut_a_forward(x, r->res, b->C, b->K, N, b->H, b->H);
		res = r->res;
	}
	conv_bn_eval(r, &b->c2, &b->b2, b->a1, b->out, res, 1, N,
	    b->H / b->stride);
}

/* x [C][N][H][H] -> b->out [K][N][H/s][H/s] */
static void
block_forward(struct resnet *r, struct block *b, const float *x, int N,
    int train)
{
	int Ho = b->H / b->stride, HW = Ho * Ho;
	const float *res = x;

	if (!train) {
		block_eval(r, b, x, N);
		return;
	}
	conv_forward(&b->c1, x, b->c1o, N, b->H, b->H);
	bn_fwd(r, &b->b1, b->c1o, b->a1, NULL, 1, N, HW, train);
	conv_forward(&b->c2, b->a1, b->c2o, N, Ho, Ho);
	if (b->proj) {
		conv_forward(&b->sc, x, b->sco, N, b->H, b->H);
		bn_fwd(r, &b->bs, b->sco, r->res, NULL, 0, N, HW, train);
		res = r->res;
	} else if (b->stride != 1 || b->C != b->K) {
		shortcut_a_forward(x, r->res, b->C, b->K, N, b->H, b->H);
		res = r->res;
	}
	bn_fwd(r, &b->b2, b->c2o, b->out, res, 1, N, HW, train);
}

void
resnet_forward(struct resnet *r, int N, int train)
{
	const float *x;
	int i;

	if (N > r->cap)
		die("batch of %d over the model's capacity %d", N, r->cap);
	if (train) {
		conv_forward(&r->conv0, r->input, r->c0, N, 32, 32);
		bn_fwd(r, &r->bn0, r->c0, r->a0, NULL, 1, N, 1024, 1);
	} else
		conv_bn_eval(r, &r->conv0, &r->bn0, r->input, r->a0, NULL, 1,
		    N, 32);
	x = r->a0;
	for (i = 0; i < r->nblocks; i++) {
		block_forward(r, &r->blk[i], x, N, train);
		x = r->blk[i].out;
	}
	avgpool_forward(x, r->pool, 64, N, 64);
	fc_forward(&r->fc, r->pool, r->logits, N);
}

/*
 * dy [K][N][Ho][Ho] (in g[0]) -> dx [C][N][H][H] (in g[1]), with g[2] and
 * g[3] as scratch; x is the block's input.
 */
static void
block_backward(struct resnet *r, struct block *b, const float *x, int N)
{
	float *dy = r->g[0], *dx = r->g[1], *dz = r->g[2], *t = r->g[3];
	int Ho = b->H / b->stride, HW = Ho * Ho;
	int ident = !b->proj && b->stride == 1 && b->C == b->K;

	/*
	 * With an identity shortcut the masked dy is the shortcut's share
	 * of dx: write it there and let the first convolution add to it
	 * (the same sums as adding it afterwards, one pass fewer).
	 */
	if (ident)
		dz = dx;
	bn_backward_relu(&b->b2, b->c2o, dy, b->out, dz, t, N, HW);
	conv_backward(&b->c2, b->a1, t, dy, 0, N, Ho, Ho);
	bn_backward(&b->b1, b->c1o, dy, b->a1, t, N, HW);
	conv_backward(&b->c1, x, t, dx, ident, N, b->H, b->H);
	if (b->proj) {
		bn_backward(&b->bs, b->sco, dz, NULL, dy, N, HW);
		conv_backward(&b->sc, x, dy, dx, 1, N, b->H, b->H);
	} else if (!ident)
		shortcut_a_backward(dz, dx, b->C, b->K, N, b->H, b->H);
}

double
resnet_backward(struct resnet *r, const uint8_t *labels, int N,
    int *correct)
{
	double loss;
	float *t;
	int i;

	loss = softmax_xent(r->logits, labels, N, RESNET_CLASSES, r->dlogits,
	    correct, NULL);
	fc_backward(&r->fc, r->pool, r->dlogits, r->dpool, N);
	avgpool_backward(r->dpool, r->g[0], 64, N, 64);
	for (i = r->nblocks - 1; i >= 0; i--) {
		block_backward(r, &r->blk[i], i > 0 ? r->blk[i - 1].out :
		    r->a0, N);
		t = r->g[0];
		r->g[0] = r->g[1];
		r->g[1] = t;
	}
	bn_backward(&r->bn0, r->c0, r->g[0], r->a0, r->g[1], N, 1024);
	conv_backward(&r->conv0, r->input, r->g[1], NULL, 0, N, 32, 32);
	return loss;
}

void
sgd_init(struct sgd *o, const struct resnet *r, double momentum, double wd,
    int decay_bn)
{
	o->buf = xaligned_alloc(64, r->nparams * sizeof(float));
	memset(o->buf, 0, r->nparams * sizeof(float));
	o->started = 0;
	o->momentum = momentum;
	o->wd = wd;
	o->decay_bn = decay_bn;
}

void
sgd_free(struct sgd *o)
{
	free(o->buf);
	o->buf = NULL;
}

struct sgd_job {
	struct sgd	*o;
	struct resnet	*r;
	float		 lr;
};

/* One task per parameter tensor; float arithmetic as torch.optim.SGD. */
static void
sgd_task(void *arg, int t, int worker)
{
	const struct sgd_job *j = arg;
	const struct param_info *p = &j->r->pinfo[t];
	float *w = j->r->params + p->off, *g = j->r->grads + p->off;
	float *buf = j->o->buf + p->off, gi;
	float wd = p->is_bn_or_bias && !j->o->decay_bn ? 0 : (float)j->o->wd;
	float mom = (float)j->o->momentum;
	size_t i;

	for (i = 0; i < p->len; i++) {
		gi = g[i];
		if (wd != 0)
			gi += wd * w[i];
		buf[i] = j->o->started ? mom * buf[i] + gi : gi;
		w[i] -= j->lr * buf[i];
	}
}

void
sgd_step(struct sgd *o, struct resnet *r, double lr)
{
	struct sgd_job j = { .o = o, .r = r, .lr = (float)lr };

	par_for(r->npinfo, sgd_task, &j);
	o->started = 1;
}
