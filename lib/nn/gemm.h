/*
 * gemm.h: matrix products with few rows in A, for AVX-512 CPUs (see
 * gemm.c).  A is packed once, then multiplies any number of B.
 */
#ifndef REPROKIT_NN_GEMM_H
#define REPROKIT_NN_GEMM_H

#include <stddef.h>

/* Rows of A a packed block holds. */
#define GEMM_MB		8

/* Whether the CPU runs gemm_run (AVX-512 F). */
int	gemm_cpu(void);

/* Floats of A (M x K) packed: blocks of GEMM_MB rows, [M/8][K][8], zeros
   past M. */
size_t	gemm_pack_len(int M, int K);
/* Pack A[m][k] = A[m lda + k], or A[k lda + m] with trans. */
void	gemm_pack(const float *A, long lda, int trans, int M, int K,
	    float *Ap);
/* C (M x N, rows ldc apart) = A B, or += with acc; B is K x N. */
void	gemm_run(const float *Ap, int M, int K, const float *B, long ldb,
	    long N, float *C, long ldc, int acc);

#endif
