/*
 * conv.c: 2-D convolution on CNHW activations through im2col and sgemm.
 *
 * The batch is cut into tiles of whole images; each tile is one task for
 * the worker pool: unfold the tile into columns in the worker's scratch,
 * then one sgemm.  Tiles depend on the batch shape only, and the weight
 * gradient is the sum of per-tile parts taken in tile order, so results
 * do not depend on the number of threads.  The input gradient of a
 * stride-1, pad-1 3x3 convolution is itself such a convolution (of dy with
 * the flipped, transposed kernel); other shapes go through col2im.
 * Stride-2 rows of im2col and col2im move with AVX-512 permutes where the
 * CPU has them (the same values, added in the same order).
 */
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "nn/blas.h"
#include "nn/direct.h"
#include "nn/gemm.h"
#include "nn/layers.h"
#include "nn/par.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define HAVE_S2_SIMD 1
#include <immintrin.h>
#endif

static int tile_cols = 2048;
static int s2_simd = -1;	/* -1: not decided yet */

#define MIN_TILES	16	/* so that threads share a batch evenly */

/* Per-worker unfold buffers, and the per-tile weight-gradient parts. */
static struct par_bufs colbufs;	/* each worker's im2col matrix */
static float	*partbuf;
static size_t	 partcap;
static float	*wflip;
static size_t	 wflipcap;
static float	*apack;		/* weights packed for gemm.c */
static size_t	 apackcap;

struct conv_job {
	const struct conv *cv;
	const float	*x, *dy;
	float		*y, *dx, *part;
	const struct conv_epi *epi;
	const float	*ap;		/* packed for gemm.c, or NULL */
	int		 N, H, W, Ho, Wo, ti, acc;
};

void
conv_set_tile(int cols)
{
	tile_cols = cols > 0 ? cols : 2048;
}

int
conv_out(int size, int ks, int stride, int pad)
{
	return (size + 2 * pad - ks) / stride + 1;
}

/* d[i] = s[2 i] for i < n: a stride-2 row of im2col. */
static void
s2_take_plain(float *d, const float *s, int n)
{
	int i;

	for (i = 0; i < n; i++)
		d[i] = s[2 * i];
}

/* d[2 i] += s[i] for i < n: a stride-2 row of col2im. */
static void
s2_put_plain(float *d, const float *s, int n)
{
	int i;

	for (i = 0; i < n; i++)
		d[2 * i] += s[i];
}

#ifdef HAVE_S2_SIMD

/* The low k bits set (k <= 16; k <= 0 gives none). */
static inline unsigned
low_bits(int k)
{
	return k <= 0 ? 0 : k >= 16 ? 0xffffu : (1u << k) - 1;
}

__attribute__((target("avx512f")))
static void
s2_take_simd(float *d, const float *s, int n)
{
	const __m512i even = _mm512_set_epi32(30, 28, 26, 24, 22, 20, 18,
	    16, 14, 12, 10, 8, 6, 4, 2, 0);
	__m512 a, b;
	int m;

	for (; n > 0; n -= 16, d += 16, s += 32) {
		m = 2 * (n < 16 ? n : 16) - 1;	/* values read */
		a = _mm512_maskz_loadu_ps((__mmask16)low_bits(m), s);
		b = _mm512_maskz_loadu_ps((__mmask16)low_bits(m - 16),
		    s + 16);
		_mm512_mask_storeu_ps(d, (__mmask16)low_bits(n),
		    _mm512_permutex2var_ps(a, even, b));
	}
}

