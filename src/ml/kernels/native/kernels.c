// Hand-written wasm SIMD kernels that run on tfjs-backend-wasm's own heap (the module imports its memory and
// owns no memory or stack of its own). Build: src/ml/kernels/native/build.sh -> ../nativeModule.ts.
#include <wasm_simd128.h>

#define EXPORT(name) __attribute__((export_name(#name)))

#define INLINE static inline __attribute__((always_inline))
#define ACC(a, s, v) a = wasm_f32x4_add(a, wasm_f32x4_mul(s, v))

// Filter-gradient accumulation for one tap, input channels c and c + 1 (c1 = 0: c only) and output channels
// o..o + 4*nv over `count` pixels of a row. nv is a compile-time constant after inlining (4, 2 or 1 vectors).
INLINE void fgrad_block(float* tap, const float* xbase, const float* dbase, int co, int xstep, int count, int c, int c1,
                        int o, int nv) {
  float* acc0p = tap + (long)c * co + o;
  float* acc1p = acc0p + co;
  // Fresh accumulators per call, added to memory at the end: a blocked sum, more accurate than one running sum.
  const v128_t z = wasm_f32x4_splat(0.0f);
  v128_t a00 = z, a01 = z, a02 = z, a03 = z, a10 = z, a11 = z, a12 = z, a13 = z;
  const float* xp = xbase + c;
  const float* dp = dbase + o;
  if (c1) {
    for (int j = 0; j < count; j++, xp += xstep, dp += co) {
      const v128_t s0 = wasm_v128_load32_splat(xp), s1 = wasm_v128_load32_splat(xp + 1);
      const v128_t d0 = wasm_v128_load(dp);
      ACC(a00, s0, d0); ACC(a10, s1, d0);
      if (nv > 1) { const v128_t d1 = wasm_v128_load(dp + 4); ACC(a01, s0, d1); ACC(a11, s1, d1); }
      if (nv > 2) {
        const v128_t d2 = wasm_v128_load(dp + 8), d3 = wasm_v128_load(dp + 12);
        ACC(a02, s0, d2); ACC(a03, s0, d3); ACC(a12, s1, d2); ACC(a13, s1, d3);
      }
    }
  } else {
    for (int j = 0; j < count; j++, xp += xstep, dp += co) {
      const v128_t s0 = wasm_v128_load32_splat(xp);
      ACC(a00, s0, wasm_v128_load(dp));
      if (nv > 1) ACC(a01, s0, wasm_v128_load(dp + 4));
      if (nv > 2) { ACC(a02, s0, wasm_v128_load(dp + 8)); ACC(a03, s0, wasm_v128_load(dp + 12)); }
    }
  }
#define ADDTO(p, v) wasm_v128_store(p, wasm_f32x4_add(wasm_v128_load(p), v))
  ADDTO(acc0p, a00);
  if (nv > 1) ADDTO(acc0p + 4, a01);
  if (nv > 2) { ADDTO(acc0p + 8, a02); ADDTO(acc0p + 12, a03); }
  if (c1) {
    ADDTO(acc1p, a10);
    if (nv > 1) ADDTO(acc1p + 4, a11);
    if (nv > 2) { ADDTO(acc1p + 8, a12); ADDTO(acc1p + 12, a13); }
  }
#undef ADDTO
}

// dW[a][b][ci][co] = sum over n, i, j of x[n][i*sh+a-top][j*sw+b-left][ci] * dy[n][i][j][co] (NHWC, HWIO).
// Rows of x and dy stay in L1 while every tap and channel block sweeps them; accumulators for 2 input channels
// x 16 (or 8, or 4) output channels live in SIMD registers across a whole row of pixels.
EXPORT(conv2d_filter_grad)
void conv2d_filter_grad(const float* x, const float* dy, float* dw, int n, int h, int w, int ci, int ho, int wo, int co,
                        int kh, int kw, int sh, int sw, int top, int left) {
  const int total = kh * kw * ci * co;
  for (int t = 0; t < total; t++) dw[t] = 0.0f;
  const int co16 = co - co % 16;
  const int co4 = co - co % 4;
  for (int b = 0; b < n; b++) {
    for (int i = 0; i < ho; i++) {
      const float* dyrow = dy + ((long)(b * ho + i) * wo) * co;
      for (int a = 0; a < kh; a++) {
        const int r = i * sh + a - top;
        if (r < 0 || r >= h) continue;
        const float* xrow = x + ((long)(b * h + r) * w) * ci;
        for (int bb = 0; bb < kw; bb++) {
          // Output columns j whose input column j*sw + bb - left is inside the image.
          int jlo = 0;
          while (jlo < wo && jlo * sw + bb - left < 0) jlo++;
          int jhi = wo;
          while (jhi > jlo && (jhi - 1) * sw + bb - left >= w) jhi--;
          if (jlo >= jhi) continue;
          float* tap = dw + (long)((a * kw + bb) * ci) * co;
          const float* xbase = xrow + (long)(jlo * sw + bb - left) * ci;
          const float* dbase = dyrow + (long)jlo * co;
          const int xstep = sw * ci;
          const int count = jhi - jlo;
          int c = 0;
          for (; c < ci; c += 2) {
            const int c1 = c + 1 < ci;
            int o = 0;
            for (; o < co16; o += 16) fgrad_block(tap, xbase, dbase, co, xstep, count, c, c1, o, 4);
            if (o + 8 <= co4) { fgrad_block(tap, xbase, dbase, co, xstep, count, c, c1, o, 2); o += 8; }
            if (o < co4) { fgrad_block(tap, xbase, dbase, co, xstep, count, c, c1, o, 1); o += 4; }
          }
          // Output channels past the last multiple of 4 (e.g. a 6-class head): SIMD across 4 input channels instead.
          for (int o = co4; o < co; o++) {
            int cc = 0;
            for (; cc + 4 <= ci; cc += 4) {
              v128_t acc = wasm_f32x4_splat(0.0f);
              const float* xp = xbase + cc;
              const float* dp = dbase + o;
              for (int j = 0; j < count; j++, xp += xstep, dp += co) acc = wasm_f32x4_add(acc, wasm_f32x4_mul(wasm_v128_load(xp), wasm_v128_load32_splat(dp)));
              float* accp = tap + (long)cc * co + o;
              accp[0] += wasm_f32x4_extract_lane(acc, 0);
              accp[co] += wasm_f32x4_extract_lane(acc, 1);
              accp[2 * co] += wasm_f32x4_extract_lane(acc, 2);
              accp[3 * co] += wasm_f32x4_extract_lane(acc, 3);
            }
            for (; cc < ci; cc++) {
              const float* xp = xbase + cc;
              const float* dp = dbase + o;
              float a = 0.0f;
              for (int j = 0; j < count; j++, xp += xstep, dp += co) a += xp[0] * dp[0];
              tap[(long)cc * co + o] += a;
            }
          }
        }
      }
    }
  }
}

