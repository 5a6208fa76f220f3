/*
 * wino.c: Winograd's minimal filtering F(2x2, 3x3) (Lavin and Gray,
 * "Fast algorithms for convolutional neural networks", 2016) for the
 * 3x3, stride-1, pad-1 convolutions of the CIFAR ResNets.
 *
 * Each 2x2 block of outputs of one channel is Y = A^T [sum over c of
 * U_c (.) V_c] A, where U_c = G g_c G^T is the 3x3 kernel taken to a 4x4
 * "transformed" kernel and V_c = B^T d_c B the 4x4 patch of input c under
 * the block.  The 16 element-wise products become 16 independent matrix
 * products, M[e] = U[e] V[e] (K x C times C x tiles), with 16 multiplies
 * a block and input pair where the direct form needs 36.
 *
 * Blocks run along a row in the sixteen lanes of a register, one row of
 * blocks per vector (W / 2 <= 16): an image row's even and odd columns
 * are pulled apart with two permutes and shifted by a lane for the
 * patches' outer columns, with zeros for the padding, so the input is
 * read as it lies, [C][N][H][W], without a padded copy.  A tile's images
 * are taken a few at a time so that V and M stay in the core's L2 cache.
 *
 * Every output is a fixed sequence of operations on one block of one
 * image, so the results do not depend on the tiling or the number of
 * threads.  They do differ in the last bits from the direct kernels':
 * tests hold both to the plain reference convolution.
 */
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "nn/gemm.h"
#include "nn/wino.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define HAVE_WINO 1
#include <immintrin.h>
#endif

#define WKB	GEMM_MB	/* output channels per block of gemm.c's packing */
#define BLOCKS	192	/* blocks (of 2x2 outputs) a pass, about */

int
wino_cpu(void)
{
#ifdef HAVE_WINO
	__builtin_cpu_init();
	return __builtin_cpu_supports("avx512f");
#else
	return 0;
#endif
}

int
wino_fits(int C, int H, int W)
{
	/* Whole vectors of blocks: G = 32 / W rows of them, H / 2 rows. */
	return C >= 8 && (W == 8 || W == 16 || W == 32) &&
	    H % (2 * (32 / W)) == 0;
}

size_t
wino_weights_len(int K, int C)
{
	return 16 * gemm_pack_len(K, C);
}

void
wino_pack(const float *w, int K, int C, int flip, float *U)
{
	int Ko = flip ? C : K, Ci = flip ? K : C, nkb = (Ko + WKB - 1) / WKB;
	int k, c, i, j, t;
	float g[9], m[4][3], u;

	memset(U, 0, wino_weights_len(Ko, Ci) * sizeof(float));
	for (k = 0; k < Ko; k++)
		for (c = 0; c < Ci; c++) {
			for (t = 0; t < 9; t++)
				g[t] = flip ? w[((long)c * C + k) * 9 + 8 - t] :
				    w[((long)k * C + c) * 9 + t];
			/* m = G g, G = [1 0 0; .5 .5 .5; .5 -.5 .5; 0 0 1] */
			for (j = 0; j < 3; j++) {
				m[0][j] = g[j];
				m[1][j] = (g[j] + g[3 + j] + g[6 + j]) * 0.5f;
				m[2][j] = (g[j] - g[3 + j] + g[6 + j]) * 0.5f;
				m[3][j] = g[6 + j];
			}
			/* U = m G^T */
			for (i = 0; i < 4; i++)
				for (j = 0; j < 4; j++) {
					if (j == 0)
						u = m[i][0];
					else if (j == 1)
						u = (m[i][0] + m[i][1] +
						    m[i][2]) * 0.5f;
					else if (j == 2)
						u = (m[i][0] - m[i][1] +
						    m[i][2]) * 0.5f;
					else
						u = m[i][2];
					U[(((long)(i * 4 + j) * nkb + k / WKB) *
					    Ci + c) * WKB + k % WKB] = u;
				}
		}
}

/* A pass: images i0 .. i0 + ni - 1 of the tile; V and M rows Pp. */
struct pass {
	int	 i0, ni;
	long	 Pp;
};

/* Images of a tile a pass takes: about BLOCKS blocks, at least one. */
static int
pass_images(int H, int W, int nimg)
{
	long ni = BLOCKS / ((long)H * W / 4);

	if (ni < 1)
		ni = 1;
	return ni < nimg ? (int)ni : nimg;
}

