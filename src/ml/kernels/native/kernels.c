// Hand-written wasm SIMD kernels that run on tfjs-backend-wasm's own heap (the module imports its memory and
// owns no memory or stack of its own). Build: src/ml/kernels/native/build.sh -> ../nativeModule.ts.
#include <wasm_simd128.h>

#define EXPORT(name) __attribute__((export_name(#name)))

// dW[a][b][ci][co] = sum over n, i, j of x[n][i*sh+a-top][j*sw+b-left][ci] * dy[n][i][j][co] (NHWC, HWIO).
// Rows of x and dy stay in L1 while every tap and channel block sweeps them; accumulators for 2 input channels
// x 16 output channels live in 8 SIMD registers across a whole row of pixels.
EXPORT(conv2d_filter_grad)
void conv2d_filter_grad(const float* x, const float* dy, float* dw, int n, int h, int w, int ci, int ho, int wo, int co,
                        int kh, int kw, int sh, int sw, int top, int left) {
  const int total = kh * kw * ci * co;
  for (int t = 0; t < total; t++) dw[t] = 0.0f;
  const int vec_co = (co % 16 == 0) ? co : 0;
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
          for (; c + 2 <= ci; c += 2) {
            for (int o = 0; o < vec_co; o += 16) {
              float* acc0p = tap + (long)c * co + o;
              float* acc1p = acc0p + co;
              v128_t a00 = wasm_v128_load(acc0p), a01 = wasm_v128_load(acc0p + 4), a02 = wasm_v128_load(acc0p + 8), a03 = wasm_v128_load(acc0p + 12);
              v128_t a10 = wasm_v128_load(acc1p), a11 = wasm_v128_load(acc1p + 4), a12 = wasm_v128_load(acc1p + 8), a13 = wasm_v128_load(acc1p + 12);
              const float* xp = xbase + c;
              const float* dp = dbase + o;
              for (int j = 0; j < count; j++, xp += xstep, dp += co) {
                const v128_t d0 = wasm_v128_load(dp), d1 = wasm_v128_load(dp + 4), d2 = wasm_v128_load(dp + 8), d3 = wasm_v128_load(dp + 12);
                const v128_t s0 = wasm_f32x4_splat(xp[0]);
                const v128_t s1 = wasm_f32x4_splat(xp[1]);
                a00 = wasm_f32x4_add(a00, wasm_f32x4_mul(s0, d0)); a01 = wasm_f32x4_add(a01, wasm_f32x4_mul(s0, d1));
                a02 = wasm_f32x4_add(a02, wasm_f32x4_mul(s0, d2)); a03 = wasm_f32x4_add(a03, wasm_f32x4_mul(s0, d3));
                a10 = wasm_f32x4_add(a10, wasm_f32x4_mul(s1, d0)); a11 = wasm_f32x4_add(a11, wasm_f32x4_mul(s1, d1));
                a12 = wasm_f32x4_add(a12, wasm_f32x4_mul(s1, d2)); a13 = wasm_f32x4_add(a13, wasm_f32x4_mul(s1, d3));
              }
              wasm_v128_store(acc0p, a00); wasm_v128_store(acc0p + 4, a01); wasm_v128_store(acc0p + 8, a02); wasm_v128_store(acc0p + 12, a03);
              wasm_v128_store(acc1p, a10); wasm_v128_store(acc1p + 4, a11); wasm_v128_store(acc1p + 8, a12); wasm_v128_store(acc1p + 12, a13);
            }
          }
          for (; c < ci; c++) {
            for (int o = 0; o < vec_co; o += 16) {
              float* accp = tap + (long)c * co + o;
              v128_t a0 = wasm_v128_load(accp), a1 = wasm_v128_load(accp + 4), a2 = wasm_v128_load(accp + 8), a3 = wasm_v128_load(accp + 12);
              const float* xp = xbase + c;
              const float* dp = dbase + o;
              for (int j = 0; j < count; j++, xp += xstep, dp += co) {
                const v128_t s0 = wasm_f32x4_splat(xp[0]);
                a0 = wasm_f32x4_add(a0, wasm_f32x4_mul(s0, wasm_v128_load(dp)));
                a1 = wasm_f32x4_add(a1, wasm_f32x4_mul(s0, wasm_v128_load(dp + 4)));
                a2 = wasm_f32x4_add(a2, wasm_f32x4_mul(s0, wasm_v128_load(dp + 8)));
                a3 = wasm_f32x4_add(a3, wasm_f32x4_mul(s0, wasm_v128_load(dp + 12)));
              }
              wasm_v128_store(accp, a0); wasm_v128_store(accp + 4, a1); wasm_v128_store(accp + 8, a2); wasm_v128_store(accp + 12, a3);
            }
          }
          if (vec_co != co) {
            // Output channel counts that are not a multiple of 16 (e.g. a 6-class head): scalar.
            for (int cc = 0; cc < ci; cc++) {
              const float* xp = xbase + cc;
              const float* dp = dbase;
              float* accp = tap + (long)cc * co;
              for (int j = 0; j < count; j++, xp += xstep, dp += co) {
                const float s = xp[0];
                for (int o = 0; o < co; o++) accp[o] += s * dp[o];
              }
            }
          }
        }
      }
    }
  }
}