// One output row, output channels o..o + 4*nv, pixels in pairs: 2 x nv accumulators over every tap and input channel.
INLINE void conv_row_block(const float* x, const float* f, float* yrow, int b, int i, int h, int w, int ci, int wo, int co,
                           int kh, int kw, int sh, int sw, int top, int left, const float* bias, int relu, int o, int nv) {
  const v128_t zero = wasm_f32x4_splat(0.0f);
  for (int j = 0; j < wo; j += 2) {
    const int pair = j + 1 < wo;
    v128_t p00 = zero, p01 = zero, p02 = zero, p03 = zero;
    v128_t p10 = zero, p11 = zero, p12 = zero, p13 = zero;
    for (int a = 0; a < kh; a++) {
      const int r = i * sh + a - top;
      if (r < 0 || r >= h) continue;
      const float* xrow = x + ((long)(b * h + r) * w) * ci;
      for (int bb = 0; bb < kw; bb++) {
        const int col0 = j * sw + bb - left;
        const int col1 = col0 + sw;
        const int ok0 = col0 >= 0 && col0 < w;
        const int ok1 = pair && col1 >= 0 && col1 < w;
        const float* fp = f + (long)((a * kw + bb) * ci) * co + o;
        const float* x0 = xrow + (long)col0 * ci;
        const float* x1 = xrow + (long)col1 * ci;
        if (ok0 && ok1) {
          for (int c = 0; c < ci; c++, fp += co) {
            const v128_t s0 = wasm_v128_load32_splat(x0 + c), s1 = wasm_v128_load32_splat(x1 + c);
            const v128_t f0 = wasm_v128_load(fp);
            ACC(p00, s0, f0); ACC(p10, s1, f0);
            if (nv > 1) { const v128_t f1 = wasm_v128_load(fp + 4); ACC(p01, s0, f1); ACC(p11, s1, f1); }
            if (nv > 2) {
              const v128_t f2 = wasm_v128_load(fp + 8), f3 = wasm_v128_load(fp + 12);
              ACC(p02, s0, f2); ACC(p03, s0, f3); ACC(p12, s1, f2); ACC(p13, s1, f3);
            }
          }
        } else if (ok0) {
          for (int c = 0; c < ci; c++, fp += co) {
            const v128_t s0 = wasm_v128_load32_splat(x0 + c);
            ACC(p00, s0, wasm_v128_load(fp));
            if (nv > 1) ACC(p01, s0, wasm_v128_load(fp + 4));
            if (nv > 2) { ACC(p02, s0, wasm_v128_load(fp + 8)); ACC(p03, s0, wasm_v128_load(fp + 12)); }
          }
        } else if (ok1) {
          for (int c = 0; c < ci; c++, fp += co) {
            const v128_t s1 = wasm_v128_load32_splat(x1 + c);
            ACC(p10, s1, wasm_v128_load(fp));
            if (nv > 1) ACC(p11, s1, wasm_v128_load(fp + 4));
            if (nv > 2) { ACC(p12, s1, wasm_v128_load(fp + 8)); ACC(p13, s1, wasm_v128_load(fp + 12)); }
          }
        }
      }
    }
    if (bias) {
      const v128_t c0 = wasm_v128_load(bias + o);
      p00 = wasm_f32x4_add(p00, c0); p10 = wasm_f32x4_add(p10, c0);
      if (nv > 1) { const v128_t c1 = wasm_v128_load(bias + o + 4); p01 = wasm_f32x4_add(p01, c1); p11 = wasm_f32x4_add(p11, c1); }
      if (nv > 2) {
        const v128_t c2 = wasm_v128_load(bias + o + 8), c3 = wasm_v128_load(bias + o + 12);
        p02 = wasm_f32x4_add(p02, c2); p03 = wasm_f32x4_add(p03, c3); p12 = wasm_f32x4_add(p12, c2); p13 = wasm_f32x4_add(p13, c3);
      }
    }
    if (relu) {
      p00 = wasm_f32x4_max(p00, zero); p01 = wasm_f32x4_max(p01, zero); p02 = wasm_f32x4_max(p02, zero); p03 = wasm_f32x4_max(p03, zero);
      p10 = wasm_f32x4_max(p10, zero); p11 = wasm_f32x4_max(p11, zero); p12 = wasm_f32x4_max(p12, zero); p13 = wasm_f32x4_max(p13, zero);
    }
    float* y0 = yrow + (long)j * co + o;
    wasm_v128_store(y0, p00);
    if (nv > 1) wasm_v128_store(y0 + 4, p01);
    if (nv > 2) { wasm_v128_store(y0 + 8, p02); wasm_v128_store(y0 + 12, p03); }
    if (pair) {
      float* y1 = y0 + co;
      wasm_v128_store(y1, p10);
      if (nv > 1) wasm_v128_store(y1 + 4, p11);
      if (nv > 2) { wasm_v128_store(y1 + 8, p12); wasm_v128_store(y1 + 12, p13); }
    }
  }
}

// y[n][i][j][co] = sum over a, b, ci of x[n][i*sh+a-top][j*sw+b-left][ci] * f[a][b][ci][co] (NHWC, HWIO, zero
// padding). Two output pixels x 16 (8, 4) output channels accumulate in SIMD registers over every tap and input
// channel; the filter slice for a tap stays in L1.
// Optional epilogue (inference with BatchNorm folded into the weights): + bias[co] when bias is not null, then
// max(0, .) when relu is set.
EXPORT(conv2d_forward)
void conv2d_forward(const float* x, const float* f, float* y, int n, int h, int w, int ci, int ho, int wo, int co,
                    int kh, int kw, int sh, int sw, int top, int left, const float* bias, int relu) {
  const int co16 = co - co % 16;
  const int co4 = co - co % 4;
  for (int b = 0; b < n; b++) {
    for (int i = 0; i < ho; i++) {
      float* yrow = y + ((long)(b * ho + i) * wo) * co;
      int o = 0;
      for (; o < co16; o += 16) conv_row_block(x, f, yrow, b, i, h, w, ci, wo, co, kh, kw, sh, sw, top, left, bias, relu, o, 4);
      if (o + 8 <= co4) { conv_row_block(x, f, yrow, b, i, h, w, ci, wo, co, kh, kw, sh, sw, top, left, bias, relu, o, 2); o += 8; }
      if (o < co4) { conv_row_block(x, f, yrow, b, i, h, w, ci, wo, co, kh, kw, sh, sw, top, left, bias, relu, o, 1); o += 4; }
      if (co4 != co) {
        // Output channel counts that are not a multiple of 4 (e.g. a 6-class head): the last few are scalar.
        for (int j = 0; j < wo; j++) {
          float* yp = yrow + (long)j * co;
          for (int o = co4; o < co; o++) yp[o] = 0.0f;
          for (int a = 0; a < kh; a++) {
            const int r = i * sh + a - top;
            if (r < 0 || r >= h) continue;
            for (int bb = 0; bb < kw; bb++) {
              const int col = j * sw + bb - left;
              if (col < 0 || col >= w) continue;
              const float* xp = x + ((long)(b * h + r) * w + col) * ci;
              const float* fp = f + (long)((a * kw + bb) * ci) * co;
              for (int c = 0; c < ci; c++, fp += co) {
                const float s = xp[c];
                for (int o = co4; o < co; o++) yp[o] += s * fp[o];
              }
            }
          }
          for (int o = co4; o < co; o++) {
            float v = yp[o] + (bias ? bias[o] : 0.0f);
            yp[o] = relu && v < 0.0f ? 0.0f : v;
          }
        }
      }
    }
  }
}

// ---- Winograd F(2x2, 3x3): 3x3 stride-1 convolutions with 16 multiplications per 2x2 output tile instead of 36.
// y = A^T [ (G g G^T) . (B^T d B) ] A per tile, the elementwise product summed over input channels as 16 small
// matrix products (one per transform position xi). Tiles are done in blocks whose transformed inputs V and products
// M stay in cache; the filter transform U is computed once per call. Scratch (caller's heap memory, floats):
// 16*ci*co (U) + 16*(tb*ci + 16) (V) + 16*(tb*co + 16) (M): planes are padded by a cache line so that the 16
// streams of a tile's transform do not alias to the same cache sets (tb*ci is often a power of two).

// Row combination B^T applied to four values (vectors): d0 - d2, d1 + d2, d2 - d1, d1 - d3.
#define BT4(d0, d1, d2, d3, t0, t1, t2, t3) \
  t0 = wasm_f32x4_sub(d0, d2); t1 = wasm_f32x4_add(d1, d2); t2 = wasm_f32x4_sub(d2, d1); t3 = wasm_f32x4_sub(d1, d3)

// Filter transform U[xi][c][o] = (G g G^T)[xi] with g[a][b] = f[a][b][c][o] (HWIO), or, when `flip`, the kernel of the
// input gradient: g[a][b] = f[2-a][2-b][o][c] of a forward filter f [3][3][co][ci] (in/out channels swapped).
static void winograd_filter(const float* f, float* u, int ci, int co, int flip) {
  const long plane = (long)ci * co;
  for (int c = 0; c < ci; c++) {
    for (int o = 0; o < co; o++) {
#define G(a, b) (flip ? f[(long)((2 - (a)) * 3 + (2 - (b))) * plane + (long)o * ci + c] : f[(long)((a) * 3 + (b)) * plane + (long)c * co + o])
      // Columns: t[r][b] = (G g)[r][b].
      const float g00 = G(0, 0), g01 = G(0, 1), g02 = G(0, 2);
      const float g10 = G(1, 0), g11 = G(1, 1), g12 = G(1, 2);
      const float g20 = G(2, 0), g21 = G(2, 1), g22 = G(2, 2);
#undef G
      const float t00 = g00, t01 = g01, t02 = g02;
      const float t10 = 0.5f * (g00 + g10 + g20), t11 = 0.5f * (g01 + g11 + g21), t12 = 0.5f * (g02 + g12 + g22);
      const float t20 = 0.5f * (g00 - g10 + g20), t21 = 0.5f * (g01 - g11 + g21), t22 = 0.5f * (g02 - g12 + g22);
      const float t30 = g20, t31 = g21, t32 = g22;
      float* up = u + (long)c * co + o;
#define ROW(r, a0, a1, a2)                                      \
  up[(long)((r) * 4 + 0) * plane] = a0;                         \
  up[(long)((r) * 4 + 1) * plane] = 0.5f * (a0 + a1 + a2);      \
  up[(long)((r) * 4 + 2) * plane] = 0.5f * (a0 - a1 + a2);      \
  up[(long)((r) * 4 + 3) * plane] = a2
      ROW(0, t00, t01, t02); ROW(1, t10, t11, t12); ROW(2, t20, t21, t22); ROW(3, t30, t31, t32);
#undef ROW
    }
  }
}

