// Read-back helpers for the tests, evaluated in the page: colour counts and single pixels of the section canvas,
// in device pixels (so high-DPI rendering is checked too). Plain browser JS, loaded by the test page only.
(() => {
  const canvas = () => document.getElementById('section-canvas');
  const scaleOf = (c) => c.width / c.getBoundingClientRect().width;
  window.probe = {
    canvasColors(rect, match, tolerance) {
      const c = canvas();
      const b = c.getBoundingClientRect();
      const s = scaleOf(c);
      const r = rect ?? { x: 0, y: 0, w: b.width, h: b.height };
      const x = Math.round(r.x * s); const y = Math.round(r.y * s);
      const w = Math.max(1, Math.round(r.w * s)); const h = Math.max(1, Math.round(r.h * s));
      const d = c.getContext('2d').getImageData(x, y, w, h).data;
      const out = { total: w * h, red: 0, blue: 0, grey: 0, matching: 0 };
      for (let i = 0; i < d.length; i += 4) {
        const R = d[i]; const G = d[i + 1]; const B = d[i + 2];
        if (R > 150 && R - G > 80 && R - B > 80) out.red++;
        if (B > 150 && B - G > 80 && B - R > 80) out.blue++;
        if (Math.abs(R - G) <= 2 && Math.abs(G - B) <= 2) out.grey++;
        if (match && Math.abs(R - match[0]) <= tolerance && Math.abs(G - match[1]) <= tolerance && Math.abs(B - match[2]) <= tolerance) out.matching++;
      }
      return out;
    },
    pixel(x, y) {
      const c = canvas();
      const s = scaleOf(c);
      return Array.from(c.getContext('2d').getImageData(Math.round(x * s), Math.round(y * s), 1, 1).data);
    },
    backingSize() {
      const c = canvas();
      const b = c.getBoundingClientRect();
      return { width: c.width, height: c.height, cssWidth: b.width, cssHeight: b.height };
    },
  };
})();