size_t
wino_scratch(int C, int K, int H, int W, int nimg)
{
	long Pp = (long)pass_images(H, W, nimg) * H * W / 4;

	return (size_t)16 * Pp * (C + (K + WKB - 1) / WKB * WKB);
}

/*
 * Images a weight-gradient pass takes: V and D within about 2 MiB, so
 * that one element's rows of both stay in the core's L2 cache; the
 * longer the pass, the fewer the horizontal sums.
 */
static int
dw_images(int C, int K, int H, int W, int nimg)
{
	long per = (long)H * W / 4;
	long ni = 32768 / (((C + 3) / 4 + (K + 3) / 4) * 4) / per;

	if (ni < 1)
		ni = 1;
	return ni < nimg ? (int)ni : nimg;
}

size_t
wino_dw_scratch(int C, int K, int H, int W, int nimg)
{
	long Pp = (long)dw_images(C, K, H, W, nimg) * H * W / 4;
	long Cp = (C + 3) / 4 * 4, Kp = (K + 3) / 4 * 4;

	return (size_t)16 * (Cp + Kp) * Pp;
}

size_t
wino_dw_sums_len(int K, int C)
{
	return (size_t)16 * ((K + 3) / 4 * 4) * ((C + 3) / 4 * 4);
}

void
wino_dw_finish(const double *S, int K, int C, float *dw)
{
	int Cp = (C + 3) / 4 * 4, Kp = (K + 3) / 4 * 4, k, c, el, u, w;
	double s[16], m[4][3];
	const double *sp;
	float *o;

	/* dW = G^T S G, G^T = [1 .5 .5 0; 0 .5 -.5 0; 0 .5 .5 1] */
	for (k = 0; k < K; k++)
		for (c = 0; c < C; c++) {
			sp = S + ((long)(k / 4) * (Cp / 4) + c / 4) * 16 +
			    4 * (c % 4) + k % 4;
			for (el = 0; el < 16; el++)
				s[el] = sp[(long)el * (Kp / 4) * (Cp / 4) * 16];
			for (w = 0; w < 4; w++) {
				m[w][0] = s[w] + (s[4 + w] + s[8 + w]) * 0.5;
				m[w][1] = (s[4 + w] - s[8 + w]) * 0.5;
				m[w][2] = (s[4 + w] + s[8 + w]) * 0.5 +
				    s[12 + w];
			}
			o = dw + ((long)k * C + c) * 9;
			for (u = 0; u < 3; u++) {
				o[u * 3] = (float)(m[0][u] + (m[1][u] +
				    m[2][u]) * 0.5);
				o[u * 3 + 1] = (float)((m[1][u] - m[2][u]) *
				    0.5);
				o[u * 3 + 2] = (float)((m[1][u] + m[2][u]) *
				    0.5 + m[3][u]);
			}
		}
}

#ifdef HAVE_WINO

/*
 * Lane tables for images W = 32 / G wide: a vector holds G rows of
 * W / 2 = 16 / G blocks (or values), lane l = g (16 / G) + b.
 */
struct lanes {
	int		 G, TW;
	__m512i		 up, down;	/* lane l - 1, l + 1 */
	__mmask16	 first, last;	/* lanes with b = 0, b = TW - 1 */
	__m512i		 i0, i1, i2, i3;	/* rows 2g - 1 .. 2g + 2 */
	__m512i		 prev, next;	/* the last row, the first row */
	__mmask16	 g0, glast;	/* lanes with g = 0, g = G - 1 */
};