__attribute__((target("avx512f")))
static void
s2_put_simd(float *d, const float *s, int n)
{
	const __m512i lo = _mm512_set_epi32(7, 7, 6, 6, 5, 5, 4, 4, 3, 3, 2,
	    2, 1, 1, 0, 0);
	const __m512i hi = _mm512_set_epi32(15, 15, 14, 14, 13, 13, 12, 12,
	    11, 11, 10, 10, 9, 9, 8, 8);
	__m512 a, b, v;
	__mmask16 m0, m1;
	int m;

	for (; n > 0; n -= 16, d += 32, s += 16) {
		m = 2 * (n < 16 ? n : 16) - 1;	/* values touched */
		m0 = (__mmask16)low_bits(m);
		m1 = (__mmask16)low_bits(m - 16);
		v = _mm512_maskz_loadu_ps((__mmask16)low_bits(n), s);
		a = _mm512_maskz_loadu_ps(m0, d);
		b = _mm512_maskz_loadu_ps(m1, d + 16);
		a = _mm512_mask_add_ps(a, m0 & 0x5555, a,
		    _mm512_permutexvar_ps(lo, v));
		b = _mm512_mask_add_ps(b, m1 & 0x5555, b,
		    _mm512_permutexvar_ps(hi, v));
		_mm512_mask_storeu_ps(d, m0, a);
		_mm512_mask_storeu_ps(d + 16, m1, b);
	}
}

#else

static void
s2_take_simd(float *d, const float *s, int n)
{
	s2_take_plain(d, s, n);
}

static void
s2_put_simd(float *d, const float *s, int n)
{
	s2_put_plain(d, s, n);
}

#endif

void
conv_enable_simd(int on)
{
	s2_simd = on ? -1 : 0;
}

static int
simd_on(void)
{
#ifdef HAVE_S2_SIMD
	if (s2_simd == -1) {
		__builtin_cpu_init();
		s2_simd = __builtin_cpu_supports("avx512f") &&
		    getenv("REPROKIT_NO_AVX512") == NULL;
	}
	return s2_simd;
#else
	return 0;
#endif
}

static void
s2_take(float *d, const float *s, int n)
{
	if (simd_on())
		s2_take_simd(d, s, n);
	else
		s2_take_plain(d, s, n);
}

static void
s2_put(float *d, const float *s, int n)
{
	if (simd_on())
		s2_put_simd(d, s, n);
	else
		s2_put_plain(d, s, n);
}

/*
 * The stride-1, pad-1 3x3 case of im2col: for each tap (kh, kw) an
 * image's row of col is the image shifted by (kh - 1) rows and (kw - 1)
 * columns, so one copy per image and tap, then zeros where the shift
 * pulled in the neighbouring row's edge or ran off the image.
 */
static void
im2col_s1(const float *x, int C, int N, int H, int W, int n0, int n1,
    float *col)
{
	long HW = (long)H * W, cols = (n1 - n0) * HW, off, p0, p1;
	int c, kh, kw, n, y;

	for (c = 0; c < C; c++)
	for (kh = 0; kh < 3; kh++)
	for (kw = 0; kw < 3; kw++) {
		float *row = col + ((long)(c * 3 + kh) * 3 + kw) * cols;

		off = (long)(kh - 1) * W + (kw - 1);
		p0 = off < 0 ? -off : 0;
		p1 = off > 0 ? HW - off : HW;
		for (n = n0; n < n1; n++) {
			const float *src = x + ((long)c * N + n) * HW;
			float *d = row + (n - n0) * HW;

			memset(d, 0, p0 * sizeof(float));
			memcpy(d + p0, src + p0 + off, (p1 - p0) *
			    sizeof(float));
			memset(d + p1, 0, (HW - p1) * sizeof(float));
			if (kw == 0)
				for (y = 0; y < H; y++)
					d[(long)y * W] = 0;
			else if (kw == 2)
				for (y = 0; y < H; y++)
					d[(long)y * W + W - 1] = 0;
		}
	}
}

/*
 * Unfold images n0..n1-1 of x [C][N][H][W] into col [C*ks*ks][cols],
 * cols = (n1 - n0) * Ho * Wo, zero where the window hangs over the edge.
 */
