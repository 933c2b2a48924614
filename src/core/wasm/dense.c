/*
 * Dense kernels of the fused residual MLP (src/core/ops/fused-mlp.ts), the fused spline
 * (src/core/ops/spline.ts) and the optimizer (src/core/train/adam.ts), for wasm32 with 128-bit SIMD,
 * loaded by ./dense.ts. Built by scripts/build-wasm.mjs (clang --target=wasm32 -msimd128, no libc) into
 * ./dense-wasm.ts.
 *
 * Why our own: one training step of the paper's base flow is ~0.9 GFLOP of small dense products
 * (batch × 128 × 128). Through tfjs each product, transpose, bias add and relu is a kernel dispatch
 * (~25 µs each, ~490 per step) and the weight gradients run at ~11 GFLOP/s because XNNPACK re-packs a
 * freshly computed right-hand matrix on every call. These kernels read every operand where it lies
 * (row-major, any leading dimension), fuse bias, relu and the residual bookkeeping into single passes,
 * and compute Aᵀ·B without materialising Aᵀ.
 *
 * Register blocking: 4 rows × 8 columns of C in 8 SIMD accumulators (+2 for B, +1 broadcast: fits the
 * 15 xmm registers V8 allocates on x64 without spilling; 6×8 and 4×12 tiles measured slower).
 *
 * All pointers are byte offsets into this module's memory; all matrices are float32, row-major.
 */
#include <wasm_simd128.h>

#define EXPORT(name) __attribute__((export_name(#name))) void name
typedef float f32;
typedef v128_t v;

/* pmax is one maxps on x64; f32x4.max needs a NaN-propagating sequence that costs a factor 2 in the kernels. */
static inline v relu4(v a) { return wasm_f32x4_pmax(a, wasm_f32x4_splat(0.0f)); }
static inline f32 relu1(f32 a) { return a > 0.0f ? a : 0.0f; }
static inline v lane(v a, int r) {
  switch (r) {
    case 0: return wasm_i32x4_shuffle(a, a, 0, 0, 0, 0);
    case 1: return wasm_i32x4_shuffle(a, a, 1, 1, 1, 1);
    case 2: return wasm_i32x4_shuffle(a, a, 2, 2, 2, 2);
    default: return wasm_i32x4_shuffle(a, a, 3, 3, 3, 3);
  }
}

/* Write (or add, when acc) a 4×8 tile of accumulators to C. */
static inline __attribute__((always_inline)) void store4x8(f32 *c, int ldc, int acc, v c00, v c01, v c10, v c11, v c20,
                                                          v c21, v c30, v c31) {
  v t[8] = {c00, c01, c10, c11, c20, c21, c30, c31};
  for (int r = 0; r < 4; r++, c += ldc) {
    v lo = t[2 * r], hi = t[2 * r + 1];
    if (acc) {
      lo = wasm_f32x4_add(lo, wasm_v128_load(c));
      hi = wasm_f32x4_add(hi, wasm_v128_load(c + 4));
    }
    wasm_v128_store(c, lo);
    wasm_v128_store(c + 4, hi);
  }
}

/* ---- C = [C +] A·B, A: M×K (lda), B: K×N (ldb), C: M×N (ldc) ---- */

/* One broadcast load of A per row and k (v128.load32_splat: a single load on x64) and two vector loads of B
   feed 8 accumulators. Measured ~37 GFLOP/s at 512×128×128 against ~31 for loading four k of a row at once
   and broadcasting lanes, and ~31 for this kernel with relu applied to each broadcast: so relu is not
   fused here; callers pass activations already rectified (src/core/ops/fused-mlp.ts). */