__attribute__((target("avx512f")))
static void
lanes_init(struct lanes *ln, int W)
{
	int a[6][16], l, g, b;

	ln->G = 32 / W;
	ln->TW = W / 2;
	ln->first = ln->last = ln->g0 = ln->glast = 0;
	for (l = 0; l < 16; l++) {
		g = l / ln->TW;
		b = l % ln->TW;
		a[0][l] = (l + 15) % 16;
		a[1][l] = (l + 1) % 16;
		a[2][l] = (l + g * ln->TW - ln->TW) & 31;
		a[3][l] = l + g * ln->TW;
		a[4][l] = l + g * ln->TW + ln->TW;
		a[5][l] = (l + g * ln->TW + 2 * ln->TW) & 31;
		if (b == 0)
			ln->first |= 1u << l;
		if (b == ln->TW - 1)
			ln->last |= 1u << l;
		if (g == 0)
			ln->g0 |= 1u << l;
		if (g == ln->G - 1)
			ln->glast |= 1u << l;
	}
	ln->up = _mm512_loadu_si512(a[0]);
	ln->down = _mm512_loadu_si512(a[1]);
	ln->i0 = _mm512_loadu_si512(a[2]);
	ln->i1 = _mm512_loadu_si512(a[3]);
	ln->i2 = _mm512_loadu_si512(a[4]);
	ln->i3 = _mm512_loadu_si512(a[5]);
	for (l = 0; l < 16; l++) {
		a[0][l] = (ln->G - 1) * ln->TW + l % ln->TW;
		a[1][l] = l % ln->TW;
	}
	ln->prev = _mm512_loadu_si512(a[0]);
	ln->next = _mm512_loadu_si512(a[1]);
}

/*
 * d B for G image rows from x (32 values), block b of each row in lane
 * g TW + b: with d = (x[2b - 1], x[2b], x[2b + 1], x[2b + 2]) of its row,
 * d B = (d0 - d2, d1 + d2, d2 - d1, d1 - d3), x[-1] and x[W] the padding.
 */
__attribute__((target("avx512f"), always_inline))
static inline void
row_t(const struct lanes *ln, const float *x, __m512 t[4])
{
	const __m512i ev = _mm512_set_epi32(30, 28, 26, 24, 22, 20, 18, 16,
	    14, 12, 10, 8, 6, 4, 2, 0);
	const __m512i od = _mm512_set_epi32(31, 29, 27, 25, 23, 21, 19, 17,
	    15, 13, 11, 9, 7, 5, 3, 1);
	__m512 a = _mm512_loadu_ps(x), b = _mm512_loadu_ps(x + 16);
	__m512 e, o, d0, d3;

	e = _mm512_permutex2var_ps(a, ev, b);	/* x[2b] */
	o = _mm512_permutex2var_ps(a, od, b);	/* x[2b + 1] */
	d0 = _mm512_maskz_permutexvar_ps(~ln->first, ln->up, o);
	d3 = _mm512_maskz_permutexvar_ps(~ln->last, ln->down, e);
	t[0] = _mm512_sub_ps(d0, o);
	t[1] = _mm512_add_ps(e, o);
	t[2] = _mm512_sub_ps(o, e);
	t[3] = _mm512_sub_ps(e, d3);
}

/*
 * V[e][block] = B^T d B (element stride es) for the blocks of one image
 * x [H][W] of one channel, G rows of blocks a vector.  Those rows read
 * image rows 2 G v - 1 .. 2 G v + 2 G: the 2 G of row vectors a and b,
 * the last of the vector before (p) and the first of the one after (n).
 */
__attribute__((target("avx512f")))
static void
in_image(const struct lanes *ln, const float *x, int H, float *v, long es)
{
	__m512 p[4], a[4], b[4], n[4], r0, r1, r2, r3;
	int nv = H / 2 / ln->G, q, j;

	for (j = 0; j < 4; j++)
		p[j] = _mm512_setzero_ps();
	row_t(ln, x, a);
	for (q = 0; q < nv; q++, v += 16, x += 64) {
		row_t(ln, x + 32, b);
		if (q + 1 < nv)
			row_t(ln, x + 64, n);
		else
			for (j = 0; j < 4; j++)
				n[j] = _mm512_setzero_ps();
		for (j = 0; j < 4; j++) {
			if (ln->G == 1) {
				r0 = p[j];
				r1 = a[j];
				r2 = b[j];
				r3 = n[j];
			} else {
				r0 = _mm512_maskz_permutex2var_ps(~ln->g0,
				    a[j], ln->i0, b[j]);
				r0 = _mm512_mask_permutexvar_ps(r0, ln->g0,
				    ln->prev, p[j]);
				r1 = _mm512_permutex2var_ps(a[j], ln->i1,
				    b[j]);
				r2 = _mm512_permutex2var_ps(a[j], ln->i2,
				    b[j]);
				r3 = _mm512_maskz_permutex2var_ps(~ln->glast,
				    a[j], ln->i3, b[j]);
				r3 = _mm512_mask_permutexvar_ps(r3, ln->glast,
				    ln->next, n[j]);
			}
			/* B^T of the column (r0, r1, r2, r3) */
			_mm512_store_ps(v + (0 + j) * es,
			    _mm512_sub_ps(r0, r2));
			_mm512_store_ps(v + (4 + j) * es,
			    _mm512_add_ps(r1, r2));
			_mm512_store_ps(v + (8 + j) * es,
			    _mm512_sub_ps(r2, r1));
			_mm512_store_ps(v + (12 + j) * es,
			    _mm512_sub_ps(r1, r3));
		}
		for (j = 0; j < 4; j++) {
			p[j] = b[j];
			a[j] = n[j];
		}
	}
}

