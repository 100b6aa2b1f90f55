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
// Optional epilogue (inference with BatchNorm folded into the weights): + bias[co] when bias is not null, then
// max(0, .) when relu is set.
EXPORT(conv2d_forward)
void conv2d_forward(const float* x, const float* f, float* y, int n, int h, int w, int ci, int ho, int wo, int co,
                    int kh, int kw, int sh, int sw, int top, int left, const float* bias, int relu) {
  const int vec_co = (co % 16 == 0) ? co : 0;
  const v128_t zero = wasm_f32x4_splat(0.0f);
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
          if (bias) {
            const v128_t c0 = wasm_v128_load(bias + o), c1 = wasm_v128_load(bias + o + 4), c2 = wasm_v128_load(bias + o + 8), c3 = wasm_v128_load(bias + o + 12);
            p00 = wasm_f32x4_add(p00, c0); p01 = wasm_f32x4_add(p01, c1); p02 = wasm_f32x4_add(p02, c2); p03 = wasm_f32x4_add(p03, c3);
            p10 = wasm_f32x4_add(p10, c0); p11 = wasm_f32x4_add(p11, c1); p12 = wasm_f32x4_add(p12, c2); p13 = wasm_f32x4_add(p13, c3);
          }
          if (relu) {
            p00 = wasm_f32x4_max(p00, zero); p01 = wasm_f32x4_max(p01, zero); p02 = wasm_f32x4_max(p02, zero); p03 = wasm_f32x4_max(p03, zero);
            p10 = wasm_f32x4_max(p10, zero); p11 = wasm_f32x4_max(p11, zero); p12 = wasm_f32x4_max(p12, zero); p13 = wasm_f32x4_max(p13, zero);
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
          for (int o = 0; o < co; o++) {
            float v = yp[o] + (bias ? bias[o] : 0.0f);
            yp[o] = relu && v < 0.0f ? 0.0f : v;
          }
        }
      }
    }
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

static void bn_stats4(const float* x, long count, int c, int g0, double* s1, double* s2) {
  const v128_t shift = wasm_v128_load(x + g0);
  long p = 0;
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

static void bn_stats16(const float* x, long count, int c, int g0, double* s1, double* s2) {
  const float* x0 = x + g0;
  const v128_t h0 = wasm_v128_load(x0), h1 = wasm_v128_load(x0 + 4), h2 = wasm_v128_load(x0 + 8), h3 = wasm_v128_load(x0 + 12);
  long p = 0;
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
  int g0 = 0;
  for (; g0 + 16 <= c; g0 += 16) bn_stats16(x, count, c, g0, s1, s2);
  for (; g0 < c; g0 += 4) bn_stats4(x, count, c, g0, s1, s2);
  for (int k = 0; k < c; k++) {
    const double mu = s1[k] / (double)count;
    const double shift = x[k];
    mean[k] = (float)(shift + mu);
    double v = s2[k] / (double)count - mu * mu;
    var[k] = (float)(v > 0 ? v : 0);
    scale[k] = gamma[k] / __builtin_sqrtf(var[k] + eps);
  }
  const v128_t zero = wasm_f32x4_splat(0.0f);
  for (int g0 = 0; g0 < c; g0 += 4) {
    const v128_t m = wasm_v128_load(mean + g0), a = wasm_v128_load(scale + g0), b = wasm_v128_load(beta + g0);
    for (long p = 0; p < count; p++) {
      const long i = p * c + g0;
      const v128_t t = wasm_f32x4_add(wasm_f32x4_mul(wasm_f32x4_sub(wasm_v128_load(x + i), m), a), b);
      wasm_v128_store(y + i, wasm_f32x4_max(t, zero));
    }
  }
}

// Gradient sums for 4 / 16 channels: sum of g = dy*[y>0] and of g*(x - mean), block float32 then float64.
static void bn_grad_sums4(const float* dy, const float* x, const float* y, const float* mean, long count, int c, int g0,
                          double* sg, double* sgx) {
  const v128_t zero = wasm_f32x4_splat(0.0f);
  const v128_t m = wasm_v128_load(mean + g0);
  long p = 0;
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

static void bn_grad_sums16(const float* dy, const float* x, const float* y, const float* mean, long count, int c, int g0,
                           double* sg, double* sgx) {
  const v128_t zero = wasm_f32x4_splat(0.0f);
  const v128_t m0 = wasm_v128_load(mean + g0), m1 = wasm_v128_load(mean + g0 + 4);
  const v128_t m2 = wasm_v128_load(mean + g0 + 8), m3 = wasm_v128_load(mean + g0 + 12);
  long p = 0;
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
  int g0 = 0;
  for (; g0 + 16 <= c; g0 += 16) bn_grad_sums16(dy, x, y, mean, count, c, g0, sg, sgx);
  for (; g0 < c; g0 += 4) bn_grad_sums4(dy, x, y, mean, count, c, g0, sg, sgx);
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
// tfjs CPU backend does). dx must be zeroed by the caller. Channels are processed one at a time in the window
// scan so no per-channel arrays are needed.
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
        for (int k = 0; k < c; k++) {
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