static inline __attribute__((always_inline)) void nn_rows4(int N, int K, const f32 *A, int lda, const f32 *B, int ldb,
                                                          f32 *C, int ldc, int acc) {
  const f32 *a0 = A, *a1 = A + lda, *a2 = A + 2 * lda, *a3 = A + 3 * lda;
  int j = 0;
  for (; j + 8 <= N; j += 8) {
    v c00 = wasm_f32x4_splat(0), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
    const f32 *b = B + j;
    for (int k = 0; k < K; k++, b += ldb) {
      v b0 = wasm_v128_load(b), b1 = wasm_v128_load(b + 4), x;
      x = wasm_v128_load32_splat(a0 + k);
      c00 = wasm_f32x4_add(c00, wasm_f32x4_mul(x, b0)); c01 = wasm_f32x4_add(c01, wasm_f32x4_mul(x, b1));
      x = wasm_v128_load32_splat(a1 + k);
      c10 = wasm_f32x4_add(c10, wasm_f32x4_mul(x, b0)); c11 = wasm_f32x4_add(c11, wasm_f32x4_mul(x, b1));
      x = wasm_v128_load32_splat(a2 + k);
      c20 = wasm_f32x4_add(c20, wasm_f32x4_mul(x, b0)); c21 = wasm_f32x4_add(c21, wasm_f32x4_mul(x, b1));
      x = wasm_v128_load32_splat(a3 + k);
      c30 = wasm_f32x4_add(c30, wasm_f32x4_mul(x, b0)); c31 = wasm_f32x4_add(c31, wasm_f32x4_mul(x, b1));
    }
    store4x8(C + j, ldc, acc, c00, c01, c10, c11, c20, c21, c30, c31);
  }
  for (; j + 4 <= N; j += 4) {
    v c0 = wasm_f32x4_splat(0), c1 = c0, c2 = c0, c3 = c0;
    const f32 *b = B + j;
    for (int k = 0; k < K; k++, b += ldb) {
      v b0 = wasm_v128_load(b);
      c0 = wasm_f32x4_add(c0, wasm_f32x4_mul(wasm_v128_load32_splat(a0 + k), b0));
      c1 = wasm_f32x4_add(c1, wasm_f32x4_mul(wasm_v128_load32_splat(a1 + k), b0));
      c2 = wasm_f32x4_add(c2, wasm_f32x4_mul(wasm_v128_load32_splat(a2 + k), b0));
      c3 = wasm_f32x4_add(c3, wasm_f32x4_mul(wasm_v128_load32_splat(a3 + k), b0));
    }
    f32 *c = C + j;
    if (acc) {
      c0 = wasm_f32x4_add(c0, wasm_v128_load(c));
      c1 = wasm_f32x4_add(c1, wasm_v128_load(c + ldc));
      c2 = wasm_f32x4_add(c2, wasm_v128_load(c + 2 * ldc));
      c3 = wasm_f32x4_add(c3, wasm_v128_load(c + 3 * ldc));
    }
    wasm_v128_store(c, c0); wasm_v128_store(c + ldc, c1); wasm_v128_store(c + 2 * ldc, c2); wasm_v128_store(c + 3 * ldc, c3);
  }
  for (; j < N; j++) {
    f32 s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    for (int k = 0; k < K; k++) {
      f32 bk = B[k * ldb + j];
      s0 += a0[k] * bk; s1 += a1[k] * bk; s2 += a2[k] * bk; s3 += a3[k] * bk;
    }
    if (acc) { s0 += C[j]; s1 += C[ldc + j]; s2 += C[2 * ldc + j]; s3 += C[3 * ldc + j]; }
    C[j] = s0; C[ldc + j] = s1; C[2 * ldc + j] = s2; C[3 * ldc + j] = s3;
  }
}

static void nn_row1(int N, int K, const f32 *A, const f32 *B, int ldb, f32 *C, int acc) {
  int j = 0;
  for (; j + 4 <= N; j += 4) {
    v c0 = wasm_f32x4_splat(0);
    for (int k = 0; k < K; k++) c0 = wasm_f32x4_add(c0, wasm_f32x4_mul(wasm_v128_load32_splat(A + k), wasm_v128_load(B + k * ldb + j)));
    if (acc) c0 = wasm_f32x4_add(c0, wasm_v128_load(C + j));
    wasm_v128_store(C + j, c0);
  }
  for (; j < N; j++) {
    f32 s = 0;
    for (int k = 0; k < K; k++) s += A[k] * B[k * ldb + j];
    C[j] = acc ? C[j] + s : s;
  }
}

EXPORT(gemm_nn)(int M, int N, int K, const f32 *A, int lda, const f32 *B, int ldb, f32 *C, int ldc, int acc) {
  int i = 0;
  for (; i + 4 <= M; i += 4) nn_rows4(N, K, A + i * lda, lda, B, ldb, C + i * ldc, ldc, acc);
  for (; i < M; i++) nn_row1(N, K, A + i * lda, B, ldb, C + i * ldc, acc);
}