/* y = v + bias (+ y with acc) (+ res), then the ReLU; 16 values. */
__attribute__((target("avx512f"), always_inline))
static inline void
finish(float *y, __m512 v, const float *res, __m512 bias, int acc, int relu)
{
	v = _mm512_add_ps(v, bias);
	if (acc)
		v = _mm512_add_ps(v, _mm512_loadu_ps(y));
	if (res != NULL)
		v = _mm512_add_ps(v, _mm512_loadu_ps(res));
	if (relu)
		v = _mm512_max_ps(v, _mm512_setzero_ps());
	_mm512_storeu_ps(y, v);
}

/*
 * Y = A^T M A for the blocks of one output channel of one image, from
 * M[e][block] (element stride es), into y [H][W] (and res likewise):
 * 16 blocks, G rows of them, make 2 G output rows, 64 values in a row.
 */
__attribute__((target("avx512f")))
static void
out_image(const struct lanes *ln, const float *mm, long es, int H,
    float *y, const float *res, float bias, int acc, int relu)
{
	const __m512i lo = _mm512_set_epi32(23, 7, 22, 6, 21, 5, 20, 4, 19,
	    3, 18, 2, 17, 1, 16, 0);
	const __m512i hi = _mm512_set_epi32(31, 15, 30, 14, 29, 13, 28, 12,
	    27, 11, 26, 10, 25, 9, 24, 8);
	__m512 s0[4], s1[4], m0, m1, m2, m3, y0, y1, y2, y3, z[4];
	__m512 b = _mm512_set1_ps(bias);
	int nv = H / 2 / ln->G, q, j;

	for (q = 0; q < nv; q++, mm += 16, y += 64) {
		/* A^T M: rows (m0 + m1 + m2, m1 - m2 - m3) */
		for (j = 0; j < 4; j++) {
			m0 = _mm512_load_ps(mm + (0 + j) * es);
			m1 = _mm512_load_ps(mm + (4 + j) * es);
			m2 = _mm512_load_ps(mm + (8 + j) * es);
			m3 = _mm512_load_ps(mm + (12 + j) * es);
			s0[j] = _mm512_add_ps(_mm512_add_ps(m0, m1), m2);
			s1[j] = _mm512_sub_ps(_mm512_sub_ps(m1, m2), m3);
		}
		/* (A^T M) A: y0 y1 the first output row, y2 y3 the second */
		y0 = _mm512_add_ps(_mm512_add_ps(s0[0], s0[1]), s0[2]);
		y1 = _mm512_sub_ps(_mm512_sub_ps(s0[1], s0[2]), s0[3]);
		y2 = _mm512_add_ps(_mm512_add_ps(s1[0], s1[1]), s1[2]);
		y3 = _mm512_sub_ps(_mm512_sub_ps(s1[1], s1[2]), s1[3]);
		/* Interleave the blocks' two columns, rows in memory order. */
		m0 = _mm512_permutex2var_ps(y0, lo, y1);
		m1 = _mm512_permutex2var_ps(y0, hi, y1);
		m2 = _mm512_permutex2var_ps(y2, lo, y3);
		m3 = _mm512_permutex2var_ps(y2, hi, y3);
		if (ln->G == 1) {		/* W 32: m0 m1, m2 m3 */
			z[0] = m0;
			z[1] = m1;
			z[2] = m2;
			z[3] = m3;
		} else if (ln->G == 2) {	/* W 16: rows m0 m2 m1 m3 */
			z[0] = m0;
			z[1] = m2;
			z[2] = m1;
			z[3] = m3;
		} else {			/* W 8: half rows */
			z[0] = _mm512_shuffle_f32x4(m0, m2, 0x44);
			z[1] = _mm512_shuffle_f32x4(m0, m2, 0xee);
			z[2] = _mm512_shuffle_f32x4(m1, m3, 0x44);
			z[3] = _mm512_shuffle_f32x4(m1, m3, 0xee);
		}
		for (j = 0; j < 4; j++)
			finish(y + 16 * j, z[j], res != NULL ?
			    res + 64L * q + 16 * j : NULL, b, acc, relu);
	}
}

