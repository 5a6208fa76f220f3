/*
 * direct.c: 3x3, stride-1, pad-1 convolutions without im2col, for CPUs
 * with AVX2 and FMA (checked at run time; conv.c falls back to im2col and
 * sgemm elsewhere).
 *
 * A tile of images is copied into a zero-bordered layout: rows of W + 1
 * values (a zero, then the row), H + 1 rows an image (a zero row, then
 * the image), a channel's images back to back; each zero column and row
 * borders two rows or images at once.  In that layout the input under
 * tap (kh, kw) of output position q = y (W+1) + x is simply
 * q + kh (W+1) + kw, so a convolution is a matrix product whose "im2col"
 * rows are shifted views of the padded tile.  Outputs are computed for
 * every q, those in the border column and row thrown away.  The
 * micro-kernels keep a 4 x 24 block of outputs (4 channels, 24 positions)
 * in twelve registers; the weight gradient uses the same padded tiles with
 * sums over q.  Tiles depend only on the batch shape and the weight
 * gradient parts are summed in tile order, so results do not depend on
 * the number of threads.
 *
 * Where the CPU has AVX-512 (F and VL) a second set of micro-kernels is
 * chosen at run time: the forward one keeps an 8 x 48 block in 24 of the
 * 32 sixteen-lane registers, the weight-gradient one takes 8 output
 * channels at a time in eight-lane registers.  Each output is summed in
 * the same order, one fused multiply-add at a time, by both sets, so
 * they give the same bits; only the speed differs.
 */
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "nn/direct.h"
#include "nn/gemm.h"
#include "nn/par.h"
#include "nn/wino.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define HAVE_DIRECT 1
#include <immintrin.h>
#endif

#define KB		4	/* output channels per micro-kernel */
#define QB		24	/* output positions per micro-kernel */
#define KB512		8	/* the same for the AVX-512 kernels */
#define QB512		48
#define TILE_Q		2400	/* padded positions per tile, at most */
#define MIN_TILES	16	/* so that threads share a batch evenly */

static int enabled = -1;	/* -1: not decided yet; else a level */
static int best = -1;		/* the highest level this CPU runs */

/* Per-worker scratch, grown as needed before a job starts. */
static struct par_bufs scratch;
static float	*wpack, *partbuf;
static size_t	 wpack_cap, part_cap;
static float	*upack;		/* Winograd-domain weights */
static size_t	 upack_cap;
static double	*dpartbuf;
static size_t	 dpart_cap;

struct geom {
	int	 N, H, W, Wp, T;	/* T: images per tile */
	int	 kb, qb;		/* the micro-kernel's block */
	long	 PS, L, Qp, chs;	/* image, tile, padded, channel */
};

struct dir_job {
	const struct conv *cv;
	struct geom	 g;
	const float	*x, *dy, *wp;	/* wp: packed weights */
	const float	*U;		/* or Winograd weights, or NULL */
	int		 wdw;		/* weight gradient by Winograd */
	long		 plen;		/* a tile's part of it */
	const struct conv_epi *epi;
	float		*y, *dx, *part;
	double		*dpart;		/* Winograd's, in double */
	int		 Cin, Kout, acc;
};

static int
best_level(void)
{
#ifdef HAVE_DIRECT
	if (best == -1) {
		__builtin_cpu_init();
		best = 0;
		if (__builtin_cpu_supports("avx2") &&
		    __builtin_cpu_supports("fma"))
			best = 1;
		if (best == 1 && __builtin_cpu_supports("avx512f") &&
		    __builtin_cpu_supports("avx512vl"))
			best = 2;
		if (best == 2 && wino_cpu())
			best = 3;
	}
	return best;
#else
	return 0;
#endif
}

void
direct_enable(int level)
{
	enabled = level < best_level() ? level : best_level();
	if (enabled < 0)
		enabled = 0;
}

int
direct_best(void)
{
	return best_level();
}

const char *
direct_level_name(void)
{
	static const char *names[] = { "im2col-sgemm", "direct-avx2",
	    "direct-avx512", "winograd-avx512" };

	return names[direct_available()];
}