/* ---- C = [C +] op(A)ᵀ·B, A: M×K (lda), B: M×N (ldb), C: K×N (ldc): weight gradients, Aᵀ never formed.
   Here one vector load of A[m, k..k+3] and four lane broadcasts measured as fast as four broadcast loads,
   and relu on that vector is nearly free, so op = relu is fused. ---- */

static inline __attribute__((always_inline)) void tn_rows4(int M, int N, const f32 *A, int lda, int relu,
                                                          const f32 *B, int ldb, f32 *C, int ldc, int acc) {
  int j = 0;
  for (; j + 8 <= N; j += 8) {
    v c00 = wasm_f32x4_splat(0), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
    const f32 *a = A, *b = B + j;
    for (int m = 0; m < M; m++, a += lda, b += ldb) {
      v av = wasm_v128_load(a);
      if (relu) av = relu4(av);
      v b0 = wasm_v128_load(b), b1 = wasm_v128_load(b + 4);
      v x = lane(av, 0);
      c00 = wasm_f32x4_add(c00, wasm_f32x4_mul(x, b0)); c01 = wasm_f32x4_add(c01, wasm_f32x4_mul(x, b1));
      x = lane(av, 1);
      c10 = wasm_f32x4_add(c10, wasm_f32x4_mul(x, b0)); c11 = wasm_f32x4_add(c11, wasm_f32x4_mul(x, b1));
      x = lane(av, 2);
      c20 = wasm_f32x4_add(c20, wasm_f32x4_mul(x, b0)); c21 = wasm_f32x4_add(c21, wasm_f32x4_mul(x, b1));
      x = lane(av, 3);
      c30 = wasm_f32x4_add(c30, wasm_f32x4_mul(x, b0)); c31 = wasm_f32x4_add(c31, wasm_f32x4_mul(x, b1));
    }
    store4x8(C + j, ldc, acc, c00, c01, c10, c11, c20, c21, c30, c31);
  }
  /* Leftover columns: a vector runs over the 4 rows k..k+3 of C instead (C[k..k+3, j] += A[m, k..k+3]·B[m, j]). */
  for (; j < N; j++) {
    v s = wasm_f32x4_splat(0);
    const f32 *a = A, *b = B + j;
    for (int m = 0; m < M; m++, a += lda, b += ldb) {
      v av = wasm_v128_load(a);
      if (relu) av = relu4(av);
      s = wasm_f32x4_add(s, wasm_f32x4_mul(av, wasm_v128_load32_splat(b)));
    }
    f32 *c = C + j;
    if (acc) s = wasm_f32x4_add(s, wasm_f32x4_make(c[0], c[ldc], c[2 * ldc], c[3 * ldc]));
    c[0] = wasm_f32x4_extract_lane(s, 0);
    c[ldc] = wasm_f32x4_extract_lane(s, 1);
    c[2 * ldc] = wasm_f32x4_extract_lane(s, 2);
    c[3 * ldc] = wasm_f32x4_extract_lane(s, 3);
  }
}

/* One row k of C = op(A)[:, k]ᵀ · B. */
static void tn_row1(int M, int N, const f32 *A, int lda, int relu, const f32 *B, int ldb, f32 *C, int acc) {
  int j = 0;
  for (; j + 4 <= N; j += 4) {
    v c0 = wasm_f32x4_splat(0);
    for (int m = 0; m < M; m++) {
      f32 s = relu ? relu1(A[m * lda]) : A[m * lda];
      c0 = wasm_f32x4_add(c0, wasm_f32x4_mul(wasm_f32x4_splat(s), wasm_v128_load(B + m * ldb + j)));
    }
    if (acc) c0 = wasm_f32x4_add(c0, wasm_v128_load(C + j));
    wasm_v128_store(C + j, c0);
  }
  for (; j < N; j++) {
    f32 s = 0;
    for (int m = 0; m < M; m++) s += (relu ? relu1(A[m * lda]) : A[m * lda]) * B[m * ldb + j];
    C[j] = acc ? C[j] + s : s;
  }
}

/* Rows of A (and B) are taken TN_CHUNK at a time: a 4-column panel of A then spans TN_CHUNK cache lines and
   stays in L1 while it meets every column block of B (measured 26–29 → ~35 GFLOP/s at 512 rows). */
