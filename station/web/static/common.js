// Shared by the kiosk screen and the operations page: API calls and live events.
// Live events are Server-Sent Events read through fetch(), so the bearer token
// travels in a header (EventSource cannot send one) and never in a URL.
"use strict";

const Station = (() => {
  async function api(path, { method = "GET", body = undefined, token = "" } = {}) {
    const headers = { Accept: "application/json" };
    if (token) headers.Authorization = `Bearer ${token}`;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    let response;
    try {
      response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body),
                                     cache: "no-store" });
    } catch (err) {
      return { status: 0, data: { error: "the station cannot be reached" } };
    }
    let data = null;
    try { data = await response.json(); } catch (err) { data = null; }
    return { status: response.status, data };
  }

  // Follows an SSE endpoint; calls onEvent(kind, data) for each event and
  // onState(connected) as the connection comes and goes; reconnects by itself.
  function follow(path, token, onEvent, onState) {
    let stopped = false;
    let controller = null;
    async function run() {
      let delay = 1000;
      while (!stopped) {
        controller = new AbortController();
        try {
          const response = await fetch(path, { headers: { Authorization: `Bearer ${token}`, Accept: "text/event-stream" },
                                               signal: controller.signal, cache: "no-store" });
          if (response.status === 401) { onState(false, 401); return; }
          if (!response.ok || !response.body) throw new Error(`status ${response.status}`);
          onState(true);
          delay = 1000;
          const reader = response.body.getReader();
          const decoder = new TextDecoder();
          let buffer = "";
          for (;;) {
            const { value, done } = await reader.read();
            if (done) break;
            buffer += decoder.decode(value, { stream: true });
            let cut;
            while ((cut = buffer.indexOf("\n\n")) >= 0) {
              const frame = buffer.slice(0, cut);
              buffer = buffer.slice(cut + 2);
              let kind = "message";
              let data = "";
              for (const line of frame.split("\n")) {
                if (line.startsWith("event: ")) kind = line.slice(7);
                else if (line.startsWith("data: ")) data += line.slice(6);
              }
              if (data) {
                try { onEvent(kind, JSON.parse(data).data); } catch (err) { /* a bad frame is skipped */ }
              }
            }
          }
        } catch (err) {
          if (stopped) return;
        }
        onState(false);
        await new Promise((resolve) => setTimeout(resolve, delay));
        delay = Math.min(delay * 2, 10000);
      }
    }
    run();
    return { stop() { stopped = true; if (controller) controller.abort(); } };
  }

  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs)) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "class") node.className = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else if (key === "text") node.textContent = value;
      else node.setAttribute(key, value === true ? "" : value);
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  return { api, follow, el };
})();