/* One pass of a tile: transform, multiply, transform back. */
__attribute__((target("avx512f")))
static void
run_pass(const struct wino_tile *t, const struct pass *p, const float *U,
    float *V, float *M)
{
	const struct conv_epi *e = t->epi;
	long HW = (long)t->H * t->W, es = (long)t->C * p->Pp, ms, per = HW / 4;
	int Kp = (t->K + WKB - 1) / WKB * WKB, nkb = Kp / WKB;
	int c, i, k, el, n;
	struct lanes ln;
	const float *res;
	float *y;

	lanes_init(&ln, t->W);
	for (c = 0; c < t->C; c++)
		for (i = 0; i < p->ni; i++)
			in_image(&ln, t->x + ((long)c * t->N + t->n0 + p->i0 +
			    i) * HW, t->H, V + (long)c * p->Pp + i * per, es);
	for (el = 0; el < 16; el++)
		gemm_run(U + (long)el * nkb * t->C * WKB, t->K, t->C,
		    V + el * es, p->Pp, p->Pp, M + (long)el * Kp * p->Pp,
		    p->Pp, 0);
	ms = (long)Kp * p->Pp;
	for (k = 0; k < t->K; k++)
		for (i = 0; i < p->ni; i++) {
			n = t->n0 + p->i0 + i;
			y = t->out + ((long)k * t->N + n) * HW;
			res = e != NULL && e->res != NULL ?
			    e->res + ((long)k * t->N + n) * HW : NULL;
			out_image(&ln, M + (long)k * p->Pp + i * per, ms,
			    t->H, y, res, e != NULL && e->bias != NULL ?
			    e->bias[k] : 0, t->acc, e != NULL && e->relu);
		}
}


/*
 * D[e][block] = A D A^T (element stride es) for the blocks of one image
 * dy [H][W] of one output channel, A = [1 0; 1 1; 1 -1; 0 -1]: a 2x2
 * block (d0, d1) of a row goes to (d0, d0 + d1, d0 - d1, -d1), then the
 * same down the columns.
 */
__attribute__((target("avx512f")))
static void
dy_image(const struct lanes *ln, const float *dy, int H, float *d, long es)
{
	const __m512i ev = _mm512_set_epi32(30, 28, 26, 24, 22, 20, 18, 16,
	    14, 12, 10, 8, 6, 4, 2, 0);
	const __m512i od = _mm512_set_epi32(31, 29, 27, 25, 23, 21, 19, 17,
	    15, 13, 11, 9, 7, 5, 3, 1);
	__m512 a, b, e1, o1, e2, o2, et, ot, eb, ob, t[4], u[4];
	int nv = H / 2 / ln->G, q, j;

	for (q = 0; q < nv; q++, dy += 64, d += 16) {
		a = _mm512_loadu_ps(dy);
		b = _mm512_loadu_ps(dy + 16);
		e1 = _mm512_permutex2var_ps(a, ev, b);
		o1 = _mm512_permutex2var_ps(a, od, b);
		a = _mm512_loadu_ps(dy + 32);
		b = _mm512_loadu_ps(dy + 48);
		e2 = _mm512_permutex2var_ps(a, ev, b);
		o2 = _mm512_permutex2var_ps(a, od, b);
		if (ln->G == 1) {	/* the two rows of one row of blocks */
			et = e1;
			ot = o1;
			eb = e2;
			ob = o2;
		} else {		/* rows 2g and 2g + 1 of 2 G */
			et = _mm512_permutex2var_ps(e1, ln->i1, e2);
			ot = _mm512_permutex2var_ps(o1, ln->i1, o2);
			eb = _mm512_permutex2var_ps(e1, ln->i2, e2);
			ob = _mm512_permutex2var_ps(o1, ln->i2, o2);
		}
		t[0] = et;
		t[1] = _mm512_add_ps(et, ot);
		t[2] = _mm512_sub_ps(et, ot);
		t[3] = _mm512_sub_ps(_mm512_setzero_ps(), ot);
		u[0] = eb;
		u[1] = _mm512_add_ps(eb, ob);
		u[2] = _mm512_sub_ps(eb, ob);
		u[3] = _mm512_sub_ps(_mm512_setzero_ps(), ob);
		for (j = 0; j < 4; j++) {
			_mm512_store_ps(d + (0 + j) * es, t[j]);
			_mm512_store_ps(d + (4 + j) * es,
			    _mm512_add_ps(t[j], u[j]));
			_mm512_store_ps(d + (8 + j) * es,
			    _mm512_sub_ps(t[j], u[j]));
			_mm512_store_ps(d + (12 + j) * es,
			    _mm512_sub_ps(_mm512_setzero_ps(), u[j]));
		}
	}
}