int
direct_available(void)
{
	if (enabled == -1) {
		enabled = best_level();
		if (getenv("REPROKIT_NO_DIRECT_CONV") != NULL)
			enabled = 0;
		else if (enabled > 1 && getenv("REPROKIT_NO_AVX512") != NULL)
			enabled = 1;
		else if (enabled > 2 &&
		    getenv("REPROKIT_NO_WINOGRAD") != NULL)
			enabled = 2;
	}
	return enabled;
}

const char *
direct_kernel(const struct conv *cv, int H, int W)
{
	if (cv->ks != 3 || cv->stride != 1 || cv->pad != 1 ||
	    direct_available() == 0)
		return direct_available() >= 3 && gemm_cpu() ?
		    "im2col-avx512" : "im2col-sgemm";
	if (direct_available() >= 3 && wino_fits(cv->C, H, W))
		return "winograd-avx512";
	return direct_available() >= 2 ? "direct-avx512" : "direct-avx2";
}

static void
geom_init(struct geom *g, int N, int H, int W)
{
	g->N = N;
	g->H = H;
	g->W = W;
	g->Wp = W + 1;
	g->PS = (long)(H + 1) * g->Wp;
	g->T = (int)(TILE_Q / g->PS);
	if (g->T > (N + MIN_TILES - 1) / MIN_TILES)
		g->T = (N + MIN_TILES - 1) / MIN_TILES;
	if (g->T < 1)
		g->T = 1;
	if (g->T > N)
		g->T = N;
	g->kb = direct_available() > 1 ? KB512 : KB;
	g->qb = direct_available() > 1 ? QB512 : QB;
	g->L = g->T * g->PS;
	/* The AVX-512 kernel ends a row of blocks on 16 or 32 positions. */
	g->Qp = (g->L + g->qb - 1) / g->qb * g->qb;
	if (g->kb == KB512)
		g->Qp = (g->L + 15) / 16 * 16;
	/* A channel's tile, its closing zero row, room for reads past. */
	g->chs = g->Qp + 3 * g->Wp + 2 + g->qb;
	g->chs = (g->chs + 15) / 16 * 16;
}

static int
ntiles(const struct geom *g)
{
	return (g->N + g->T - 1) / g->T;
}

/* d[0..W) = s[0..W), with the common widths as constant-size copies. */
static inline void
copy_row(float *d, const float *s, int W)
{
	switch (W) {
	case 8:
		memcpy(d, s, 8 * sizeof(float));
		break;
	case 16:
		memcpy(d, s, 16 * sizeof(float));
		break;
	case 32:
		memcpy(d, s, 32 * sizeof(float));
		break;
	default:
		memcpy(d, s, W * sizeof(float));
	}
}

/*
 * Copy images n0..n1-1 of x [C][N][H][W] into the padded tile xp.  Only
 * the border is zeroed: an image's top row and the zero before its first
 * row, the zero after each row (the next row's leading one), and all past
 * the last image.
 */
static void
pad_tile(const float *x, int C, const struct geom *g, int n0, int n1,
    float *xp)
{
	const float *s;
	float *d, *r;
	long used = (long)(n1 - n0) * g->PS;
	int c, t, y;

	for (c = 0; c < C; c++) {
		d = xp + c * g->chs;
		s = x + ((long)c * g->N + n0) * g->H * g->W;
		for (t = 0; t < n1 - n0; t++) {
			r = d + t * g->PS;
			memset(r, 0, (g->Wp + 1) * sizeof(float));
			for (y = 0, r += g->Wp + 1; y < g->H; y++, s += g->W,
			    r += g->Wp) {
				copy_row(r, s, g->W);
				r[g->W] = 0;
			}
		}
		memset(d + used, 0, (g->chs - used) * sizeof(float));
	}
}

/*
 * Pack w [K][C][9] as [K/KB][C][9][KB] (zeros past K; KB is nb), flipped
 * and transposed for the input gradient: wf[c][k][8 - t] = w[k][c][t].
 */