static void
im2col(const float *x, int C, int N, int H, int W, int ks, int s, int p,
    int n0, int n1, float *col)
{
	int Ho = conv_out(H, ks, s, p), Wo = conv_out(W, ks, s, p);
	long cols = (long)(n1 - n0) * Ho * Wo;
	int c, kh, kw, n, oy, ox, iy, lo, hi;

	if (ks == 3 && s == 1 && p == 1) {
		im2col_s1(x, C, N, H, W, n0, n1, col);
		return;
	}
	for (c = 0; c < C; c++)
	for (kh = 0; kh < ks; kh++)
	for (kw = 0; kw < ks; kw++) {
		float *row = col + ((long)(c * ks + kh) * ks + kw) * cols;

		/* Output columns lo..hi-1 read inside the image. */
		lo = p - kw > 0 ? (p - kw + s - 1) / s : 0;
		hi = (W - 1 + p - kw) / s + 1;
		if (hi > Wo)
			hi = Wo;
		for (n = n0; n < n1; n++) {
			const float *src = x + ((long)c * N + n) * H * W;

			for (oy = 0; oy < Ho; oy++) {
				float *d = row +
				    ((long)(n - n0) * Ho + oy) * Wo;
				const float *sr;

				iy = oy * s - p + kh;
				if (iy < 0 || iy >= H || lo >= hi) {
					memset(d, 0, Wo * sizeof(float));
					continue;
				}
				sr = src + (long)iy * W - p + kw;
				for (ox = 0; ox < lo; ox++)
					d[ox] = 0;
				if (s == 1)
					memcpy(d + lo, sr + lo,
					    (hi - lo) * sizeof(float));
				else if (s == 2)
					s2_take(d + lo, sr + 2 * lo, hi - lo);
				else
					for (ox = lo; ox < hi; ox++)
						d[ox] = sr[ox * s];
				for (ox = hi; ox < Wo; ox++)
					d[ox] = 0;
			}
		}
	}
}

/* The adjoint of im2col: dx [C][N][H][W] += col, for images n0..n1-1. */
static void
col2im(const float *col, int C, int N, int H, int W, int ks, int s, int p,
    int n0, int n1, float *dx)
{
	int Ho = conv_out(H, ks, s, p), Wo = conv_out(W, ks, s, p);
	long cols = (long)(n1 - n0) * Ho * Wo;
	int c, kh, kw, n, oy, ox, iy, lo, hi;

	for (c = 0; c < C; c++)
	for (kh = 0; kh < ks; kh++)
	for (kw = 0; kw < ks; kw++) {
		const float *row = col + ((long)(c * ks + kh) * ks + kw) * cols;

		lo = p - kw > 0 ? (p - kw + s - 1) / s : 0;
		hi = (W - 1 + p - kw) / s + 1;
		if (hi > Wo)
			hi = Wo;
		for (n = n0; n < n1; n++) {
			float *dst = dx + ((long)c * N + n) * H * W;

			for (oy = 0; oy < Ho; oy++) {
				const float *sr = row +
				    ((long)(n - n0) * Ho + oy) * Wo;
				float *d;

				iy = oy * s - p + kh;
				if (iy < 0 || iy >= H)
					continue;
				d = dst + (long)iy * W - p + kw;
				if (s == 2)
					s2_put(d + 2 * lo, sr + lo, hi - lo);
				else
					for (ox = lo; ox < hi; ox++)
						d[ox * s] += sr[ox];
			}
		}
	}
}

static void
tile_bounds(const struct conv_job *j, int t, int *n0, int *n1)
{
	*n0 = t * j->ti;
	*n1 = *n0 + j->ti < j->N ? *n0 + j->ti : j->N;
}

static int
tile_images(int N, int HoWo)
{
	int ti = tile_cols / HoWo;

	if (ti > (N + MIN_TILES - 1) / MIN_TILES)
		ti = (N + MIN_TILES - 1) / MIN_TILES;
	if (ti < 1)
		ti = 1;
	return ti < N ? ti : N;
}

/* y[0..n) += bias[k] + res[o..o+n), then the ReLU, as epi says. */
static void
finish(float *y, long n, const struct conv_epi *e, int k, long o)
{
	vec_affine(y, y, e->res != NULL ? e->res + o : NULL, n, 1,
	    e->bias != NULL ? e->bias[k] : 0, e->relu);
}

/*
 * The M x K matrix A (rows lda apart, or its transpose) packed for
 * gemm.c's products, or NULL where they do not run: below direct level
 * 3, which keeps OpenBLAS for these products and so the bits of the
 * AVX2 kernels.
 */