/*
 * The lane sums of a[0..15] in one vector: lane 4 j + m holds the sum of
 * a[4 m + j].  Four rounds of adding halves, always in the same order.
 */
__attribute__((target("avx512f"), always_inline))
static inline __m512
sum16(const __m512 *a)
{
	__m512 b[8], c[4], d[2];
	int i;

	for (i = 0; i < 8; i++)
		b[i] = _mm512_add_ps(_mm512_shuffle_f32x4(a[2 * i],
		    a[2 * i + 1], 0x44), _mm512_shuffle_f32x4(a[2 * i],
		    a[2 * i + 1], 0xee));
	for (i = 0; i < 4; i++)
		c[i] = _mm512_add_ps(_mm512_shuffle_f32x4(b[2 * i],
		    b[2 * i + 1], 0x88), _mm512_shuffle_f32x4(b[2 * i],
		    b[2 * i + 1], 0xdd));
	for (i = 0; i < 2; i++)
		d[i] = _mm512_add_ps(_mm512_shuffle_ps(c[2 * i], c[2 * i + 1],
		    0x44), _mm512_shuffle_ps(c[2 * i], c[2 * i + 1], 0xee));
	return _mm512_add_ps(_mm512_shuffle_ps(d[0], d[1], 0x88),
	    _mm512_shuffle_ps(d[0], d[1], 0xdd));
}

/*
 * s += the products of rows d[0..3] and v[0..3] (pitch Pp) summed over
 * P blocks: lane 4 j + m of s for D row m, V row j.
 */
__attribute__((target("avx512f")))
static void
dw_block(const float *d, const float *v, long Pp, long P, double *s)
{
	__m512 a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13;
	__m512 a14, a15, x0, x1, x2, x3, y0, y1, y2, y3, acc[16], r;
	long b;

	/* Named registers: an array here ends up on the stack. */
	a0 = a1 = a2 = a3 = a4 = a5 = a6 = a7 = _mm512_setzero_ps();
	a8 = a9 = a10 = a11 = a12 = a13 = a14 = a15 = a0;
	for (b = 0; b < P; b += 16) {
		x0 = _mm512_load_ps(d + b);
		x1 = _mm512_load_ps(d + Pp + b);
		x2 = _mm512_load_ps(d + 2 * Pp + b);
		x3 = _mm512_load_ps(d + 3 * Pp + b);
		y0 = _mm512_load_ps(v + b);
		y1 = _mm512_load_ps(v + Pp + b);
		y2 = _mm512_load_ps(v + 2 * Pp + b);
		y3 = _mm512_load_ps(v + 3 * Pp + b);
		a0 = _mm512_fmadd_ps(x0, y0, a0);
		a1 = _mm512_fmadd_ps(x0, y1, a1);
		a2 = _mm512_fmadd_ps(x0, y2, a2);
		a3 = _mm512_fmadd_ps(x0, y3, a3);
		a4 = _mm512_fmadd_ps(x1, y0, a4);
		a5 = _mm512_fmadd_ps(x1, y1, a5);
		a6 = _mm512_fmadd_ps(x1, y2, a6);
		a7 = _mm512_fmadd_ps(x1, y3, a7);
		a8 = _mm512_fmadd_ps(x2, y0, a8);
		a9 = _mm512_fmadd_ps(x2, y1, a9);
		a10 = _mm512_fmadd_ps(x2, y2, a10);
		a11 = _mm512_fmadd_ps(x2, y3, a11);
		a12 = _mm512_fmadd_ps(x3, y0, a12);
		a13 = _mm512_fmadd_ps(x3, y1, a13);
		a14 = _mm512_fmadd_ps(x3, y2, a14);
		a15 = _mm512_fmadd_ps(x3, y3, a15);
	}
	acc[0] = a0;
	acc[1] = a1;
	acc[2] = a2;
	acc[3] = a3;
	acc[4] = a4;
	acc[5] = a5;
	acc[6] = a6;
	acc[7] = a7;
	acc[8] = a8;
	acc[9] = a9;
	acc[10] = a10;
	acc[11] = a11;
	acc[12] = a12;
	acc[13] = a13;
	acc[14] = a14;
	acc[15] = a15;
	/* Tiles' sums add up in double, as the direct kernels' do. */
	r = sum16(acc);
	_mm512_storeu_pd(s, _mm512_add_pd(_mm512_loadu_pd(s),
	    _mm512_cvtps_pd(_mm512_castps512_ps256(r))));
	_mm512_storeu_pd(s + 8, _mm512_add_pd(_mm512_loadu_pd(s + 8),
	    _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(
	    _mm512_castps_pd(r), 1)))));
}