// M[xi][t][o..o+4nv] = sum over c of V[xi][t][c] * U[xi][c][o..], two tiles at a time (t1 == t0 for an odd last tile).
INLINE void winograd_gemm_block(const float* v0, const float* v1, const float* uo, float* m0, float* m1, int ci, int co, int nv) {
  const v128_t z = wasm_f32x4_splat(0.0f);
  v128_t p00 = z, p01 = z, p02 = z, p03 = z, p10 = z, p11 = z, p12 = z, p13 = z;
  const float* fp = uo;
  for (int c = 0; c < ci; c++, fp += co) {
    const v128_t s0 = wasm_v128_load32_splat(v0 + c), s1 = wasm_v128_load32_splat(v1 + c);
    const v128_t f0 = wasm_v128_load(fp);
    ACC(p00, s0, f0); ACC(p10, s1, f0);
    if (nv > 1) { const v128_t f1 = wasm_v128_load(fp + 4); ACC(p01, s0, f1); ACC(p11, s1, f1); }
    if (nv > 2) {
      const v128_t f2 = wasm_v128_load(fp + 8), f3 = wasm_v128_load(fp + 12);
      ACC(p02, s0, f2); ACC(p03, s0, f3); ACC(p12, s1, f2); ACC(p13, s1, f3);
    }
  }
  wasm_v128_store(m0, p00); wasm_v128_store(m1, p10);
  if (nv > 1) { wasm_v128_store(m0 + 4, p01); wasm_v128_store(m1 + 4, p11); }
  if (nv > 2) { wasm_v128_store(m0 + 8, p02); wasm_v128_store(m0 + 12, p03); wasm_v128_store(m1 + 8, p12); wasm_v128_store(m1 + 12, p13); }
}

// V[xi][k][c] = (B^T d B)[xi] for the block's tiles t0 + k (k < nb): d is the 4x4 input patch (zero outside the image)
// under the 2x2 output tile; 4 channels per vector.
// The transform-domain products of both Winograd tiles: for each of the `points` (16 or 36) transform points,
// M[tile][co] = V[tile][ci] x U[ci][co], two tiles at a time, 16/8/4 output channels per block.
static void winograd_products(int points, const float* vbuf, long vplane, const float* u, long uplane, float* mbuf, long mplane,
                              int nb, int ci, int co) {
  const int co16 = co - co % 16;
  for (int xi = 0; xi < points; xi++) {
    const float* vx = vbuf + xi * vplane;
    const float* ux = u + xi * uplane;
    float* mx = mbuf + xi * mplane;
    for (int k = 0; k < nb; k += 2) {
      const float* v0 = vx + (long)k * ci;
      const float* v1 = k + 1 < nb ? v0 + ci : v0;
      float* m0 = mx + (long)k * co;
      float* m1 = k + 1 < nb ? m0 + co : m0;
      int o = 0;
      for (; o < co16; o += 16) winograd_gemm_block(v0, v1, ux + o, m0 + o, m1 + o, ci, co, 4);
      if (o + 8 <= co) { winograd_gemm_block(v0, v1, ux + o, m0 + o, m1 + o, ci, co, 2); o += 8; }
      if (o < co) winograd_gemm_block(v0, v1, ux + o, m0 + o, m1 + o, ci, co, 1);
    }
  }
}

static void winograd_input_block(const float* x, float* vbuf, long vplane, long t0, int nb, int h, int w, int ci, int tilesH,
                                 int tilesW, int top, int left) {
  const v128_t zero = wasm_f32x4_splat(0.0f);
  for (int k = 0; k < nb; k++) {
    const long t = t0 + k;
    const int b = (int)(t / ((long)tilesH * tilesW));
    const int rem = (int)(t % ((long)tilesH * tilesW));
    const int r0 = (rem / tilesW) * 2 - top, q0 = (rem % tilesW) * 2 - left;
    const int inside = r0 >= 0 && r0 + 3 < h && q0 >= 0 && q0 + 3 < w;
    const float* base = x + ((long)(b * h + r0) * w + q0) * ci;
    const long rs = (long)w * ci;
    float* vp = vbuf + (long)k * ci;
    for (int c = 0; c < ci; c += 4) {
#define LD(r, q) ((inside || (r0 + (r) >= 0 && r0 + (r) < h && q0 + (q) >= 0 && q0 + (q) < w)) ? wasm_v128_load(base + (r) * rs + (q) * ci + c) : zero)
      v128_t d00 = LD(0, 0), d01 = LD(0, 1), d02 = LD(0, 2), d03 = LD(0, 3);
      v128_t d10 = LD(1, 0), d11 = LD(1, 1), d12 = LD(1, 2), d13 = LD(1, 3);
      v128_t d20 = LD(2, 0), d21 = LD(2, 1), d22 = LD(2, 2), d23 = LD(2, 3);
      v128_t d30 = LD(3, 0), d31 = LD(3, 1), d32 = LD(3, 2), d33 = LD(3, 3);
#undef LD
      v128_t t00, t01, t02, t03, t10, t11, t12, t13, t20, t21, t22, t23, t30, t31, t32, t33;
      // Down the columns (B^T d), then along the rows (. B).
      BT4(d00, d10, d20, d30, t00, t10, t20, t30);
      BT4(d01, d11, d21, d31, t01, t11, t21, t31);
      BT4(d02, d12, d22, d32, t02, t12, t22, t32);
      BT4(d03, d13, d23, d33, t03, t13, t23, t33);
      BT4(t00, t01, t02, t03, d00, d01, d02, d03);
      BT4(t10, t11, t12, t13, d10, d11, d12, d13);
      BT4(t20, t21, t22, t23, d20, d21, d22, d23);
      BT4(t30, t31, t32, t33, d30, d31, d32, d33);
      float* q = vp + c;
      wasm_v128_store(q + 0 * vplane, d00); wasm_v128_store(q + 1 * vplane, d01); wasm_v128_store(q + 2 * vplane, d02); wasm_v128_store(q + 3 * vplane, d03);
      wasm_v128_store(q + 4 * vplane, d10); wasm_v128_store(q + 5 * vplane, d11); wasm_v128_store(q + 6 * vplane, d12); wasm_v128_store(q + 7 * vplane, d13);
      wasm_v128_store(q + 8 * vplane, d20); wasm_v128_store(q + 9 * vplane, d21); wasm_v128_store(q + 10 * vplane, d22); wasm_v128_store(q + 11 * vplane, d23);
      wasm_v128_store(q + 12 * vplane, d30); wasm_v128_store(q + 13 * vplane, d31); wasm_v128_store(q + 14 * vplane, d32); wasm_v128_store(q + 15 * vplane, d33);
    }
  }
}

