"""Layout checks run inside the kiosk page: nothing clipped, nothing overlapping, every button reachable."""

from __future__ import annotations

# Returns a list of problems (empty: the screen is usable). Content blocks of <main> must lie inside
# it (it clips) and inside the screen, must not overflow themselves, and must not overlap each other;
# every visible button must be inside the screen, at least MIN px each way, and a click at its centre
# must reach it (document.elementFromPoint). Scope: a CSS selector of the layer on top (a dialog).
LAYOUT_PROBLEMS = """
({scope, min}) => {
  const problems = [];
  const vw = window.innerWidth, vh = window.innerHeight;
  const screenBox = { left: 0, top: 0, right: vw, bottom: vh };
  const shown = (node) => {
    const r = node.getBoundingClientRect();
    const style = getComputedStyle(node);
    return r.width > 0 && r.height > 0 && style.visibility !== "hidden" && style.display !== "none";
  };
  const inside = (r, box) => r.left >= box.left - 0.5 && r.right <= box.right + 0.5
    && r.top >= box.top - 0.5 && r.bottom <= box.bottom + 0.5;
  const overlap = (a, b) => a.left < b.right - 0.5 && b.left < a.right - 0.5 && a.top < b.bottom - 0.5
    && b.top < a.bottom - 0.5;
  const name = (node) => node.id ? `#${node.id}` : `${node.tagName.toLowerCase()}.${node.className}`;
  const root = document.documentElement;
  if (root.scrollHeight > vh + 1 || root.scrollWidth > vw + 1) problems.push("the page scrolls");
  const layers = scope ? [document.querySelector(scope)] : [document.getElementById("screen"),
                                                            ...document.querySelectorAll("body > .bar")];
  for (const layer of layers) {
    const box = layer.getBoundingClientRect();
    if (!inside(box, screenBox)) problems.push(`${name(layer)} is off the screen`);
    const blocks = [...layer.children].filter(shown);
    blocks.forEach((block, i) => {
      const r = block.getBoundingClientRect();
      if (!inside(r, box) || !inside(r, screenBox)) problems.push(`${name(block)} is cut off`);
      if (block.scrollWidth > block.clientWidth + 1 || block.scrollHeight > block.clientHeight + 1) {
        problems.push(`${name(block)} overflows (${block.scrollWidth}x${block.scrollHeight} in ${block.clientWidth}x${block.clientHeight})`);
      }
      blocks.slice(i + 1).forEach((other) => {
        if (overlap(r, other.getBoundingClientRect())) problems.push(`${name(block)} overlaps ${name(other)}`);
      });
    });
  }
  const buttons = [...document.querySelectorAll(scope ? `${scope} button` : "button")].filter(shown);
  for (const button of buttons) {
    const r = button.getBoundingClientRect();
    const label = button.dataset.key || button.dataset.problem || button.id || button.textContent.trim();
    if (r.width < min || r.height < min) problems.push(`button ${label} is ${r.width}x${r.height}`);
    if (!inside(r, screenBox)) { problems.push(`button ${label} is off the screen`); continue; }
    const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
    if (!hit || !button.contains(hit)) problems.push(`button ${label} is covered by ${hit ? name(hit) : "nothing"}`);
  }
  return { problems, buttons: buttons.length };
}
"""
