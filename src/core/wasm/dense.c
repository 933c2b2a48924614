/*
 * Dense kernels of the fused MLP (src/core/wasm/mlp.ts), for wasm32 with 128-bit SIMD.
 * Built by scripts/build-wasm.mjs (clang --target=wasm32 -msimd128, no libc) into dense.wasm.ts.
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
   fused here; callers pass activations already rectified (src/core/ops/residual-mlp.ts). */
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