// 3x3, stride 1, zero padding top/left (any output size ho x wo), NHWC; ci % 4 == 0 and co % 4 == 0. `flip`: the
// filter is a forward filter [3][3][co][ci] whose input gradient this computes (see winograd_filter). Optional
// bias + ReLU epilogue as conv2d_forward. `tb`: tiles per block (even).
EXPORT(conv3x3_winograd)
void conv3x3_winograd(const float* x, const float* f, float* y, int n, int h, int w, int ci, int ho, int wo, int co, int top,
                      int left, const float* bias, int relu, int flip, float* scratch, int tb) {
  float* u = scratch;
  const long vplane = (long)tb * ci + 16, mplane = (long)tb * co + 16, uplane = (long)ci * co;
  float* vbuf = u + 16L * uplane;
  float* mbuf = vbuf + 16L * vplane;
  winograd_filter(f, u, ci, co, flip);
  const int tilesH = (ho + 1) / 2, tilesW = (wo + 1) / 2;
  const long tiles = (long)n * tilesH * tilesW;
  const v128_t zero = wasm_f32x4_splat(0.0f);
  for (long t0 = 0; t0 < tiles; t0 += tb) {
    const int nb = tiles - t0 < tb ? (int)(tiles - t0) : tb;
    winograd_input_block(x, vbuf, vplane, t0, nb, h, w, ci, tilesH, tilesW, top, left);
    // 16 products over the input channels.
    winograd_products(16, vbuf, vplane, u, uplane, mbuf, mplane, nb, ci, co);
    // Output transform A^T M A into y (+ bias, ReLU), clipped at odd edges.
    for (int k = 0; k < nb; k++) {
      const long t = t0 + k;
      const int b = (int)(t / ((long)tilesH * tilesW));
      const int rem = (int)(t % ((long)tilesH * tilesW));
      const int i0 = (rem / tilesW) * 2, j0 = (rem % tilesW) * 2;
      const int down = i0 + 1 < ho, right = j0 + 1 < wo;
      float* yp = y + ((long)(b * ho + i0) * wo + j0) * co;
      const float* mp = mbuf + (long)k * co;
      for (int o = 0; o < co; o += 4) {
#define M(xi) wasm_v128_load(mp + (xi) * mplane + o)
        // Rows of A^T: (1, 1, 1, 0) and (0, 1, -1, -1), down the columns first.
        const v128_t m0 = M(0), m1 = M(1), m2 = M(2), m3 = M(3), m4 = M(4), m5 = M(5), m6 = M(6), m7 = M(7);
        const v128_t m8 = M(8), m9 = M(9), m10 = M(10), m11 = M(11), m12 = M(12), m13 = M(13), m14 = M(14), m15 = M(15);
#undef M
        const v128_t s00 = wasm_f32x4_add(wasm_f32x4_add(m0, m4), m8), s01 = wasm_f32x4_add(wasm_f32x4_add(m1, m5), m9);
        const v128_t s02 = wasm_f32x4_add(wasm_f32x4_add(m2, m6), m10), s03 = wasm_f32x4_add(wasm_f32x4_add(m3, m7), m11);
        const v128_t s10 = wasm_f32x4_sub(wasm_f32x4_sub(m4, m8), m12), s11 = wasm_f32x4_sub(wasm_f32x4_sub(m5, m9), m13);
        const v128_t s12 = wasm_f32x4_sub(wasm_f32x4_sub(m6, m10), m14), s13 = wasm_f32x4_sub(wasm_f32x4_sub(m7, m11), m15);
        v128_t y00 = wasm_f32x4_add(wasm_f32x4_add(s00, s01), s02), y01 = wasm_f32x4_sub(wasm_f32x4_sub(s01, s02), s03);
        v128_t y10 = wasm_f32x4_add(wasm_f32x4_add(s10, s11), s12), y11 = wasm_f32x4_sub(wasm_f32x4_sub(s11, s12), s13);
        if (bias) {
          const v128_t bv = wasm_v128_load(bias + o);
          y00 = wasm_f32x4_add(y00, bv); y01 = wasm_f32x4_add(y01, bv); y10 = wasm_f32x4_add(y10, bv); y11 = wasm_f32x4_add(y11, bv);
        }
        if (relu) {
          y00 = wasm_f32x4_max(y00, zero); y01 = wasm_f32x4_max(y01, zero); y10 = wasm_f32x4_max(y10, zero); y11 = wasm_f32x4_max(y11, zero);
        }
        wasm_v128_store(yp + o, y00);
        if (right) wasm_v128_store(yp + co + o, y01);
        if (down) {
          wasm_v128_store(yp + (long)wo * co + o, y10);
          if (right) wasm_v128_store(yp + (long)(wo + 1) * co + o, y11);
        }
      }
    }
  }
}

// ---- Winograd F(4x4, 3x3): 36 multiplications per 4x4 output tile (2.25 per output, F(2x2, 3x3) needs 4), with
// Lavin & Gray's transforms on the points 0, +-1, +-2, infinity. Same blocking as conv3x3_winograd with 36 planes.
// Scratch (floats): 36*ci*co (U) + 36*(tb*ci + 16) (V) + 36*(tb*co + 16) (M).

// B^T rows: (4,0,-5,0,1,0), (0,-4,-4,1,1,0), (0,4,-4,-1,1,0), (0,-2,-1,2,1,0), (0,2,-1,-2,1,0), (0,4,0,-5,0,1).
#define BT6(d0, d1, d2, d3, d4, d5, t0, t1, t2, t3, t4, t5)                                              \
  do {                                                                                                    \
    const v128_t w_s12 = wasm_f32x4_add(d1, d2), w_d12 = wasm_f32x4_sub(d1, d2);                              \
    const v128_t w_s34 = wasm_f32x4_add(d3, d4), w_d43 = wasm_f32x4_sub(d4, d3);                              \
    const v128_t w_e42 = wasm_f32x4_sub(d4, d2), w_d31 = wasm_f32x4_sub(d3, d1);                              \
    t0 = wasm_f32x4_add(wasm_f32x4_sub(wasm_f32x4_mul(four, d0), wasm_f32x4_mul(five, d2)), d4);          \
    t1 = wasm_f32x4_sub(w_s34, wasm_f32x4_mul(four, w_s12));                                                  \
    t2 = wasm_f32x4_add(w_d43, wasm_f32x4_mul(four, w_d12));                                                  \
    t3 = wasm_f32x4_add(w_e42, wasm_f32x4_add(w_d31, w_d31));                                                   \
    t4 = wasm_f32x4_sub(w_e42, wasm_f32x4_add(w_d31, w_d31));                                                   \
    t5 = wasm_f32x4_add(wasm_f32x4_sub(wasm_f32x4_mul(four, d1), wasm_f32x4_mul(five, d3)), d5);          \
  } while (0)

// A^T rows: (1,1,1,1,1,0), (0,1,-1,2,-2,0), (0,1,1,4,4,0), (0,1,-1,8,-8,1).
#define AT6(m0, m1, m2, m3, m4, m5, o0, o1, o2, o3)                                                       \
  do {                                                                                                    \
    const v128_t w_s12 = wasm_f32x4_add(m1, m2), w_d12 = wasm_f32x4_sub(m1, m2);                              \
    const v128_t w_s34 = wasm_f32x4_add(m3, m4), w_d34 = wasm_f32x4_sub(m3, m4);                              \
    o0 = wasm_f32x4_add(wasm_f32x4_add(m0, w_s12), w_s34);                                                    \
    o1 = wasm_f32x4_add(w_d12, wasm_f32x4_add(w_d34, w_d34));                                                   \
    o2 = wasm_f32x4_add(w_s12, wasm_f32x4_mul(four, w_s34));                                                  \
    o3 = wasm_f32x4_add(wasm_f32x4_add(w_d12, wasm_f32x4_mul(eight, w_d34)), m5);                             \
  } while (0)

// U[xi][c][o] = (G g G^T)[xi], G rows: (1/4,0,0), (-1/6,-1/6,-1/6), (-1/6,1/6,-1/6), (1/24,1/12,1/6),
// (1/24,-1/12,1/6), (0,0,1); g as in winograd_filter (flip: the input gradient's kernel).
static void winograd4_filter(const float* f, float* u, int ci, int co, int flip) {
  const long plane = (long)ci * co;
#define G6(a, b, c, r0, r1, r2, r3, r4, r5)                                  \
  const float r0 = (a) * 0.25f;                                              \
  const float r1 = -((a) + (b) + (c)) * (1.0f / 6.0f);                       \
  const float r2 = -((a) - (b) + (c)) * (1.0f / 6.0f);                       \
  const float r3 = (a) * (1.0f / 24.0f) + (b) * (1.0f / 12.0f) + (c) * (1.0f / 6.0f); \
  const float r4 = (a) * (1.0f / 24.0f) - (b) * (1.0f / 12.0f) + (c) * (1.0f / 6.0f); \
  const float r5 = (c)
  for (int c = 0; c < ci; c++) {
    for (int o = 0; o < co; o++) {
#define G(a, b) (flip ? f[(long)((2 - (a)) * 3 + (2 - (b))) * plane + (long)o * ci + c] : f[(long)((a) * 3 + (b)) * plane + (long)c * co + o])
      const float g00 = G(0, 0), g01 = G(0, 1), g02 = G(0, 2);
      const float g10 = G(1, 0), g11 = G(1, 1), g12 = G(1, 2);
      const float g20 = G(2, 0), g21 = G(2, 1), g22 = G(2, 2);
#undef G
      // Down the columns: t[r][b].
      G6(g00, g10, g20, t00, t10, t20, t30, t40, t50);
      G6(g01, g11, g21, t01, t11, t21, t31, t41, t51);
      G6(g02, g12, g22, t02, t12, t22, t32, t42, t52);
      float* up = u + (long)c * co + o;
#define ROW6(r, a0, a1, a2)                                       \
  do {                                                            \
    G6(a0, a1, a2, q0, q1, q2, q3, q4, q5);                       \
    up[(long)((r) * 6 + 0) * plane] = q0;                         \
    up[(long)((r) * 6 + 1) * plane] = q1;                         \
    up[(long)((r) * 6 + 2) * plane] = q2;                         \
    up[(long)((r) * 6 + 3) * plane] = q3;                         \
    up[(long)((r) * 6 + 4) * plane] = q4;                         \
    up[(long)((r) * 6 + 5) * plane] = q5;                         \
  } while (0)
      ROW6(0, t00, t01, t02); ROW6(1, t10, t11, t12); ROW6(2, t20, t21, t22);
      ROW6(3, t30, t31, t32); ROW6(4, t40, t41, t42); ROW6(5, t50, t51, t52);
#undef ROW6
    }
  }
#undef G6
}