static const float *
pack_weights(const float *w, int K, int C, int flip, int nb)
{
	int Ko = flip ? C : K, Ci = flip ? K : C, kb, c, t, j, k;
	size_t n = (size_t)(Ko + nb - 1) / nb * nb * Ci * 9;
	float v;

	par_grow(&wpack, &wpack_cap, n);
	for (kb = 0; kb < (Ko + nb - 1) / nb; kb++)
		for (c = 0; c < Ci; c++)
			for (t = 0; t < 9; t++)
				for (j = 0; j < nb; j++) {
					k = kb * nb + j;
					if (k >= Ko)
						v = 0;
					else if (flip)
						v = w[((long)c * C + k) * 9 +
						    8 - t];
					else
						v = w[((long)k * C + c) * 9 +
						    t];
					wpack[(((long)kb * Ci + c) * 9 + t) *
					    nb + j] = v;
				}
	return wpack;
}

#ifdef HAVE_DIRECT

/*
 * out[j][0..24) = sum over c < C, taps t of wp[c][t][j] *
 * xp[c * chs + off[t] + 0..24), for j < 4.
 */
__attribute__((target("avx2,fma")))
static void
kern_fwd(const float *wp, const float *xp, long chs, const long *off,
    int C, float *out, long os)
{
	__m256 c00, c01, c02, c10, c11, c12, c20, c21, c22, c30, c31, c32;
	__m256 b0, b1, b2, a;
	const float *xc, *b;
	int c, t;

	c00 = c01 = c02 = c10 = c11 = c12 = _mm256_setzero_ps();
	c20 = c21 = c22 = c30 = c31 = c32 = _mm256_setzero_ps();
	for (c = 0; c < C; c++) {
		xc = xp + c * chs;
		for (t = 0; t < 9; t++, wp += KB) {
			b = xc + off[t];
			b0 = _mm256_loadu_ps(b);
			b1 = _mm256_loadu_ps(b + 8);
			b2 = _mm256_loadu_ps(b + 16);
			a = _mm256_broadcast_ss(wp);
			c00 = _mm256_fmadd_ps(a, b0, c00);
			c01 = _mm256_fmadd_ps(a, b1, c01);
			c02 = _mm256_fmadd_ps(a, b2, c02);
			a = _mm256_broadcast_ss(wp + 1);
			c10 = _mm256_fmadd_ps(a, b0, c10);
			c11 = _mm256_fmadd_ps(a, b1, c11);
			c12 = _mm256_fmadd_ps(a, b2, c12);
			a = _mm256_broadcast_ss(wp + 2);
			c20 = _mm256_fmadd_ps(a, b0, c20);
			c21 = _mm256_fmadd_ps(a, b1, c21);
			c22 = _mm256_fmadd_ps(a, b2, c22);
			a = _mm256_broadcast_ss(wp + 3);
			c30 = _mm256_fmadd_ps(a, b0, c30);
			c31 = _mm256_fmadd_ps(a, b1, c31);
			c32 = _mm256_fmadd_ps(a, b2, c32);
		}
	}
	_mm256_storeu_ps(out, c00);
	_mm256_storeu_ps(out + 8, c01);
	_mm256_storeu_ps(out + 16, c02);
	_mm256_storeu_ps(out + os, c10);
	_mm256_storeu_ps(out + os + 8, c11);
	_mm256_storeu_ps(out + os + 16, c12);
	_mm256_storeu_ps(out + 2 * os, c20);
	_mm256_storeu_ps(out + 2 * os + 8, c21);
	_mm256_storeu_ps(out + 2 * os + 16, c22);
	_mm256_storeu_ps(out + 3 * os, c30);
	_mm256_storeu_ps(out + 3 * os + 8, c31);
	_mm256_storeu_ps(out + 3 * os + 16, c32);
}

__attribute__((target("avx2,fma")))
static double
hsum8(__m256 v)
{
	float f[8];
	int i;
	double s = 0;

	_mm256_storeu_ps(f, v);
	for (i = 0; i < 8; i++)
		s += f[i];
	return s;
}

/*
 * The weight gradient of 4 output channels (rows dy + j dys) and one
 * input row of taps (x + kw): sums over q < L (a multiple of 8) of
 * dy[j][q] x[q + kw], into g[j][kw] (added).
 */