// y[n][i][j][co] = sum over a, b, ci of x[n][i*sh+a-top][j*sw+b-left][ci] * f[a][b][ci][co] (NHWC, HWIO, zero
// padding). Two output pixels x 16 output channels accumulate in 8 SIMD registers over every tap and input
// channel; the filter slice for a tap stays in L1.
EXPORT(conv2d_forward)
void conv2d_forward(const float* x, const float* f, float* y, int n, int h, int w, int ci, int ho, int wo, int co,
                    int kh, int kw, int sh, int sw, int top, int left) {
  const int vec_co = (co % 16 == 0) ? co : 0;
  for (int b = 0; b < n; b++) {
    for (int i = 0; i < ho; i++) {
      float* yrow = y + ((long)(b * ho + i) * wo) * co;
      for (int o = 0; o < vec_co; o += 16) {
        for (int j = 0; j < wo; j += 2) {
          const int pair = j + 1 < wo;
          v128_t p00 = wasm_f32x4_splat(0.0f), p01 = p00, p02 = p00, p03 = p00;
          v128_t p10 = p00, p11 = p00, p12 = p00, p13 = p00;
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
                  const v128_t f0 = wasm_v128_load(fp), f1 = wasm_v128_load(fp + 4), f2 = wasm_v128_load(fp + 8), f3 = wasm_v128_load(fp + 12);
                  const v128_t s0 = wasm_f32x4_splat(x0[c]);
                  const v128_t s1 = wasm_f32x4_splat(x1[c]);
                  p00 = wasm_f32x4_add(p00, wasm_f32x4_mul(s0, f0)); p01 = wasm_f32x4_add(p01, wasm_f32x4_mul(s0, f1));
                  p02 = wasm_f32x4_add(p02, wasm_f32x4_mul(s0, f2)); p03 = wasm_f32x4_add(p03, wasm_f32x4_mul(s0, f3));
                  p10 = wasm_f32x4_add(p10, wasm_f32x4_mul(s1, f0)); p11 = wasm_f32x4_add(p11, wasm_f32x4_mul(s1, f1));
                  p12 = wasm_f32x4_add(p12, wasm_f32x4_mul(s1, f2)); p13 = wasm_f32x4_add(p13, wasm_f32x4_mul(s1, f3));
                }
              } else if (ok0) {
                for (int c = 0; c < ci; c++, fp += co) {
                  const v128_t s0 = wasm_f32x4_splat(x0[c]);
                  p00 = wasm_f32x4_add(p00, wasm_f32x4_mul(s0, wasm_v128_load(fp)));
                  p01 = wasm_f32x4_add(p01, wasm_f32x4_mul(s0, wasm_v128_load(fp + 4)));
                  p02 = wasm_f32x4_add(p02, wasm_f32x4_mul(s0, wasm_v128_load(fp + 8)));
                  p03 = wasm_f32x4_add(p03, wasm_f32x4_mul(s0, wasm_v128_load(fp + 12)));
                }
              } else if (ok1) {
                for (int c = 0; c < ci; c++, fp += co) {
                  const v128_t s1 = wasm_f32x4_splat(x1[c]);
                  p10 = wasm_f32x4_add(p10, wasm_f32x4_mul(s1, wasm_v128_load(fp)));
                  p11 = wasm_f32x4_add(p11, wasm_f32x4_mul(s1, wasm_v128_load(fp + 4)));
                  p12 = wasm_f32x4_add(p12, wasm_f32x4_mul(s1, wasm_v128_load(fp + 8)));
                  p13 = wasm_f32x4_add(p13, wasm_f32x4_mul(s1, wasm_v128_load(fp + 12)));
                }
              }
            }
          }
          float* y0 = yrow + (long)j * co + o;
          wasm_v128_store(y0, p00); wasm_v128_store(y0 + 4, p01); wasm_v128_store(y0 + 8, p02); wasm_v128_store(y0 + 12, p03);
          if (pair) {
            float* y1 = y0 + co;
            wasm_v128_store(y1, p10); wasm_v128_store(y1 + 4, p11); wasm_v128_store(y1 + 8, p12); wasm_v128_store(y1 + 12, p13);
          }
        }
      }
      if (vec_co != co) {
        // Output channel counts that are not a multiple of 16 (e.g. a 6-class head): scalar.
        for (int j = 0; j < wo; j++) {
          float* yp = yrow + (long)j * co;
          for (int o = 0; o < co; o++) yp[o] = 0.0f;
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
                for (int o = 0; o < co; o++) yp[o] += s * fp[o];
              }
            }
          }
        }
      }
    }
  }
}