#define TN_CHUNK 128

EXPORT(gemm_tn)(int M, int N, int K, const f32 *A, int lda, int reluA, const f32 *B, int ldb, f32 *C, int ldc, int acc) {
  for (int m0 = 0; m0 < M; m0 += TN_CHUNK) {
    int rows = M - m0 < TN_CHUNK ? M - m0 : TN_CHUNK;
    int accum = acc || m0 > 0;
    const f32 *a = A + m0 * lda, *b = B + m0 * ldb;
    int k = 0;
    for (; k + 4 <= K; k += 4) {
      if (reluA) tn_rows4(rows, N, a + k, lda, 1, b, ldb, C + k * ldc, ldc, accum);
      else tn_rows4(rows, N, a + k, lda, 0, b, ldb, C + k * ldc, ldc, accum);
    }
    for (; k < K; k++) tn_row1(rows, N, a + k, lda, reluA, b, ldb, C + k * ldc, accum);
  }
}

/* ---- element-wise passes ---- */

/* dst (N×M) = srcᵀ, src: M×N. */
EXPORT(transpose)(int M, int N, const f32 *src, f32 *dst) {
  for (int i = 0; i < M; i++)
    for (int j = 0; j < N; j++) dst[j * M + i] = src[i * N + j];
}

/* C[m, :] += b for every row (M×N, contiguous), then C = relu(C) if asked. */
EXPORT(add_bias)(int M, int N, f32 *C, const f32 *b, int relu) {
  for (int i = 0; i < M; i++, C += N) {
    int j = 0;
    for (; j + 4 <= N; j += 4) {
      v r = wasm_f32x4_add(wasm_v128_load(C + j), wasm_v128_load(b + j));
      wasm_v128_store(C + j, relu ? relu4(r) : r);
    }
    for (; j < N; j++) C[j] = relu ? relu1(C[j] + b[j]) : C[j] + b[j];
  }
}

/* dst[i] = relu(src[i]). */
EXPORT(relu_copy)(int n, const f32 *src, f32 *dst) {
  int i = 0;
  for (; i + 4 <= n; i += 4) wasm_v128_store(dst + i, relu4(wasm_v128_load(src + i)));
  for (; i < n; i++) dst[i] = relu1(src[i]);
}

/* out[j] = [out[j] +] Σ_m B[m, j] (bias gradients), B: M×N contiguous. */
EXPORT(col_sum)(int M, int N, const f32 *B, f32 *out, int acc) {
  int j = 0;
  for (; j + 4 <= N; j += 4) {
    v s = acc ? wasm_v128_load(out + j) : wasm_f32x4_splat(0);
    for (int m = 0; m < M; m++) s = wasm_f32x4_add(s, wasm_v128_load(B + m * N + j));
    wasm_v128_store(out + j, s);
  }
  for (; j < N; j++) {
    f32 s = acc ? out[j] : 0;
    for (int m = 0; m < M; m++) s += B[m * N + j];
    out[j] = s;
  }
}

/* d[i] = (gate[i] > 0) ? d[i] : 0 — relu's backward in place. */
EXPORT(relu_gate)(int n, f32 *d, const f32 *gate) {
  int i = 0;
  v z = wasm_f32x4_splat(0);
  for (; i + 4 <= n; i += 4) {
    v keep = wasm_f32x4_gt(wasm_v128_load(gate + i), z);
    wasm_v128_store(d + i, wasm_v128_and(wasm_v128_load(d + i), keep));
  }
  for (; i < n; i++) d[i] = gate[i] > 0 ? d[i] : 0;
}

/* acc[i] += (gate[i] > 0) ? t[i] : 0 — a residual stream's gradient plus a gated branch. */
EXPORT(add_gated)(int n, f32 *acc, const f32 *t, const f32 *gate) {
  int i = 0;
  v z = wasm_f32x4_splat(0);
  for (; i + 4 <= n; i += 4) {
    v keep = wasm_f32x4_gt(wasm_v128_load(gate + i), z);
    wasm_v128_store(acc + i, wasm_f32x4_add(wasm_v128_load(acc + i), wasm_v128_and(wasm_v128_load(t + i), keep)));
  }
  for (; i < n; i++) acc[i] += gate[i] > 0 ? t[i] : 0;
}