__attribute__((target("avx2,fma")))
static void
kern_dw(const float *dy, long dys, const float *x, long L, double g[4][3])
{
	__m256 s00, s01, s02, s10, s11, s12, s20, s21, s22, s30, s31, s32;
	__m256 x0, x1, x2, d;
	long q;

	s00 = s01 = s02 = s10 = s11 = s12 = _mm256_setzero_ps();
	s20 = s21 = s22 = s30 = s31 = s32 = _mm256_setzero_ps();
	for (q = 0; q < L; q += 8) {
		x0 = _mm256_loadu_ps(x + q);
		x1 = _mm256_loadu_ps(x + q + 1);
		x2 = _mm256_loadu_ps(x + q + 2);
		d = _mm256_loadu_ps(dy + q);
		s00 = _mm256_fmadd_ps(d, x0, s00);
		s01 = _mm256_fmadd_ps(d, x1, s01);
		s02 = _mm256_fmadd_ps(d, x2, s02);
		d = _mm256_loadu_ps(dy + dys + q);
		s10 = _mm256_fmadd_ps(d, x0, s10);
		s11 = _mm256_fmadd_ps(d, x1, s11);
		s12 = _mm256_fmadd_ps(d, x2, s12);
		d = _mm256_loadu_ps(dy + 2 * dys + q);
		s20 = _mm256_fmadd_ps(d, x0, s20);
		s21 = _mm256_fmadd_ps(d, x1, s21);
		s22 = _mm256_fmadd_ps(d, x2, s22);
		d = _mm256_loadu_ps(dy + 3 * dys + q);
		s30 = _mm256_fmadd_ps(d, x0, s30);
		s31 = _mm256_fmadd_ps(d, x1, s31);
		s32 = _mm256_fmadd_ps(d, x2, s32);
	}
	g[0][0] += hsum8(s00);
	g[0][1] += hsum8(s01);
	g[0][2] += hsum8(s02);
	g[1][0] += hsum8(s10);
	g[1][1] += hsum8(s11);
	g[1][2] += hsum8(s12);
	g[2][0] += hsum8(s20);
	g[2][1] += hsum8(s21);
	g[2][2] += hsum8(s22);
	g[3][0] += hsum8(s30);
	g[3][1] += hsum8(s31);
	g[3][2] += hsum8(s32);
}

/*
 * kern_fwd for KB512 channels and nv sixteen-position vectors (nv <= 3,
 * a constant in each caller below): out[j][0..16 nv) for j < 8, each
 * lane summed over c, then t, as kern_fwd does.
 */
__attribute__((target("avx512f,fma"), always_inline))
static inline void
fwd512_block(const float *wp, const float *xp, long chs, const long *off,
    int C, float *out, long os, int nv)
{
	__m512 acc[KB512][3], b0, b1, b2, a;
	const float *xc, *b;
	int c, t, j;

	b1 = b2 = _mm512_setzero_ps();
#pragma GCC unroll 8
	for (j = 0; j < KB512; j++)
		acc[j][0] = acc[j][1] = acc[j][2] = _mm512_setzero_ps();
	for (c = 0; c < C; c++) {
		xc = xp + c * chs;
		for (t = 0; t < 9; t++, wp += KB512) {
			b = xc + off[t];
			b0 = _mm512_loadu_ps(b);
			if (nv > 1)
				b1 = _mm512_loadu_ps(b + 16);
			if (nv > 2)
				b2 = _mm512_loadu_ps(b + 32);
#pragma GCC unroll 8
			for (j = 0; j < KB512; j++) {
				a = _mm512_set1_ps(wp[j]);
				acc[j][0] = _mm512_fmadd_ps(a, b0, acc[j][0]);
				if (nv > 1)
					acc[j][1] = _mm512_fmadd_ps(a, b1,
					    acc[j][1]);
				if (nv > 2)
					acc[j][2] = _mm512_fmadd_ps(a, b2,
					    acc[j][2]);
			}
		}
	}
#pragma GCC unroll 8
	for (j = 0; j < KB512; j++) {
		_mm512_storeu_ps(out + j * os, acc[j][0]);
		if (nv > 1)
			_mm512_storeu_ps(out + j * os + 16, acc[j][1]);
		if (nv > 2)
			_mm512_storeu_ps(out + j * os + 32, acc[j][2]);
	}
}