static const float *
pack_a(const float *A, long lda, int trans, int M, int K)
{
	if (direct_available() < 3 || !gemm_cpu())
		return NULL;
	par_grow(&apack, &apackcap, gemm_pack_len(M, K));
	gemm_pack(A, lda, trans, M, K, apack);
	return apack;
}

static void
forward_task(void *arg, int t, int worker)
{
	const struct conv_job *j = arg;
	const struct conv *cv = j->cv;
	int n0, n1, k, CKK = cv->C * cv->ks * cv->ks;
	long HoWo = (long)j->Ho * j->Wo, cols;
	float *col = colbufs.buf[worker];

	tile_bounds(j, t, &n0, &n1);
	cols = (n1 - n0) * HoWo;
	im2col(j->x, cv->C, j->N, j->H, j->W, cv->ks, cv->stride, cv->pad,
	    n0, n1, col);
	if (j->ap != NULL)
		gemm_run(j->ap, cv->K, CKK, col, cols, cols, j->y + n0 * HoWo,
		    j->N * HoWo, 0);
	else
		cblas_sgemm(BLAS_ROW_MAJOR, BLAS_NO_TRANS, BLAS_NO_TRANS,
		    cv->K, cols, CKK, 1.0f, cv->w, CKK, col, cols, 0.0f,
		    j->y + n0 * HoWo, j->N * HoWo);
	if (j->epi != NULL)
		for (k = 0; k < cv->K; k++)
			finish(j->y + ((long)k * j->N + n0) * HoWo, cols,
			    j->epi, k, ((long)k * j->N + n0) * HoWo);
}

static int
uses_flip(const struct conv *cv)
{
	return cv->ks == 3 && cv->stride == 1 && cv->pad == 1;
}

void
conv_forward(const struct conv *cv, const float *x, float *y, int N, int H,
    int W)
{
	conv_forward_epi(cv, x, y, N, H, W, NULL);
}

void
conv_forward_epi(const struct conv *cv, const float *x, float *y, int N,
    int H, int W, const struct conv_epi *epi)
{
	struct conv_job j = { .cv = cv, .x = x, .y = y, .N = N, .H = H,
	    .W = W, .epi = epi };
	long CKK = (long)cv->C * cv->ks * cv->ks;

	if (uses_flip(cv) && direct_available()) {
		direct_forward(cv, x, y, N, H, W, epi);
		return;
	}
	j.Ho = conv_out(H, cv->ks, cv->stride, cv->pad);
	j.Wo = conv_out(W, cv->ks, cv->stride, cv->pad);
	j.ti = tile_images(N, j.Ho * j.Wo);
	par_bufs_reserve(&colbufs, CKK * j.ti * j.Ho * j.Wo);
	j.ap = pack_a(cv->w, CKK, 0, cv->K, CKK);
	par_for((N + j.ti - 1) / j.ti, forward_task, &j);
}

/* The input gradient of one tile through the flipped kernel. */
static void
backward_dx_flip(const struct conv_job *j, int n0, int n1, float *col)
{
	const struct conv *cv = j->cv;
	long HW = (long)j->H * j->W, cols = (n1 - n0) * HW;

	im2col(j->dy, cv->K, j->N, j->H, j->W, 3, 1, 1, n0, n1, col);
	cblas_sgemm(BLAS_ROW_MAJOR, BLAS_NO_TRANS, BLAS_NO_TRANS, cv->C, cols,
	    cv->K * 9, 1.0f, wflip, cv->K * 9, col, cols,
	    j->acc ? 1.0f : 0.0f, j->dx + n0 * HW, j->N * HW);
}