/* a[i] += b[i]. */
EXPORT(add_into)(int n, f32 *a, const f32 *b) {
  int i = 0;
  for (; i + 4 <= n; i += 4) wasm_v128_store(a + i, wasm_f32x4_add(wasm_v128_load(a + i), wasm_v128_load(b + i)));
  for (; i < n; i++) a[i] += b[i];
}

/* ---- the optimizer step (src/core/train/adam.ts): ~1 ms of JS per step for 300 k parameters, ~0.1 ms here ---- */

/* g *= mask (skipped when mask is 0), and returns Σ g² (accumulated in double). */
__attribute__((export_name("mask_sumsq"))) double mask_sumsq(int n, f32 *g, const f32 *mask) {
  v128_t s0 = wasm_f64x2_splat(0), s1 = s0;
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    v x = wasm_v128_load(g + i);
    if (mask) {
      x = wasm_f32x4_mul(x, wasm_v128_load(mask + i));
      wasm_v128_store(g + i, x);
    }
    v sq = wasm_f32x4_mul(x, x);
    s0 = wasm_f64x2_add(s0, wasm_f64x2_promote_low_f32x4(sq));
    s1 = wasm_f64x2_add(s1, wasm_f64x2_promote_low_f32x4(wasm_i32x4_shuffle(sq, sq, 2, 3, 0, 1)));
  }
  double s = wasm_f64x2_extract_lane(s0, 0) + wasm_f64x2_extract_lane(s0, 1) + wasm_f64x2_extract_lane(s1, 0) + wasm_f64x2_extract_lane(s1, 1);
  for (; i < n; i++) {
    if (mask) g[i] *= mask[i];
    s += (double)g[i] * g[i];
  }
  return s;
}

/* Adam with bias correction (PyTorch's form): g ← gscale·g; m ← β₁m + (1−β₁)g; v ← β₂v + (1−β₂)g²;
   p ← p − stepSize·m / (√v / √c₂ + ε), stepSize = lr / c₁. */
EXPORT(adam_update)(int n, f32 *p, const f32 *g, f32 *m, f32 *vv, f32 gscale, f32 b1, f32 b2, f32 eps, f32 stepSize, f32 sqrtC2) {
  v B1 = wasm_f32x4_splat(b1), B2 = wasm_f32x4_splat(b2), C1 = wasm_f32x4_splat(1 - b1), C2 = wasm_f32x4_splat(1 - b2);
  v GS = wasm_f32x4_splat(gscale), EPS = wasm_f32x4_splat(eps), SS = wasm_f32x4_splat(stepSize), IC2 = wasm_f32x4_splat(1 / sqrtC2);
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    v gi = wasm_f32x4_mul(wasm_v128_load(g + i), GS);
    v mi = wasm_f32x4_add(wasm_f32x4_mul(B1, wasm_v128_load(m + i)), wasm_f32x4_mul(C1, gi));
    v vi = wasm_f32x4_add(wasm_f32x4_mul(B2, wasm_v128_load(vv + i)), wasm_f32x4_mul(C2, wasm_f32x4_mul(gi, gi)));
    wasm_v128_store(m + i, mi);
    wasm_v128_store(vv + i, vi);
    v den = wasm_f32x4_add(wasm_f32x4_mul(wasm_f32x4_sqrt(vi), IC2), EPS);
    wasm_v128_store(p + i, wasm_f32x4_sub(wasm_v128_load(p + i), wasm_f32x4_div(wasm_f32x4_mul(SS, mi), den)));
  }
  for (; i < n; i++) {
    f32 gi = g[i] * gscale;
    f32 mi = m[i] = b1 * m[i] + (1 - b1) * gi;
    f32 vi = vv[i] = b2 * vv[i] + (1 - b2) * gi * gi;
    p[i] -= stepSize * mi / (__builtin_sqrtf(vi) / sqrtC2 + eps);
  }
}

/* ---- the rational-quadratic spline (src/core/spline/kernel.ts is the reference: same formulas, same
   order; this port runs in double inside and reads/writes float32). Called by src/core/ops/spline.ts.
   No libc here, so exp and log are our own (range reduction + series, ~1e-15 relative). ---- */