/*
 * Positions q0..Qp-1 (Qp - q0 a multiple of 16) in blocks of 48, the
 * last one 16 or 32 wide if that is what is left.
 */
__attribute__((target("avx512f,fma")))
static void
kern_fwd512(const float *wp, const float *xp, long chs, const long *off,
    int C, float *out, long os, long q0, long Qp)
{
	long q;

	for (q = q0; q + 48 <= Qp; q += 48)
		fwd512_block(wp, xp + q, chs, off, C, out + q, os, 3);
	if (Qp - q == 32)
		fwd512_block(wp, xp + q, chs, off, C, out + q, os, 2);
	else if (Qp - q == 16)
		fwd512_block(wp, xp + q, chs, off, C, out + q, os, 1);
}

/*
 * out[j] = the eight lanes of v[j] summed in double in hsum8's order (0,
 * then lane 0, 1, ... 7), for j < 8: the eight rows transposed, so that
 * one eight-double add takes a lane of all of them.
 */
__attribute__((target("avx512f,avx512vl"), always_inline))
static inline void
hsum8x8(const __m256 *v, double *out)
{
	__m256 t0, t1, t2, t3, t4, t5, t6, t7, u0, u1, u2, u3, u4, u5, u6, u7;
	__m256 r[8];
	__m512d sum = _mm512_setzero_pd();
	int i;

	t0 = _mm256_unpacklo_ps(v[0], v[1]);
	t1 = _mm256_unpackhi_ps(v[0], v[1]);
	t2 = _mm256_unpacklo_ps(v[2], v[3]);
	t3 = _mm256_unpackhi_ps(v[2], v[3]);
	t4 = _mm256_unpacklo_ps(v[4], v[5]);
	t5 = _mm256_unpackhi_ps(v[4], v[5]);
	t6 = _mm256_unpacklo_ps(v[6], v[7]);
	t7 = _mm256_unpackhi_ps(v[6], v[7]);
	u0 = _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(1, 0, 1, 0));
	u1 = _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(3, 2, 3, 2));
	u2 = _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(1, 0, 1, 0));
	u3 = _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(3, 2, 3, 2));
	u4 = _mm256_shuffle_ps(t4, t6, _MM_SHUFFLE(1, 0, 1, 0));
	u5 = _mm256_shuffle_ps(t4, t6, _MM_SHUFFLE(3, 2, 3, 2));
	u6 = _mm256_shuffle_ps(t5, t7, _MM_SHUFFLE(1, 0, 1, 0));
	u7 = _mm256_shuffle_ps(t5, t7, _MM_SHUFFLE(3, 2, 3, 2));
	r[0] = _mm256_permute2f128_ps(u0, u4, 0x20);
	r[1] = _mm256_permute2f128_ps(u1, u5, 0x20);
	r[2] = _mm256_permute2f128_ps(u2, u6, 0x20);
	r[3] = _mm256_permute2f128_ps(u3, u7, 0x20);
	r[4] = _mm256_permute2f128_ps(u0, u4, 0x31);
	r[5] = _mm256_permute2f128_ps(u1, u5, 0x31);
	r[6] = _mm256_permute2f128_ps(u2, u6, 0x31);
	r[7] = _mm256_permute2f128_ps(u3, u7, 0x31);
#pragma GCC unroll 8
	for (i = 0; i < 8; i++)
		sum = _mm512_add_pd(sum, _mm512_cvtps_pd(r[i]));
	_mm512_storeu_pd(out, sum);
}

/*
 * kern_dw for KB512 output channels, in eight-lane registers (AVX-512VL
 * gives 32 of them) so that every sum runs in kern_dw's order.
 */