// As conv3x3_winograd (same arguments and conditions) with 4x4 output tiles; tb: tiles per block (even).
EXPORT(conv3x3_winograd4)
void conv3x3_winograd4(const float* x, const float* f, float* y, int n, int h, int w, int ci, int ho, int wo, int co, int top,
                       int left, const float* bias, int relu, int flip, float* scratch, int tb) {
  const long vplane = (long)tb * ci + 16, mplane = (long)tb * co + 16, uplane = (long)ci * co;
  float* u = scratch;
  float* vbuf = u + 36L * uplane;
  float* mbuf = vbuf + 36L * vplane;
  winograd4_filter(f, u, ci, co, flip);
  const int tilesH = (ho + 3) / 4, tilesW = (wo + 3) / 4;
  const long tiles = (long)n * tilesH * tilesW;
  const v128_t zero = wasm_f32x4_splat(0.0f), four = wasm_f32x4_splat(4.0f), five = wasm_f32x4_splat(5.0f);
  const v128_t eight = wasm_f32x4_splat(8.0f);
  const long rs = (long)w * ci;
  for (long t0 = 0; t0 < tiles; t0 += tb) {
    const int nb = tiles - t0 < tb ? (int)(tiles - t0) : tb;
    for (int k = 0; k < nb; k++) {
      const long t = t0 + k;
      const int b = (int)(t / ((long)tilesH * tilesW));
      const int rem = (int)(t % ((long)tilesH * tilesW));
      const int r0 = (rem / tilesW) * 4 - top, q0 = (rem % tilesW) * 4 - left;
      const int inside = r0 >= 0 && r0 + 5 < h && q0 >= 0 && q0 + 5 < w;
      const float* base = x + ((long)(b * h + r0) * w + q0) * ci;
      float* vp = vbuf + (long)k * ci;
      for (int c = 0; c < ci; c += 4) {
#define LD(r, q) ((inside || (r0 + (r) >= 0 && r0 + (r) < h && q0 + (q) >= 0 && q0 + (q) < w)) ? wasm_v128_load(base + (r) * rs + (q) * ci + c) : zero)
        v128_t t00, t01, t02, t03, t04, t05, t10, t11, t12, t13, t14, t15, t20, t21, t22, t23, t24, t25;
        v128_t t30, t31, t32, t33, t34, t35, t40, t41, t42, t43, t44, t45, t50, t51, t52, t53, t54, t55;
        // Down each column q: t[.][q] = B^T d[.][q].
#define COL(q) BT6(LD(0, q), LD(1, q), LD(2, q), LD(3, q), LD(4, q), LD(5, q), t0##q, t1##q, t2##q, t3##q, t4##q, t5##q)
        COL(0); COL(1); COL(2); COL(3); COL(4); COL(5);
#undef COL
#undef LD
        float* qp = vp + c;
        // Along each row r: V[r][.] = t[r][.] B.
#define ROWV(r)                                                                                              \
  do {                                                                                                       \
    v128_t v0, v1, v2, v3, v4, v5;                                                                           \
    BT6(t##r##0, t##r##1, t##r##2, t##r##3, t##r##4, t##r##5, v0, v1, v2, v3, v4, v5);                       \
    wasm_v128_store(qp + ((r) * 6 + 0) * vplane, v0); wasm_v128_store(qp + ((r) * 6 + 1) * vplane, v1);      \
    wasm_v128_store(qp + ((r) * 6 + 2) * vplane, v2); wasm_v128_store(qp + ((r) * 6 + 3) * vplane, v3);      \
    wasm_v128_store(qp + ((r) * 6 + 4) * vplane, v4); wasm_v128_store(qp + ((r) * 6 + 5) * vplane, v5);      \
  } while (0)
        ROWV(0); ROWV(1); ROWV(2); ROWV(3); ROWV(4); ROWV(5);
#undef ROWV
      }
    }
    winograd_products(36, vbuf, vplane, u, uplane, mbuf, mplane, nb, ci, co);
    for (int k = 0; k < nb; k++) {
      const long t = t0 + k;
      const int b = (int)(t / ((long)tilesH * tilesW));
      const int rem = (int)(t % ((long)tilesH * tilesW));
      const int i0 = (rem / tilesW) * 4, j0 = (rem % tilesW) * 4;
      const int rows = ho - i0 < 4 ? ho - i0 : 4, cols = wo - j0 < 4 ? wo - j0 : 4;
      float* yp = y + ((long)(b * ho + i0) * wo + j0) * co;
      const float* mp = mbuf + (long)k * co;
      for (int o = 0; o < co; o += 4) {
#define M(r, q) wasm_v128_load(mp + ((r) * 6 + (q)) * mplane + o)
        v128_t s00, s01, s02, s03, s04, s05, s10, s11, s12, s13, s14, s15;
        v128_t s20, s21, s22, s23, s24, s25, s30, s31, s32, s33, s34, s35;
        // Down each column q: s[.][q] = A^T M[.][q].
#define COL(q) AT6(M(0, q), M(1, q), M(2, q), M(3, q), M(4, q), M(5, q), s0##q, s1##q, s2##q, s3##q)
        COL(0); COL(1); COL(2); COL(3); COL(4); COL(5);
#undef COL
#undef M
        const v128_t bv = bias ? wasm_v128_load(bias + o) : zero;
        // Along each row i: y[i][.] = s[i][.] A, + bias, ReLU, clipped to the output.
#define ROWY(i)                                                                                              \
  if ((i) < rows) {                                                                                          \
    v128_t y0, y1, y2, y3;                                                                                   \
    AT6(s##i##0, s##i##1, s##i##2, s##i##3, s##i##4, s##i##5, y0, y1, y2, y3);                               \
    if (bias) { y0 = wasm_f32x4_add(y0, bv); y1 = wasm_f32x4_add(y1, bv); y2 = wasm_f32x4_add(y2, bv); y3 = wasm_f32x4_add(y3, bv); } \
    if (relu) { y0 = wasm_f32x4_max(y0, zero); y1 = wasm_f32x4_max(y1, zero); y2 = wasm_f32x4_max(y2, zero); y3 = wasm_f32x4_max(y3, zero); } \
    float* yr = yp + (long)(i) * wo * co + o;                                                                \
    wasm_v128_store(yr, y0);                                                                                 \
    if (cols > 1) wasm_v128_store(yr + co, y1);                                                              \
    if (cols > 2) wasm_v128_store(yr + 2 * co, y2);                                                          \
    if (cols > 3) wasm_v128_store(yr + 3 * co, y3);                                                          \
  }
        ROWY(0) ROWY(1) ROWY(2) ROWY(3)
#undef ROWY
      }
    }
  }
}

// Filter gradient of a 3x3 stride-1 convolution as Winograd F(3x3, 2x2) (the transposed algorithm of the forward
// one): per 2x2 tile of dy, dW += G^T [ (B^T x B) . (A dy A^T) ] G, where x is the 4x4 input patch under the tile.
// The elementwise products are summed over all tiles first, as 16 matrix products M[xi] = V[xi]^T W[xi]
// (ci x tiles x co), and transformed once at the end: 16 multiplications per 2x2 pixels instead of 36. Scratch
// (floats): 16*ci*co (M) + 16*(tb*ci + 16) (V) + 16*(tb*co + 16) (W).
EXPORT(conv3x3_winograd_filter_grad)
void conv3x3_winograd_filter_grad(const float* x, const float* dy, float* dw, int n, int h, int w, int ci, int ho, int wo, int co,
                                  int top, int left, float* scratch, int tb) {
  const long vplane = (long)tb * ci + 16, wplane = (long)tb * co + 16, mplane = (long)ci * co;
  float* mbuf = scratch;
  float* vbuf = mbuf + 16L * mplane;
  float* wbuf = vbuf + 16L * vplane;
  for (long k = 0; k < 16L * mplane; k++) mbuf[k] = 0.0f;
  const int tilesH = (ho + 1) / 2, tilesW = (wo + 1) / 2;
  const long tiles = (long)n * tilesH * tilesW;
  const int co16 = co - co % 16;
  const v128_t zero = wasm_f32x4_splat(0.0f);
  for (long t0 = 0; t0 < tiles; t0 += tb) {
    const int nb = tiles - t0 < tb ? (int)(tiles - t0) : tb;
    winograd_input_block(x, vbuf, vplane, t0, nb, h, w, ci, tilesH, tilesW, top, left);
    // W[xi][k][o] = (A z A^T)[xi] for the 2x2 dy tile z (zero beyond the output's edge); A's rows: (1, 0), (1, 1),
    // (1, -1), (0, -1).
    for (int k = 0; k < nb; k++) {
      const long t = t0 + k;
      const int b = (int)(t / ((long)tilesH * tilesW));
      const int rem = (int)(t % ((long)tilesH * tilesW));
      const int i0 = (rem / tilesW) * 2, j0 = (rem % tilesW) * 2;
      const int down = i0 + 1 < ho, right = j0 + 1 < wo;
      const float* zp = dy + ((long)(b * ho + i0) * wo + j0) * co;
      float* wp = wbuf + (long)k * co;
      for (int o = 0; o < co; o += 4) {
        const v128_t z00 = wasm_v128_load(zp + o);
        const v128_t z01 = right ? wasm_v128_load(zp + co + o) : zero;
        const v128_t z10 = down ? wasm_v128_load(zp + (long)wo * co + o) : zero;
        const v128_t z11 = down && right ? wasm_v128_load(zp + (long)(wo + 1) * co + o) : zero;
        // Rows: e_r = (z0, z0 + z1, z0 - z1, -z1) down each column, then the same along each row.
        const v128_t e00 = z00, e01 = z01;
        const v128_t e10 = wasm_f32x4_add(z00, z10), e11 = wasm_f32x4_add(z01, z11);
        const v128_t e20 = wasm_f32x4_sub(z00, z10), e21 = wasm_f32x4_sub(z01, z11);
        const v128_t e30 = wasm_f32x4_neg(z10), e31 = wasm_f32x4_neg(z11);
        float* q = wp + o;
#define ROW4(r, a0, a1)                                                        \
  wasm_v128_store(q + ((r) * 4 + 0) * wplane, a0);                             \
  wasm_v128_store(q + ((r) * 4 + 1) * wplane, wasm_f32x4_add(a0, a1));         \
  wasm_v128_store(q + ((r) * 4 + 2) * wplane, wasm_f32x4_sub(a0, a1));         \
  wasm_v128_store(q + ((r) * 4 + 3) * wplane, wasm_f32x4_neg(a1))
        ROW4(0, e00, e01); ROW4(1, e10, e11); ROW4(2, e20, e21); ROW4(3, e30, e31);
#undef ROW4
      }
    }
    // M[xi] += V[xi]^T W[xi] over the block's tiles: 2 input channels x 16 (8, 4) output channels in registers.
    for (int xi = 0; xi < 16; xi++) {
      float* mx = mbuf + xi * mplane;
      const float* vx = vbuf + xi * vplane;
      const float* wx = wbuf + xi * wplane;
      for (int c = 0; c < ci; c += 2) {
        int o = 0;
        for (; o < co16; o += 16) fgrad_block(mx, vx, wx, co, ci, nb, c, 1, o, 4);
        if (o + 8 <= co) { fgrad_block(mx, vx, wx, co, ci, nb, c, 1, o, 2); o += 8; }
        if (o < co) fgrad_block(mx, vx, wx, co, ci, nb, c, 1, o, 1);
      }
    }
  }
  // dW[a][b] = (G^T M G)[a][b]; G^T's rows: (1, 1/2, 1/2, 0), (0, 1/2, -1/2, 0), (0, 1/2, 1/2, 1).
  for (long e = 0; e < mplane; e++) {
#define MM(r, q) mbuf[((r) * 4 + (q)) * mplane + e]
#define COL3(q, s0, s1, s2)                                   \
    const float s0 = MM(0, q) + 0.5f * (MM(1, q) + MM(2, q)); \
    const float s1 = 0.5f * (MM(1, q) - MM(2, q));            \
    const float s2 = 0.5f * (MM(1, q) + MM(2, q)) + MM(3, q)
    COL3(0, a00, a10, a20); COL3(1, a01, a11, a21); COL3(2, a02, a12, a22); COL3(3, a03, a13, a23);
#undef COL3
#undef MM
#define OUT(a, s0, s1, s2, s3)                                           \
    dw[(long)((a) * 3 + 0) * mplane + e] = s0 + 0.5f * (s1 + s2);        \
    dw[(long)((a) * 3 + 1) * mplane + e] = 0.5f * (s1 - s2);             \
    dw[(long)((a) * 3 + 2) * mplane + e] = 0.5f * (s1 + s2) + s3
    OUT(0, a00, a01, a02, a03); OUT(1, a10, a11, a12, a13); OUT(2, a20, a21, a22, a23);
#undef OUT
  }
}

// Training-mode BatchNorm + ReLU over NHWC data with c % 4 == 0. Statistics are shifted sums (shift = first
// pixel) in float32 over blocks of 64 pixels, flushed into float64. No arrays or address-taken locals: the module
// must not touch a stack in memory it does not own.
#define FLUSH4(dst, off, v)                                              \
  do {                                                                   \
    (dst)[(off) + 0] += (double)wasm_f32x4_extract_lane((v), 0);         \
    (dst)[(off) + 1] += (double)wasm_f32x4_extract_lane((v), 1);         \
    (dst)[(off) + 2] += (double)wasm_f32x4_extract_lane((v), 2);         \
    (dst)[(off) + 3] += (double)wasm_f32x4_extract_lane((v), 3);         \
  } while (0)

static void bn_stats4(const float* x, long start, long count, int c, int g0, double* s1, double* s2) {
  const v128_t shift = wasm_v128_load(x + g0);
  long p = start;
  while (p < count) {
    const long end = p + 64 < count ? p + 64 : count;
    v128_t a1 = wasm_f32x4_splat(0.0f), a2 = a1;
    for (; p < end; p++) {
      const v128_t d = wasm_f32x4_sub(wasm_v128_load(x + p * c + g0), shift);
      a1 = wasm_f32x4_add(a1, d);
      a2 = wasm_f32x4_add(a2, wasm_f32x4_mul(d, d));
    }
    FLUSH4(s1, g0, a1);
    FLUSH4(s2, g0, a2);
  }
}

static void bn_stats16(const float* x, long start, long count, int c, int g0, double* s1, double* s2) {
  const float* x0 = x + g0;
  const v128_t h0 = wasm_v128_load(x0), h1 = wasm_v128_load(x0 + 4), h2 = wasm_v128_load(x0 + 8), h3 = wasm_v128_load(x0 + 12);
  long p = start;
  while (p < count) {
    const long end = p + 64 < count ? p + 64 : count;
    v128_t a0 = wasm_f32x4_splat(0.0f), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
    for (; p < end; p++) {
      const float* xp = x0 + p * c;
      const v128_t d0 = wasm_f32x4_sub(wasm_v128_load(xp), h0), d1 = wasm_f32x4_sub(wasm_v128_load(xp + 4), h1);
      const v128_t d2 = wasm_f32x4_sub(wasm_v128_load(xp + 8), h2), d3 = wasm_f32x4_sub(wasm_v128_load(xp + 12), h3);
      a0 = wasm_f32x4_add(a0, d0); a1 = wasm_f32x4_add(a1, d1); a2 = wasm_f32x4_add(a2, d2); a3 = wasm_f32x4_add(a3, d3);
      b0 = wasm_f32x4_add(b0, wasm_f32x4_mul(d0, d0)); b1 = wasm_f32x4_add(b1, wasm_f32x4_mul(d1, d1));
      b2 = wasm_f32x4_add(b2, wasm_f32x4_mul(d2, d2)); b3 = wasm_f32x4_add(b3, wasm_f32x4_mul(d3, d3));
    }
    FLUSH4(s1, g0, a0); FLUSH4(s1, g0 + 4, a1); FLUSH4(s1, g0 + 8, a2); FLUSH4(s1, g0 + 12, a3);
    FLUSH4(s2, g0, b0); FLUSH4(s2, g0 + 4, b1); FLUSH4(s2, g0 + 8, b2); FLUSH4(s2, g0 + 12, b3);
  }
}

// Forward: mean, biased variance, y = max(0, (x - mean) * gamma / sqrt(var + eps) + beta). `scratch` holds
// 4*c doubles (caller-provided heap memory: this module has no memory of its own).
EXPORT(bn_relu_forward)
void bn_relu_forward(const float* x, const float* gamma, const float* beta, float* y, float* mean, float* var,
                     long count, int c, float eps, double* scratch) {
  double* s1 = scratch;
  double* s2 = scratch + c;
  float* scale = (float*)(scratch + 2 * c);
  for (int k = 0; k < 2 * c; k++) scratch[k] = 0.0;
  // Pixel blocks outside, channel groups inside: the tensor is read from memory once, each block from L1.
  for (long p0 = 0; p0 < count; p0 += 64) {
    const long p1 = p0 + 64 < count ? p0 + 64 : count;
    int g0 = 0;
    for (; g0 + 16 <= c; g0 += 16) bn_stats16(x, p0, p1, c, g0, s1, s2);
    for (; g0 < c; g0 += 4) bn_stats4(x, p0, p1, c, g0, s1, s2);
  }
  for (int k = 0; k < c; k++) {
    const double mu = s1[k] / (double)count;
    const double shift = x[k];
    mean[k] = (float)(shift + mu);
    double v = s2[k] / (double)count - mu * mu;
    var[k] = (float)(v > 0 ? v : 0);
    scale[k] = gamma[k] / __builtin_sqrtf(var[k] + eps);
  }
  const v128_t zero = wasm_f32x4_splat(0.0f);
  // One sequential sweep; the per-channel constants are re-read from L1.
  for (long p = 0; p < count; p++) {
    for (int g0 = 0; g0 < c; g0 += 4) {
      const long i = p * c + g0;
      const v128_t t = wasm_f32x4_add(wasm_f32x4_mul(wasm_f32x4_sub(wasm_v128_load(x + i), wasm_v128_load(mean + g0)),
                                                     wasm_v128_load(scale + g0)), wasm_v128_load(beta + g0));
      wasm_v128_store(y + i, wasm_f32x4_max(t, zero));
    }
  }
}

// Gradient sums for 4 / 16 channels: sum of g = dy*[y>0] and of g*(x - mean), block float32 then float64.
static void bn_grad_sums4(const float* dy, const float* x, const float* y, const float* mean, long start, long count, int c, int g0,
                          double* sg, double* sgx) {
  const v128_t zero = wasm_f32x4_splat(0.0f);
  const v128_t m = wasm_v128_load(mean + g0);
  long p = start;
  while (p < count) {
    const long end = p + 64 < count ? p + 64 : count;
    v128_t a1 = zero, a2 = zero;
    for (; p < end; p++) {
      const long i = p * c + g0;
      const v128_t g = wasm_v128_and(wasm_v128_load(dy + i), wasm_f32x4_gt(wasm_v128_load(y + i), zero));
      a1 = wasm_f32x4_add(a1, g);
      a2 = wasm_f32x4_add(a2, wasm_f32x4_mul(g, wasm_f32x4_sub(wasm_v128_load(x + i), m)));
    }
    FLUSH4(sg, g0, a1);
    FLUSH4(sgx, g0, a2);
  }
}

#define BN_GRAD_LANE(k, a1, a2, mk)                                                                        \
  do {                                                                                                     \
    const v128_t g = wasm_v128_and(wasm_v128_load(dp + (k)), wasm_f32x4_gt(wasm_v128_load(yp + (k)), zero)); \
    a1 = wasm_f32x4_add(a1, g);                                                                            \
    a2 = wasm_f32x4_add(a2, wasm_f32x4_mul(g, wasm_f32x4_sub(wasm_v128_load(xp + (k)), mk)));               \
  } while (0)

static void bn_grad_sums16(const float* dy, const float* x, const float* y, const float* mean, long start, long count, int c, int g0,
                           double* sg, double* sgx) {
  const v128_t zero = wasm_f32x4_splat(0.0f);
  const v128_t m0 = wasm_v128_load(mean + g0), m1 = wasm_v128_load(mean + g0 + 4);
  const v128_t m2 = wasm_v128_load(mean + g0 + 8), m3 = wasm_v128_load(mean + g0 + 12);
  long p = start;
  while (p < count) {
    const long end = p + 64 < count ? p + 64 : count;
    v128_t a0 = zero, a1 = zero, a2 = zero, a3 = zero, b0 = zero, b1 = zero, b2 = zero, b3 = zero;
    for (; p < end; p++) {
      const long i = p * c + g0;
      const float* dp = dy + i;
      const float* yp = y + i;
      const float* xp = x + i;
      BN_GRAD_LANE(0, a0, b0, m0);
      BN_GRAD_LANE(4, a1, b1, m1);
      BN_GRAD_LANE(8, a2, b2, m2);
      BN_GRAD_LANE(12, a3, b3, m3);
    }
    FLUSH4(sg, g0, a0); FLUSH4(sg, g0 + 4, a1); FLUSH4(sg, g0 + 8, a2); FLUSH4(sg, g0 + 12, a3);
    FLUSH4(sgx, g0, b0); FLUSH4(sgx, g0 + 4, b1); FLUSH4(sgx, g0 + 8, b2); FLUSH4(sgx, g0 + 12, b3);
  }
}

// Backward: with g = dy * [y > 0], dbeta = sum g, dgamma = r * sum g (x - mean), r = 1/sqrt(var + eps),
// dx = gamma r g - gamma r^2 dgamma / M (x - mean) - gamma r dbeta / M. `scratch`: 5*c doubles.
EXPORT(bn_relu_backward)
void bn_relu_backward(const float* dy, const float* x, const float* y, const float* gamma, const float* mean, const float* var,
                      float* dx, float* dgamma, float* dbeta, long count, int c, float eps, double* scratch) {
  double* sg = scratch;
  double* sgx = scratch + c;
  float* ca = (float*)(scratch + 2 * c);
  float* cb = ca + c;
  float* cd = cb + c;
  for (int k = 0; k < 2 * c; k++) scratch[k] = 0.0;
  for (long p0 = 0; p0 < count; p0 += 64) {
    const long p1 = p0 + 64 < count ? p0 + 64 : count;
    int g0 = 0;
    for (; g0 + 16 <= c; g0 += 16) bn_grad_sums16(dy, x, y, mean, p0, p1, c, g0, sg, sgx);
    for (; g0 < c; g0 += 4) bn_grad_sums4(dy, x, y, mean, p0, p1, c, g0, sg, sgx);
  }
  for (int k = 0; k < c; k++) {
    const float r = 1.0f / __builtin_sqrtf(var[k] + eps);
    dbeta[k] = (float)sg[k];
    dgamma[k] = (float)sgx[k] * r;
    ca[k] = gamma[k] * r;
    cb[k] = -gamma[k] * r * r * dgamma[k] / (float)count;
    cd[k] = -gamma[k] * r * dbeta[k] / (float)count;
  }
  const v128_t zero = wasm_f32x4_splat(0.0f);
  // One sequential sweep; the per-channel constants are re-read from L1.
  for (long p = 0; p < count; p++) {
    for (int k = 0; k < c; k += 4) {
      const long i = p * c + k;
      const v128_t g = wasm_v128_and(wasm_v128_load(dy + i), wasm_f32x4_gt(wasm_v128_load(y + i), zero));
      const v128_t xm = wasm_f32x4_sub(wasm_v128_load(x + i), wasm_v128_load(mean + k));
      const v128_t t = wasm_f32x4_add(wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(ca + k), g), wasm_f32x4_mul(wasm_v128_load(cb + k), xm)),
                                      wasm_v128_load(cd + k));
      wasm_v128_store(dx + i, t);
    }
  }
}