typedef union { double d; unsigned long long u; } bits64;

/* c[0]·x^(n−1) + … + c[n−1] by Horner's rule, highest coefficient first (unrolled and folded at -O3). */
static inline __attribute__((always_inline)) double horner(const double *c, int n, double x) {
  double p = c[0];
  for (int i = 1; i < n; i++) p = p * x + c[i];
  return p;
}

static double exp_d(double x) {
  if (x < -745.0) return 0.0;
  if (x > 709.0) x = 709.0;
  const double ln2 = 0.6931471805599453, inv_ln2 = 1.4426950408889634;
  double kf = __builtin_floor(x * inv_ln2 + 0.5);
  double r = x - kf * ln2; /* |r| <= ln2/2 */
  /* Taylor to r^13 / 13!: error < 2e-16 relative on |r| <= 0.347 */
  const double taylor[14] = {1.0 / 6227020800.0, 1.0 / 479001600.0, 1.0 / 39916800.0, 1.0 / 3628800.0, 1.0 / 362880.0,
                             1.0 / 40320.0, 1.0 / 5040.0, 1.0 / 720.0, 1.0 / 120.0, 1.0 / 24.0, 1.0 / 6.0, 0.5, 1.0, 1.0};
  double p = horner(taylor, 14, r);
  int k = (int)kf;
  bits64 s;
  if (k < -1022) { /* subnormal result: scale in two steps */
    s.u = (unsigned long long)(k + 1022 + 1023) << 52;
    return p * s.d * 2.2250738585072014e-308;
  }
  s.u = (unsigned long long)(k + 1023) << 52;
  return p * s.d;
}

static double log_d(double x) {
  if (!(x > 0)) return x == 0 ? -__builtin_inf() : __builtin_nan("");
  bits64 b = {x};
  int e = (int)((b.u >> 52) & 0x7ff);
  if (e == 0) { /* subnormal */
    b.d = x * 18014398509481984.0; /* 2^54 */
    e = (int)((b.u >> 52) & 0x7ff) - 54;
  }
  e -= 1023;
  b.u = (b.u & 0x000fffffffffffffULL) | 0x3ff0000000000000ULL; /* m in [1, 2) */
  double m = b.d;
  if (m > 1.4142135623730951) { m *= 0.5; e += 1; }
  /* log m = 2 atanh(s), s = (m − 1)/(m + 1), |s| <= 0.1716 */
  double s = (m - 1.0) / (m + 1.0), s2 = s * s;
  const double atanh[12] = {1.0 / 23, 1.0 / 21, 1.0 / 19, 1.0 / 17, 1.0 / 15, 1.0 / 13, 1.0 / 11, 1.0 / 9, 1.0 / 7, 1.0 / 5, 1.0 / 3, 1.0};
  double t = horner(atanh, 12, s2);
  return 2.0 * s * t + e * 0.6931471805599453;
}

#define MAXK 64

/* The spline's scratch is passed in by the caller, one block per thread (not on the shadow stack, which
   the threads share: no kernel here may use it; test/unit/core/wasm-build.test.ts). */
typedef struct {
  int k;
  double bound, minW, minH, minD, c0;
  double sw[MAXK], sh[MAXK], cw[MAXK + 1], ch[MAXK + 1], dv[MAXK + 1], dg[MAXK + 1];
} Spline;

static void softmax_d(const f32 *raw, int k, double *out) {
  double m = -__builtin_inf(), sum = 0;
  for (int i = 0; i < k; i++) if (raw[i] > m) m = raw[i];
  for (int i = 0; i < k; i++) { out[i] = exp_d(raw[i] - m); sum += out[i]; }
  double inv = 1.0 / sum;
  for (int i = 0; i < k; i++) out[i] *= inv;
}

static void knots_d(const double *soft, int k, double minBin, double bound, double *out) {
  double scale = 1 - k * minBin, span = 2 * bound, acc = 0;
  out[0] = -bound;
  for (int i = 1; i < k; i++) { acc += minBin + scale * soft[i - 1]; out[i] = span * acc - bound; }
  out[k] = bound;
}

static void prepare_d(Spline *s, const f32 *p) {
  softmax_d(p, s->k, s->sw);
  softmax_d(p + s->k, s->k, s->sh);
  knots_d(s->sw, s->k, s->minW, s->bound, s->cw);
  knots_d(s->sh, s->k, s->minH, s->bound, s->ch);
}