__attribute__((target("avx512f,avx512vl,fma")))
static void
kern_dw512(const float *dy, long dys, const float *x, long L,
    double g[KB512][3])
{
	__m256 s[KB512][3], col[KB512], x0, x1, x2, d;
	double sum[KB512];
	long q;
	int j, kw;

#pragma GCC unroll 8
	for (j = 0; j < KB512; j++)
		s[j][0] = s[j][1] = s[j][2] = _mm256_setzero_ps();
	for (q = 0; q < L; q += 8) {
		x0 = _mm256_loadu_ps(x + q);
		x1 = _mm256_loadu_ps(x + q + 1);
		x2 = _mm256_loadu_ps(x + q + 2);
#pragma GCC unroll 8
		for (j = 0; j < KB512; j++) {
			d = _mm256_loadu_ps(dy + j * dys + q);
			s[j][0] = _mm256_fmadd_ps(d, x0, s[j][0]);
			s[j][1] = _mm256_fmadd_ps(d, x1, s[j][1]);
			s[j][2] = _mm256_fmadd_ps(d, x2, s[j][2]);
		}
	}
	for (kw = 0; kw < 3; kw++) {
#pragma GCC unroll 8
		for (j = 0; j < KB512; j++)
			col[j] = s[j][kw];
		hsum8x8(col, sum);
		for (j = 0; j < KB512; j++)
			g[j][kw] += sum[j];
	}
}

#else

static void
kern_fwd(const float *wp, const float *xp, long chs, const long *off,
    int C, float *out, long os)
{
	die("direct convolution not built for this CPU");
}

static void
kern_dw(const float *dy, long dys, const float *x, long L, double g[4][3])
{
	die("direct convolution not built for this CPU");
}

static void
kern_fwd512(const float *wp, const float *xp, long chs, const long *off,
    int C, float *out, long os, long q0, long Qp)
{
	die("direct convolution not built for this CPU");
}

static void
kern_dw512(const float *dy, long dys, const float *x, long L,
    double g[KB512][3])
{
	die("direct convolution not built for this CPU");
}

#endif

/* d = s (+ d with acc) + bias + res, then the ReLU; res at offset o. */
static void
finish_row(float *d, const float *s, int W, int acc, const struct conv_epi *e,
    int k, long o)
{
	int x;

	if (acc) {
		for (x = 0; x < W; x++)
			d[x] += s[x];
		s = d;
	}
	vec_affine(s, d, e->res != NULL ? e->res + o : NULL, W, 1,
	    e->bias != NULL ? e->bias[k] : 0, e->relu);
}

/*
 * The convolution of padded tile xp (Cin channels) with packed weights
 * into out [Kout][n0..n1) (written, or added to with acc), via the
 * position-major scratch yt [Kout rounded up][Qp].
 */
static void
conv_tile(const struct dir_job *j, const float *xp, float *yt, float *out,
    int n0, int n1)
{
	const struct geom *g = &j->g;
	long off[9], q, o;
	int kb, t, k, y, x, nb = g->kb, nkb = (j->Kout + nb - 1) / nb;
	const float *s;
	float *d;

	for (t = 0; t < 9; t++)
		off[t] = (t / 3) * g->Wp + t % 3;
	for (kb = 0; kb < nkb; kb++)
		if (nb == KB512)
			kern_fwd512(j->wp + (long)kb * j->Cin * 9 * nb, xp,
			    g->chs, off, j->Cin, yt + (long)kb * nb * g->Qp,
			    g->Qp, 0, g->Qp);
		else
			for (q = 0; q < g->Qp; q += g->qb)
				kern_fwd(j->wp + (long)kb * j->Cin * 9 * nb,
				    xp + q, g->chs, off, j->Cin,
				    yt + (long)kb * nb * g->Qp + q, g->Qp);
	for (k = 0; k < j->Kout; k++)
		for (t = 0; t < n1 - n0; t++)
			for (y = 0; y < g->H; y++) {
				s = yt + k * g->Qp + t * g->PS +
				    (long)y * g->Wp;
				o = (((long)k * g->N + n0 + t) * g->H + y) *
				    g->W;
				d = out + o;
				if (j->epi != NULL)
					finish_row(d, s, g->W, j->acc, j->epi,
					    k, o);
				else if (j->acc)
					for (x = 0; x < g->W; x++)
						d[x] += s[x];
				else
					copy_row(d, s, g->W);
			}
}

static void
tile_range(const struct geom *g, int t, int *n0, int *n1)
{
	*n0 = t * g->T;
	*n1 = *n0 + g->T < g->N ? *n0 + g->T : g->N;
}