// out[j] = sum over r of x[r*inner + j] (a sum over leading axes, e.g. a bias gradient). Float32 partial sums over
// blocks of 64 rows are flushed into float64 (`scratch`: inner doubles), so long sums keep their digits.
EXPORT(sum_leading)
void sum_leading(const float* x, float* out, long rows, int inner, double* scratch) {
  for (int j = 0; j < inner; j++) scratch[j] = 0.0;
  const int inner4 = inner - inner % 4;
  long r = 0;
  while (r < rows) {
    const long end = r + 64 < rows ? r + 64 : rows;
    for (int j = 0; j < inner4; j += 4) {
      v128_t a = wasm_f32x4_splat(0.0f);
      for (long q = r; q < end; q++) a = wasm_f32x4_add(a, wasm_v128_load(x + q * inner + j));
      FLUSH4(scratch, j, a);
    }
    for (int j = inner4; j < inner; j++) {
      float a = 0.0f;
      for (long q = r; q < end; q++) a += x[q * inner + j];
      scratch[j] += (double)a;
    }
    r = end;
  }
  for (int j = 0; j < inner; j++) out[j] = (float)scratch[j];
}

// exp(x) for x <= 0 (shifted logits), 4 lanes, as Cephes' expf: x = n ln2 + r with |r| <= ln2/2 (ln2 in two parts),
// e^r by its degree-7 Taylor-minimax polynomial, 2^n from exponent bits; ~1 ulp. x < -87 gives ~1e-38, not 0.
static inline v128_t exp_nonpositive(v128_t x) {
  x = wasm_f32x4_max(x, wasm_f32x4_splat(-87.0f));
  const v128_t n = wasm_f32x4_nearest(wasm_f32x4_mul(x, wasm_f32x4_splat(1.44269504088896341f)));
  v128_t r = wasm_f32x4_sub(x, wasm_f32x4_mul(n, wasm_f32x4_splat(0.693359375f)));
  r = wasm_f32x4_sub(r, wasm_f32x4_mul(n, wasm_f32x4_splat(-2.12194440e-4f)));
  v128_t y = wasm_f32x4_splat(1.9875691500e-4f);
  y = wasm_f32x4_add(wasm_f32x4_mul(y, r), wasm_f32x4_splat(1.3981999507e-3f));
  y = wasm_f32x4_add(wasm_f32x4_mul(y, r), wasm_f32x4_splat(8.3334519073e-3f));
  y = wasm_f32x4_add(wasm_f32x4_mul(y, r), wasm_f32x4_splat(4.1665795894e-2f));
  y = wasm_f32x4_add(wasm_f32x4_mul(y, r), wasm_f32x4_splat(1.6666665459e-1f));
  y = wasm_f32x4_add(wasm_f32x4_mul(y, r), wasm_f32x4_splat(5.0000001201e-1f));
  y = wasm_f32x4_add(wasm_f32x4_add(wasm_f32x4_mul(wasm_f32x4_mul(y, r), r), r), wasm_f32x4_splat(1.0f));
  const v128_t bits = wasm_i32x4_shl(wasm_i32x4_add(wasm_i32x4_trunc_sat_f32x4(n), wasm_i32x4_splat(127)), 23);
  return wasm_f32x4_mul(y, bits);
}

