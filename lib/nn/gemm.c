/*
 * gemm.c: C = A B (or C += A B) for the products of the CIFAR ResNets
 * whose A has few rows: 16 to 64 output channels against thousands of
 * columns.  OpenBLAS tunes for large square matrices and reaches about
 * half of a core's peak at these shapes; one 8 x 48 block of C in 24
 * AVX-512 registers, A's column broadcast and B's row loaded, does
 * better.  Each element of C is one chain of fused multiply-adds over k
 * in order, so the results do not depend on the blocking.
 */
#include <string.h>

#include "util.h"
#include "nn/gemm.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define HAVE_GEMM 1
#include <immintrin.h>
#endif

#define MB	GEMM_MB	/* rows of C a block */

int
gemm_cpu(void)
{
#ifdef HAVE_GEMM
	__builtin_cpu_init();
	return __builtin_cpu_supports("avx512f");
#else
	return 0;
#endif
}

size_t
gemm_pack_len(int M, int K)
{
	return (size_t)(M + MB - 1) / MB * MB * K;
}

void
gemm_pack(const float *A, long lda, int trans, int M, int K, float *Ap)
{
	int m, k;

	for (m = 0; m < (M + MB - 1) / MB * MB; m++)
		for (k = 0; k < K; k++)
			Ap[((long)(m / MB) * K + k) * MB + m % MB] = m >= M ?
			    0 : trans ? A[(long)k * lda + m] :
			    A[(long)m * lda + k];
}

#ifdef HAVE_GEMM

/*
 * C[j][0 .. 16 nv) (+)= sum over k of a[k][j] B[k][0 ..] for j < mr;
 * the last vector only the lanes of mask.
 */
__attribute__((target("avx512f"), always_inline))
static inline void
block(const float *a, const float *b, long ldb, int K, float *c, long ldc,
    int mr, int nv, __mmask16 mask, int acc)
{
	__m512 s[MB][3], b0, b1, b2, w;
	__mmask16 m0 = nv == 1 ? mask : 0xffff, m1 = nv == 2 ? mask : 0xffff;
	__mmask16 m2 = mask;
	int k, j;

	b1 = b2 = _mm512_setzero_ps();
#pragma GCC unroll 8
	for (j = 0; j < MB; j++)
		s[j][0] = s[j][1] = s[j][2] = _mm512_setzero_ps();
	for (k = 0; k < K; k++, b += ldb, a += MB) {
		b0 = _mm512_maskz_loadu_ps(m0, b);
		if (nv > 1)
			b1 = _mm512_maskz_loadu_ps(m1, b + 16);
		if (nv > 2)
			b2 = _mm512_maskz_loadu_ps(m2, b + 32);
#pragma GCC unroll 8
		for (j = 0; j < MB; j++) {
			w = _mm512_set1_ps(a[j]);
			s[j][0] = _mm512_fmadd_ps(w, b0, s[j][0]);
			if (nv > 1)
				s[j][1] = _mm512_fmadd_ps(w, b1, s[j][1]);
			if (nv > 2)
				s[j][2] = _mm512_fmadd_ps(w, b2, s[j][2]);
		}
	}
	/* Constant indices only: a register array indexed at run time
	   would live on the stack. */
#pragma GCC unroll 8
	for (j = 0; j < MB; j++, c += ldc) {
		if (j >= mr)
			break;
		if (acc) {
			s[j][0] = _mm512_add_ps(s[j][0],
			    _mm512_maskz_loadu_ps(m0, c));
			if (nv > 1)
				s[j][1] = _mm512_add_ps(s[j][1],
				    _mm512_maskz_loadu_ps(m1, c + 16));
			if (nv > 2)
				s[j][2] = _mm512_add_ps(s[j][2],
				    _mm512_maskz_loadu_ps(m2, c + 32));
		}
		_mm512_mask_storeu_ps(c, m0, s[j][0]);
		if (nv > 1)
			_mm512_mask_storeu_ps(c + 16, m1, s[j][1]);
		if (nv > 2)
			_mm512_mask_storeu_ps(c + 32, m2, s[j][2]);
	}
}

__attribute__((target("avx512f")))
void
gemm_run(const float *Ap, int M, int K, const float *B, long ldb, long N,
    float *C, long ldc, int acc)
{
	const float *a;
	long n, left;
	int mb, mr, nv;
	__mmask16 mask;

	for (mb = 0; mb < (M + MB - 1) / MB; mb++) {
		a = Ap + (long)mb * K * MB;
		mr = M - mb * MB < MB ? M - mb * MB : MB;
		for (n = 0; n + 48 <= N; n += 48)
			block(a, B + n, ldb, K, C + (long)mb * MB * ldc + n,
			    ldc, mr, 3, 0xffff, acc);
		left = N - n;
		if (left == 0)
			continue;
		nv = (int)((left + 15) / 16);
		mask = (__mmask16)(left % 16 ? (1u << left % 16) - 1 : 0xffff);
		if (nv == 3)
			block(a, B + n, ldb, K, C + (long)mb * MB * ldc + n,
			    ldc, mr, 3, mask, acc);
		else if (nv == 2)
			block(a, B + n, ldb, K, C + (long)mb * MB * ldc + n,
			    ldc, mr, 2, mask, acc);
		else
			block(a, B + n, ldb, K, C + (long)mb * MB * ldc + n,
			    ldc, mr, 1, mask, acc);
	}
}

#else

void
gemm_run(const float *Ap, int M, int K, const float *B, long ldb, long N,
    float *C, long ldc, int acc)
{
	die("AVX-512 matrix products not built for this CPU");
}

#endif