/* conv_tile by Winograd's method on x [Cin][N][H][W] as it lies. */
static void
wino_tile(const struct dir_job *j, const float *x, float *scr, float *out,
    int n0, int n1)
{
	struct wino_tile w = { .x = x, .C = j->Cin, .K = j->Kout,
	    .H = j->g.H, .W = j->g.W, .N = j->g.N, .n0 = n0,
	    .nimg = n1 - n0, .out = out, .acc = j->acc, .epi = j->epi };

	wino_run(&w, j->U, scr);
}

/*
 * The transformed weights where this convolution (its flipped form for
 * the input gradient) goes to Winograd's method, else NULL.
 */
static const float *
wino_weights(const struct geom *g, const float *w, int K, int C, int flip)
{
	int Cin = flip ? K : C, Kout = flip ? C : K;

	if (direct_available() < 3 || !wino_fits(Cin, g->H, g->W))
		return NULL;
	par_grow(&upack, &upack_cap, wino_weights_len(Kout, Cin));
	wino_pack(w, K, C, flip, upack);
	return upack;
}

static size_t
wino_need(const struct geom *g, int Cin, int Kout)
{
	return wino_scratch(Cin, Kout, g->H, g->W, g->T);
}

static void
fwd_task(void *arg, int t, int worker)
{
	const struct dir_job *j = arg;
	float *xp = scratch.buf[worker], *yt = xp + (long)j->Cin * j->g.chs;
	int n0, n1;

	tile_range(&j->g, t, &n0, &n1);
	if (j->U != NULL) {
		wino_tile(j, j->x, xp, j->y, n0, n1);
		return;
	}
	pad_tile(j->x, j->Cin, &j->g, n0, n1, xp);
	conv_tile(j, xp, yt, j->y, n0, n1);
}

static size_t
fwd_scratch(const struct geom *g, int Cin, int Kout)
{
	size_t n = (size_t)(Kout + g->kb - 1) / g->kb * g->kb * g->Qp;

	if (wino_need(g, Cin, Kout) > n)
		n = wino_need(g, Cin, Kout);
	return (size_t)Cin * g->chs + n;
}

void
direct_forward(const struct conv *cv, const float *x, float *y, int N,
    int H, int W, const struct conv_epi *epi)
{
	struct dir_job j = { .cv = cv, .x = x, .y = y, .Cin = cv->C,
	    .Kout = cv->K, .epi = epi };

	geom_init(&j.g, N, H, W);
	par_bufs_reserve(&scratch, fwd_scratch(&j.g, cv->C, cv->K));
	j.U = wino_weights(&j.g, cv->w, cv->K, cv->C, 0);
	if (j.U == NULL)
		j.wp = pack_weights(cv->w, cv->K, cv->C, 0, j.g.kb);
	par_for(ntiles(&j.g), fwd_task, &j);
}

/* This tile's weight gradient, [K][C][9], from padded x and dy tiles. */
static void
dw_tile(const struct dir_job *j, const float *xp, const float *dyp,
    float *part)
{
	const struct geom *g = &j->g;
	const struct conv *cv = j->cv;
	long L = (g->L + 7) / 8 * 8;
	double acc[KB512][3];
	int kb, c, kh, i, k, kw, nb = g->kb;
	const float *d;

	/* dy at output position q sits at q + Wp + 1 in its padded tile. */
	for (kb = 0; kb < (cv->K + nb - 1) / nb; kb++)
		for (c = 0; c < cv->C; c++)
			for (kh = 0; kh < 3; kh++) {
				memset(acc, 0, sizeof(acc));
				d = dyp + (long)kb * nb * g->chs + g->Wp + 1;
				if (nb == KB512)
					kern_dw512(d, g->chs, xp + c * g->chs +
					    kh * g->Wp, L, acc);
				else
					kern_dw(d, g->chs, xp + c * g->chs +
					    kh * g->Wp, L, acc);
				for (i = 0; i < nb; i++) {
					k = kb * nb + i;
					for (kw = 0; k < cv->K && kw < 3; kw++)
						part[((long)k * cv->C + c) * 9 +
						    kh * 3 + kw] =
						    (float)acc[i][kw];
				}
			}
}