// Softmax over the last axis (c classes) of `pixels` rows, 4 rows at a time: probs, and per row the maximum logit
// and the sum of exp(z - max) (the caller forms log p_t = z_t - max - log sum).
EXPORT(softmax_rows)
void softmax_rows(const float* z, float* probs, float* rowmax, float* rowsum, long pixels, int c) {
  long p = 0;
  for (; p + 4 <= pixels; p += 4) {
    const float* z0 = z + p * c;
    v128_t m = wasm_f32x4_make(z0[0], z0[c], z0[2 * c], z0[3 * c]);
    for (int k = 1; k < c; k++) m = wasm_f32x4_max(m, wasm_f32x4_make(z0[k], z0[c + k], z0[2 * c + k], z0[3 * c + k]));
    v128_t sum = wasm_f32x4_splat(0.0f);
    float* p0 = probs + p * c;
    for (int k = 0; k < c; k++) {
      const v128_t e = exp_nonpositive(wasm_f32x4_sub(wasm_f32x4_make(z0[k], z0[c + k], z0[2 * c + k], z0[3 * c + k]), m));
      sum = wasm_f32x4_add(sum, e);
      p0[k] = wasm_f32x4_extract_lane(e, 0); p0[c + k] = wasm_f32x4_extract_lane(e, 1);
      p0[2 * c + k] = wasm_f32x4_extract_lane(e, 2); p0[3 * c + k] = wasm_f32x4_extract_lane(e, 3);
    }
    const v128_t inv = wasm_f32x4_div(wasm_f32x4_splat(1.0f), sum);
    const float i0 = wasm_f32x4_extract_lane(inv, 0), i1 = wasm_f32x4_extract_lane(inv, 1);
    const float i2 = wasm_f32x4_extract_lane(inv, 2), i3 = wasm_f32x4_extract_lane(inv, 3);
    for (int k = 0; k < c; k++) { p0[k] *= i0; p0[c + k] *= i1; p0[2 * c + k] *= i2; p0[3 * c + k] *= i3; }
    wasm_v128_store(rowmax + p, m);
    wasm_v128_store(rowsum + p, sum);
  }
  for (; p < pixels; p++) {
    const float* zp = z + p * c;
    float* pp = probs + p * c;
    float m = zp[0];
    for (int k = 1; k < c; k++) m = zp[k] > m ? zp[k] : m;
    float sum = 0.0f;
    for (int k = 0; k < c; k++) {
      const float e = wasm_f32x4_extract_lane(exp_nonpositive(wasm_f32x4_splat(zp[k] - m)), 0);
      pp[k] = e;
      sum += e;
    }
    const float inv = 1.0f / sum;
    for (int k = 0; k < c; k++) pp[k] *= inv;
    rowmax[p] = m;
    rowsum[p] = sum;
  }
}