void
wino_dw_run(const struct wino_tile *t, double *S, float *scratch)
{
	long HW = (long)t->H * t->W, per = HW / 4, Pp, P, es, ds;
	int Cp = (t->C + 3) / 4 * 4, Kp = (t->K + 3) / 4 * 4;
	int ni = dw_images(t->C, t->K, t->H, t->W, t->nimg), i0, n, i;
	int c, k, el, kb, cb;
	struct lanes ln;
	float *V, *D;

	lanes_init(&ln, t->W);
	Pp = ni * per;
	V = scratch;
	D = V + 16L * Cp * Pp;
	es = (long)Cp * Pp;
	ds = (long)Kp * Pp;
	memset(S, 0, wino_dw_sums_len(t->K, t->C) * sizeof(double));
	/* Padding rows of V and D stay zero. */
	for (el = 0; el < 16; el++) {
		memset(V + el * es + (long)t->C * Pp, 0,
		    (Cp - t->C) * Pp * sizeof(float));
		memset(D + el * ds + (long)t->K * Pp, 0,
		    (Kp - t->K) * Pp * sizeof(float));
	}
	for (i0 = 0; i0 < t->nimg; i0 += ni) {
		n = t->nimg - i0 < ni ? t->nimg - i0 : ni;
		P = n * per;
		for (c = 0; c < t->C; c++)
			for (i = 0; i < n; i++)
				in_image(&ln, t->x + ((long)c * t->N + t->n0 +
				    i0 + i) * HW, t->H, V + c * Pp + i * per,
				    es);
		for (k = 0; k < t->K; k++)
			for (i = 0; i < n; i++)
				dy_image(&ln, t->dy + ((long)k * t->N + t->n0 +
				    i0 + i) * HW, t->H, D + k * Pp + i * per,
				    ds);
		for (el = 0; el < 16; el++)
			for (kb = 0; kb < Kp / 4; kb++)
				for (cb = 0; cb < Cp / 4; cb++)
					dw_block(D + el * ds + kb * 4 * Pp,
					    V + el * es + cb * 4 * Pp, Pp, P,
					    S + ((el * (Kp / 4) + kb) *
					    (Cp / 4) + cb) * 16);
	}
}

void
wino_run(const struct wino_tile *t, const float *U, float *scratch)
{
	struct pass p;
	int ni = pass_images(t->H, t->W, t->nimg);
	float *V, *M;

	p.Pp = (long)ni * t->H * t->W / 4;	/* a multiple of 16 */
	V = scratch;
	M = V + (long)16 * t->C * p.Pp;
	for (p.i0 = 0; p.i0 < t->nimg; p.i0 += ni) {
		p.ni = t->nimg - p.i0 < ni ? t->nimg - p.i0 : ni;
		run_pass(t, &p, U, V, M);
	}
}

#else

void
wino_run(const struct wino_tile *t, const float *U, float *scratch)
{
	die("Winograd convolution not built for this CPU");
}

void
wino_dw_run(const struct wino_tile *t, double *S, float *scratch)
{
	die("Winograd convolution not built for this CPU");
}

#endif