static void slopes_d(Spline *s, const f32 *p, int b) {
  int k = s->k;
  const f32 *d = p + 2 * k - 1;
  for (int j = b; j <= b + 1; j++) {
    if (j == 0 || j == k) { s->dv[j] = 1; s->dg[j] = 0; continue; }
    double z = d[j] + s->c0;
    if (z > 0) {
      double e = exp_d(-z);
      s->dv[j] = s->minD + z + log_d(1 + e);
      s->dg[j] = 1 / (1 + e);
    } else {
      double e = exp_d(z);
      s->dv[j] = s->minD + log_d(1 + e);
      s->dg[j] = e / (1 + e);
    }
  }
}

static int locate_d(const double *kn, int k, double v) {
  int b = 0;
  while (b < k - 1 && v >= kn[b + 1]) b++;
  return b;
}

static double solve_xi(double h, double s, double d0, double d1, double dy) {
  double e = d0 + d1 - 2 * s;
  double a = h * (s - d0) + dy * e, b = h * d0 - dy * e, c = -s * dy;
  double disc = b * b - 4 * a * c;
  if (disc < 0) disc = 0;
  double den = -b - __builtin_sqrt(disc);
  double xi = den != 0 ? (2 * c) / den : 0;
  return xi < 0 ? 0 : xi > 1 ? 1 : xi;
}

/* Bytes of one thread's spline scratch. */
__attribute__((export_name("spline_scratch_bytes"))) int spline_scratch_bytes(void) { return (int)sizeof(Spline); }

static void spline_init(Spline *s, int k, double bound, double minW, double minH, double minD) {
  s->k = k; s->bound = bound; s->minW = minW; s->minH = minH; s->minD = minD;
  /* c0 = log(exp(1 − minD) − 1) */
  s->c0 = log_d(exp_d(1 - minD) - 1);
}

/* Forward (inverse = 0: y = f(x); 1: x = f⁻¹(y)) over n rows × d dims; params n·d·(3k−1); logDet n. */
EXPORT(spline_forward)(Spline *S, int n, int d, int k, double bound, double minW, double minH, double minD, int inverse,
                       const f32 *x, const f32 *params, f32 *out, f32 *logDet) {
  if (k > MAXK) return;
  spline_init(S, k, bound, minW, minH, minD);
  int P = 3 * k - 1;
  for (int r = 0; r < n; r++) {
    double ld = 0;
    for (int j = 0; j < d; j++) {
      int idx = r * d + j;
      double v = x[idx];
      if (!(v >= -bound && v <= bound)) { out[idx] = x[idx]; continue; }
      const f32 *p = params + (long)idx * P;
      prepare_d(S, p);
      int b = locate_d(inverse ? S->ch : S->cw, k, v);
      slopes_d(S, p, b);
      double w = S->cw[b + 1] - S->cw[b], h = S->ch[b + 1] - S->ch[b], sl = h / w, d0 = S->dv[b], d1 = S->dv[b + 1], xi;
      if (inverse) {
        xi = solve_xi(h, sl, d0, d1, v - S->ch[b]);
        out[idx] = (f32)(S->cw[b] + w * xi);
      } else {
        xi = (v - S->cw[b]) / w;
        xi = xi < 0 ? 0 : xi > 1 ? 1 : xi;
      }
      double omx = 1 - xi, t = xi * omx, den = sl + (d0 + d1 - 2 * sl) * t;
      if (!inverse) out[idx] = (f32)(S->ch[b] + (h * (sl * xi * xi + d0 * t)) / den);
      double q = d1 * xi * xi + 2 * sl * t + d0 * omx * omx;
      double lf = log_d((sl * sl * q) / (den * den));
      ld += inverse ? -lf : lf;
    }
    logDet[r] = (f32)ld;
  }
}