/* The input gradient of one tile through W^T dy and col2im. */
static void
backward_dx_col(const struct conv_job *j, int n0, int n1, float *col)
{
	const struct conv *cv = j->cv;
	int CKK = cv->C * cv->ks * cv->ks, c;
	long HW = (long)j->H * j->W, HoWo = (long)j->Ho * j->Wo;
	long cols = (n1 - n0) * HoWo;

	if (j->ap != NULL)
		gemm_run(j->ap, CKK, cv->K, j->dy + n0 * HoWo, j->N * HoWo,
		    cols, col, cols, 0);
	else
		cblas_sgemm(BLAS_ROW_MAJOR, BLAS_TRANS, BLAS_NO_TRANS, CKK,
		    cols, cv->K, 1.0f, cv->w, CKK, j->dy + n0 * HoWo,
		    j->N * HoWo, 0.0f, col, cols);
	if (!j->acc)
		for (c = 0; c < cv->C; c++)
			memset(j->dx + ((long)c * j->N + n0) * HW, 0,
			    (n1 - n0) * HW * sizeof(float));
	col2im(col, cv->C, j->N, j->H, j->W, cv->ks, cv->stride, cv->pad,
	    n0, n1, j->dx);
}


static void
backward_task(void *arg, int t, int worker)
{
	const struct conv_job *j = arg;
	const struct conv *cv = j->cv;
	int n0, n1, CKK = cv->C * cv->ks * cv->ks;
	long HoWo = (long)j->Ho * j->Wo, cols;
	float *col = colbufs.buf[worker];

	tile_bounds(j, t, &n0, &n1);
	cols = (n1 - n0) * HoWo;
	im2col(j->x, cv->C, j->N, j->H, j->W, cv->ks, cv->stride, cv->pad,
	    n0, n1, col);
	cblas_sgemm(BLAS_ROW_MAJOR, BLAS_NO_TRANS, BLAS_TRANS, cv->K, CKK,
	    cols, 1.0f, j->dy + n0 * HoWo, j->N * HoWo, col, cols, 0.0f,
	    j->part + (long)t * cv->K * CKK, CKK);
	if (j->dx == NULL)
		return;
	if (uses_flip(cv))
		backward_dx_flip(j, n0, n1, col);
	else
		backward_dx_col(j, n0, n1, col);
}

/* wflip [C][K][3][3] holds w [K][C][3][3] turned by 180 degrees. */
static void
make_flip(const struct conv *cv)
{
	int k, c, i;

	par_grow(&wflip, &wflipcap, (size_t)cv->K * cv->C * 9);
	for (c = 0; c < cv->C; c++)
		for (k = 0; k < cv->K; k++)
			for (i = 0; i < 9; i++)
				wflip[((long)c * cv->K + k) * 9 + i] =
				    cv->w[((long)k * cv->C + c) * 9 + 8 - i];
}

void
conv_backward(struct conv *cv, const float *x, const float *dy, float *dx,
    int acc, int N, int H, int W)
{
	struct conv_job j = { .cv = cv, .x = x, .dy = dy, .dx = dx,
	    .acc = acc, .N = N, .H = H, .W = W };
	long CKK = (long)cv->C * cv->ks * cv->ks, need;
	int ntiles;

	if (uses_flip(cv) && direct_available()) {
		direct_backward(cv, x, dy, dx, acc, N, H, W);
		return;
	}
	j.Ho = conv_out(H, cv->ks, cv->stride, cv->pad);
	j.Wo = conv_out(W, cv->ks, cv->stride, cv->pad);
	j.ti = tile_images(N, j.Ho * j.Wo);
	ntiles = (N + j.ti - 1) / j.ti;
	need = CKK * j.ti * j.Ho * j.Wo;
	if (dx != NULL && uses_flip(cv) && (long)cv->K * 9 * j.ti * H * W >
	    need)
		need = (long)cv->K * 9 * j.ti * H * W;
	par_bufs_reserve(&colbufs, need);
	if (dx != NULL && uses_flip(cv))
		make_flip(cv);
	else if (dx != NULL)
		j.ap = pack_a(cv->w, CKK, 1, CKK, cv->K);
	if (ntiles == 1)
		j.part = cv->dw;
	else {
		par_grow(&partbuf, &partcap, (size_t)ntiles * cv->K * CKK);
		j.part = partbuf;
	}
	par_for(ntiles, backward_task, &j);
	if (ntiles == 1)
		return;
	par_sum_parts(cv->dw, partbuf, cv->K * CKK, ntiles);
}