static void
bwd_task(void *arg, int t, int worker)
{
	const struct dir_job *j = arg;
	const struct conv *cv = j->cv;
	int Kp = (cv->K + j->g.kb - 1) / j->g.kb * j->g.kb, n0, n1;
	float *xp = scratch.buf[worker], *dyp = xp + (long)cv->C * j->g.chs;
	float *yt = dyp + (long)Kp * j->g.chs;

	tile_range(&j->g, t, &n0, &n1);
	if (j->wdw) {
		struct wino_tile w = { .x = j->x, .dy = j->dy, .C = cv->C,
		    .K = cv->K, .H = j->g.H, .W = j->g.W, .N = j->g.N,
		    .n0 = n0, .nimg = n1 - n0 };

		wino_dw_run(&w, j->dpart + (long)t * j->plen, xp);
		if (j->dx != NULL && j->U != NULL) {
			wino_tile(j, j->dy, xp, j->dx, n0, n1);
			return;
		}
		if (j->dx == NULL)
			return;
	}
	pad_tile(j->x, cv->C, &j->g, n0, n1, xp);
	pad_tile(j->dy, cv->K, &j->g, n0, n1, dyp);
	/* Rows K..Kp-1 of dyp are read by the last block: keep them 0. */
	memset(dyp + (long)cv->K * j->g.chs, 0,
	    (size_t)(Kp - cv->K) * j->g.chs * sizeof(float));
	if (!j->wdw)
		dw_tile(j, xp, dyp, j->part + (long)t * j->plen);
	if (j->dx != NULL && j->U != NULL)
		wino_tile(j, j->dy, yt, j->dx, n0, n1);
	else if (j->dx != NULL)
		conv_tile(j, dyp, yt, j->dx, n0, n1);
}

void
direct_backward(struct conv *cv, const float *x, const float *dy,
    float *dx, int acc, int N, int H, int W)
{
	struct dir_job j = { .cv = cv, .x = x, .dy = dy, .dx = dx,
	    .acc = acc, .Cin = cv->K, .Kout = cv->C };
	int Kp, nt;
	size_t out;

	geom_init(&j.g, N, H, W);
	Kp = (cv->K + j.g.kb - 1) / j.g.kb * j.g.kb;
	nt = ntiles(&j.g);
	out = (size_t)(cv->C + j.g.kb - 1) / j.g.kb * j.g.kb * j.g.Qp;
	if (wino_need(&j.g, cv->K, cv->C) > out)
		out = wino_need(&j.g, cv->K, cv->C);
	j.wdw = direct_available() >= 3 && wino_fits(cv->C, H, W);
	if (j.wdw && wino_dw_scratch(cv->C, cv->K, H, W, j.g.T) > out)
		out = wino_dw_scratch(cv->C, cv->K, H, W, j.g.T);
	par_bufs_reserve(&scratch, (size_t)cv->C * j.g.chs +
	    (size_t)Kp * j.g.chs + out);
	if (j.wdw) {
		j.plen = (long)wino_dw_sums_len(cv->K, cv->C);
		if ((nt + 1) * (size_t)j.plen > dpart_cap) {
			dpart_cap = (nt + 1) * (size_t)j.plen;
			free(dpartbuf);
			dpartbuf = xmalloc(dpart_cap * sizeof(double));
		}
		j.dpart = dpartbuf;
	} else {
		j.plen = (long)cv->K * cv->C * 9;
		par_grow(&partbuf, &part_cap, (size_t)nt * j.plen);
		j.part = partbuf;
	}
	if (dx != NULL)
		j.U = wino_weights(&j.g, cv->w, cv->K, cv->C, 1);
	if (dx != NULL && j.U == NULL)
		j.wp = pack_weights(cv->w, cv->K, cv->C, 1, j.g.kb);
	par_for(nt, bwd_task, &j);
	if (j.wdw) {
		par_sum_parts_d(dpartbuf + nt * j.plen, dpartbuf, j.plen, nt);
		wino_dw_finish(dpartbuf + nt * j.plen, cv->K, cv->C, cv->dw);
	} else
		par_sum_parts(cv->dw, partbuf, j.plen, nt);
}