// Adam: m2 = b1 m + a1 g, v2 = b2 v + a2 g^2, x2 = x - lr (m2 / c1) / (sqrt(v2 / c2) + eps), with a1 = 1 - b1 and
// a2 = 1 - b2 formed by the caller in double precision (1.0f - 0.999f is 1.3e-5 off), c1 and c2 the bias corrections;
// float32 throughout, 4 values per vector.
EXPORT(adam_update)
void adam_update(const float* x, const float* m, const float* v, const float* g, float* x2, float* m2, float* v2, long n,
                 float lr, float b1, float b2, float a1, float a2, float eps, float c1, float c2) {
  const v128_t vb1 = wasm_f32x4_splat(b1), va1 = wasm_f32x4_splat(a1), vb2 = wasm_f32x4_splat(b2);
  const v128_t va2 = wasm_f32x4_splat(a2), vlr = wasm_f32x4_splat(lr), veps = wasm_f32x4_splat(eps);
  const v128_t vc1 = wasm_f32x4_splat(c1), vc2 = wasm_f32x4_splat(c2);
  long i = 0;
  for (; i + 4 <= n; i += 4) {
    const v128_t gi = wasm_v128_load(g + i);
    const v128_t mi = wasm_f32x4_add(wasm_f32x4_mul(vb1, wasm_v128_load(m + i)), wasm_f32x4_mul(va1, gi));
    const v128_t vi = wasm_f32x4_add(wasm_f32x4_mul(vb2, wasm_v128_load(v + i)), wasm_f32x4_mul(va2, wasm_f32x4_mul(gi, gi)));
    wasm_v128_store(m2 + i, mi);
    wasm_v128_store(v2 + i, vi);
    const v128_t step = wasm_f32x4_div(wasm_f32x4_mul(vlr, wasm_f32x4_div(mi, vc1)),
                                       wasm_f32x4_add(wasm_f32x4_sqrt(wasm_f32x4_div(vi, vc2)), veps));
    wasm_v128_store(x2 + i, wasm_f32x4_sub(wasm_v128_load(x + i), step));
  }
  for (; i < n; i++) {
    const float gi = g[i];
    const float mi = b1 * m[i] + a1 * gi;
    const float vi = b2 * v[i] + a2 * (gi * gi);
    m2[i] = mi;
    v2[i] = vi;
    x2[i] = x[i] - (lr * (mi / c1)) / (__builtin_sqrtf(vi / c2) + eps);
  }
}

// Copy `count` runs of `run` floats: run r from src + r*src_stride to dst + r*dst_stride (channel concat/split).
EXPORT(copy_runs)
void copy_runs(const float* src, int src_stride, float* dst, int dst_stride, int run, long count) {
  for (long r = 0; r < count; r++) {
    const float* s = src + r * src_stride;
    float* d = dst + r * dst_stride;
    int k = 0;
    for (; k + 4 <= run; k += 4) wasm_v128_store(d + k, wasm_v128_load(s + k));
    for (; k < run; k++) d[k] = s[k];
  }
}

// MaxPool gradient (NHWC): each window's gradient goes to its first maximal input in row-major order (as the
// tfjs CPU backend does). dx must be zeroed by the caller. Channels are scanned 4 at a time (a running maximum and
// its first index per SIMD lane), so no per-channel arrays are needed.
EXPORT(maxpool_grad)
void maxpool_grad(const float* x, const float* dy, float* dx, int n, int h, int w, int c, int ho, int wo, int fh, int fw,
                  int sh, int sw, int top, int left) {
  for (int b = 0; b < n; b++) {
    for (int i = 0; i < ho; i++) {
      const int r0 = i * sh - top;
      const int rlo = r0 < 0 ? 0 : r0;
      const int rhi = r0 + fh < h ? r0 + fh : h;
      for (int j = 0; j < wo; j++) {
        const int c0 = j * sw - left;
        const int clo = c0 < 0 ? 0 : c0;
        const int chi = c0 + fw < w ? c0 + fw : w;
        const float* g = dy + ((long)(b * ho + i) * wo + j) * c;
        int k = 0;
        // 4 channels at a time: running maximum and the element index where it was first reached, per lane.
        for (; k + 4 <= c; k += 4) {
          v128_t best = wasm_f32x4_splat(-__builtin_inff());
          v128_t pos = wasm_i32x4_splat(-1);
          for (int p = rlo; p < rhi; p++) {
            for (int q = clo; q < chi; q++) {
              const int idx = ((b * h + p) * w + q) * c + k;
              const v128_t v = wasm_v128_load(x + idx);
              const v128_t gt = wasm_f32x4_gt(v, best);
              best = wasm_v128_bitselect(v, best, gt);
              pos = wasm_v128_bitselect(wasm_i32x4_add(wasm_i32x4_splat(idx), wasm_i32x4_make(0, 1, 2, 3)), pos, gt);
            }
          }
          const int p0 = wasm_i32x4_extract_lane(pos, 0), p1 = wasm_i32x4_extract_lane(pos, 1);
          const int p2 = wasm_i32x4_extract_lane(pos, 2), p3 = wasm_i32x4_extract_lane(pos, 3);
          if (p0 >= 0) dx[p0] += g[k];
          if (p1 >= 0) dx[p1] += g[k + 1];
          if (p2 >= 0) dx[p2] += g[k + 2];
          if (p3 >= 0) dx[p3] += g[k + 3];
        }
        for (; k < c; k++) {
          float best = -__builtin_inff();
          long pos = -1;
          for (int p = rlo; p < rhi; p++) {
            for (int q = clo; q < chi; q++) {
              const long idx = ((long)(b * h + p) * w + q) * c + k;
              const float v = x[idx];
              if (v > best) { best = v; pos = idx; }
            }
          }
          if (pos >= 0) dx[pos] += g[k];
        }
      }
    }
  }
}
