/*
 * blas.h: the few OpenBLAS entry points the kernels use, declared here
 * because OpenBLAS's cblas.h needs the system <sched.h>, which lib/sched.h
 * hides on this project's include path.  The enum values are CBLAS's.
 */
#ifndef REPROKIT_NN_BLAS_H
#define REPROKIT_NN_BLAS_H

enum {
	BLAS_ROW_MAJOR = 101,
	BLAS_NO_TRANS = 111,
	BLAS_TRANS = 112
};

void	cblas_sgemm(int order, int transa, int transb, int m, int n, int k,
	    float alpha, const float *a, int lda, const float *b, int ldb,
	    float beta, float *c, int ldc);
void	openblas_set_num_threads(int);
char	*openblas_get_config(void);
char	*openblas_get_corename(void);

#endif