/* Backward of spline_forward: gOut (n·d) and gLogDet (n) may be 0 (zero); writes gIn (n·d) and gParams. */
EXPORT(spline_backward)(Spline *S, int n, int d, int k, double bound, double minW, double minH, double minD, int inverse,
                        const f32 *x, const f32 *params, const f32 *gOut, const f32 *gLogDet, f32 *gIn, f32 *gParams) {
  if (k > MAXK) return;
  spline_init(S, k, bound, minW, minH, minD);
  int P = 3 * k - 1;
  double span = 2 * bound, scaleW = 1 - k * minW, scaleH = 1 - k * minH;
  for (long i = 0; i < (long)n * d * P; i++) gParams[i] = 0;
  for (int r = 0; r < n; r++) {
    double gl = gLogDet ? gLogDet[r] : 0;
    for (int j = 0; j < d; j++) {
      int idx = r * d + j;
      double v = x[idx], go = gOut ? gOut[idx] : 0;
      if (!(v >= -bound && v <= bound)) { gIn[idx] = (f32)go; continue; }
      const f32 *p = params + (long)idx * P;
      f32 *gp = gParams + (long)idx * P;
      prepare_d(S, p);
      int b = locate_d(inverse ? S->ch : S->cw, k, v);
      slopes_d(S, p, b);
      double w = S->cw[b + 1] - S->cw[b], h = S->ch[b + 1] - S->ch[b], sl = h / w, d0 = S->dv[b], d1 = S->dv[b + 1], xi;
      if (inverse) xi = solve_xi(h, sl, d0, d1, v - S->ch[b]);
      else { xi = (v - S->cw[b]) / w; xi = xi < 0 ? 0 : xi > 1 ? 1 : xi; }
      double omx = 1 - xi, t = xi * omx, e = d0 + d1 - 2 * sl, den = sl + e * t, den2 = den * den;
      double rn = sl * xi * xi + d0 * t, rr = rn / den;
      double q = d1 * xi * xi + 2 * sl * t + d0 * omx * omx;
      double oneM2xi = 1 - 2 * xi, oneM2t = 1 - 2 * t;
      double rXi = (sl * q) / den2, rS = (xi * xi * den - rn * oneM2t) / den2;
      double rD0 = (t * (den - rn)) / den2, rD1 = (-rn * t) / den2;
      double lXi = (2 * d1 * xi + 2 * sl * oneM2xi - 2 * d0 * omx) / q - (2 * e * oneM2xi) / den;
      double lS = 2 / sl + (2 * t) / q - (2 * oneM2t) / den;
      double lD0 = (omx * omx) / q - (2 * t) / den, lD1 = (xi * xi) / q - (2 * t) / den;
      double gCw, gW, gCh, gH, gD0, gD1;
      if (!inverse) {
        double gXi = go * h * rXi + gl * lXi, gS = go * h * rS + gl * lS;
        gIn[idx] = (f32)(gXi / w);
        gCw = -gXi / w;
        gW = -(gXi * xi + gS * sl) / w;
        gCh = go;
        gH = go * rr + gS / w;
        gD0 = go * h * rD0 + gl * lD0;
        gD1 = go * h * rD1 + gl * lD1;
      } else {
        double lam = (go * w - gl * lXi) / (h * rXi);
        gIn[idx] = (f32)lam;
        gCw = go;
        gW = go * xi + (sl / w) * (gl * lS + lam * h * rS);
        gCh = -lam;
        gH = -(gl * lS) / w - lam * (rr + (h * rS) / w);
        gD0 = -gl * lD0 - lam * h * rD0;
        gD1 = -gl * lD1 - lam * h * rD1;
      }
      double below = 0;
      for (int l = 0; l < b; l++) below += S->sw[l];
      double mean = span * (gW * S->sw[b] + gCw * below);
      for (int l = 0; l < k; l++) {
        double g = span * (l < b ? gCw : l == b ? gW : 0);
        gp[l] = (f32)(scaleW * S->sw[l] * (g - mean));
      }
      below = 0;
      for (int l = 0; l < b; l++) below += S->sh[l];
      mean = span * (gH * S->sh[b] + gCh * below);
      for (int l = 0; l < k; l++) {
        double g = span * (l < b ? gCh : l == b ? gH : 0);
        gp[k + l] = (f32)(scaleH * S->sh[l] * (g - mean));
      }
      f32 *gd = gp + 2 * k - 1;
      if (b >= 1) gd[b] += (f32)(gD0 * S->dg[b]);
      if (b + 1 <= k - 1) gd[b + 1] += (f32)(gD1 * S->dg[b + 1]);
    }
  }
}
