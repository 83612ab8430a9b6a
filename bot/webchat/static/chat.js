// 城市管家 web chat: talks to the gateway's /api (same origin), nothing else.
"use strict";

(() => {
  const SESSION_KEY = "citysteward.session";
  const AFTER_KEY = "citysteward.after";
  const POLL_MS = 3000;
  const FAST_POLL_MS = 1000;
  const FAST_FOR_MS = 20000;
  const NETWORK_ERROR = "网络连接不稳定，消息没有发出去。";
  const GENERIC_ERROR = "请求没有成功，请稍后再试一次。";
  const LOCATION_ERROR = "没能获取您的当前位置（可能没有开启定位权限）。您可以在地图上选择，也可以直接输入地址。";

  const $ = (id) => document.getElementById(id);
  const log = $("log");
  const form = $("composer");
  const input = $("text");
  const statusLine = $("status");
  const photoInput = $("photo-input");
  const locationButton = $("location-button");
  const locationMenu = $("location-menu");

  function uuid() {
    if (window.crypto && typeof crypto.randomUUID === "function") return crypto.randomUUID();
    // Plain-http pages outside localhost have no randomUUID; getRandomValues works everywhere.
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  function load(key) {
    try { return localStorage.getItem(key); } catch (e) { return null; }
  }

  function save(key, value) {
    try { localStorage.setItem(key, value); } catch (e) { /* private mode: this tab only */ }
  }

  let session = load(SESSION_KEY);
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(session || "")) {
    session = uuid();
    save(SESSION_KEY, session);
    save(AFTER_KEY, "0");
  }
  // Replies are numbered by the server; `after` is the newest one fetched by polling.
  let after = Number(load(AFTER_KEY)) || 0;
  const seen = new Set();

  // ---- bubbles ----------------------------------------------------------------------------

  function scrollDown() {
    log.scrollTop = log.scrollHeight;
  }

  function row(kind) {
    const div = document.createElement("div");
    div.className = `row ${kind}`;
    log.appendChild(div);
    return div;
  }

  function bubble(kind, text) {
    const r = row(kind);
    const b = document.createElement("div");
    b.className = "bubble";
    if (text) b.textContent = text;
    r.appendChild(b);
    scrollDown();
    return b;
  }

  function showUser(text) {
    return bubble("user", text);
  }

  function showError(text, retry) {
    const b = bubble("error", text);
    if (retry) {
      const buttons = document.createElement("div");
      buttons.className = "buttons";
      const again = document.createElement("button");
      again.type = "button";
      again.textContent = "重新发送";
      again.addEventListener("click", () => {
        again.disabled = true;
        retry();
      });
      buttons.appendChild(again);
      b.parentElement.appendChild(buttons);
    }
  }

  function showReply(message) {
    if (seen.has(message.id)) return;
    seen.add(message.id);
    const b = bubble("bot", message.text || "");
    if (message.image && /^(https:|\/)/.test(message.image)) {
      const img = document.createElement("img");
      img.className = "reply-image";
      img.src = message.image;
      img.alt = "图片";
      b.appendChild(img);
    }
    if (message.buttons && message.buttons.length) {
      const group = document.createElement("div");
      group.className = "buttons";
      group.setAttribute("role", "group");
      group.setAttribute("aria-label", "可选回复");
      for (const choice of message.buttons) {
        const button = document.createElement("button");
        button.type = "button";
        button.textContent = choice.title;
        button.addEventListener("click", () => press(group, button, choice));
        group.appendChild(button);
      }
      b.parentElement.appendChild(group);
    }
    scrollDown();
  }

  function showReplies(messages) {
    for (const m of messages || []) showReply(m);
  }

  // A pressed row is closed: none of its buttons can be pressed again.
  function press(group, button, choice) {
    if (group.dataset.pressed) return;
    group.dataset.pressed = "1";
    for (const b of group.querySelectorAll("button")) b.disabled = true;
    button.classList.add("pressed");
    button.setAttribute("aria-pressed", "true");
    sendText(choice.payload, choice.title);
  }

  // ---- talking to the gateway -----------------------------------------------------------------

  let inFlight = 0;
  function busy(delta) {
    inFlight += delta;
    statusLine.textContent = inFlight > 0 ? "城市管家正在处理…" : "";
  }

  async function deliver(path, body) {
    const isForm = body instanceof FormData;
    busy(1);
    fastUntil = Date.now() + FAST_FOR_MS;
    try {
      let response;
      try {
        response = await fetch(path, {
          method: "POST",
          headers: isForm ? {} : { "Content-Type": "application/json" },
          body: isForm ? body : JSON.stringify(body),
        });
      } catch (e) {
        // The same message id is sent again: the gateway ignores a copy it already has.
        showError(NETWORK_ERROR, () => deliver(path, body));
        return false;
      }
      let data = null;
      try { data = await response.json(); } catch (e) { data = null; }
      if (!response.ok) {
        const detail = data && data.detail;
        showError((detail && detail.message) || GENERIC_ERROR);
        return false;
      }
      showReplies(data && data.messages);
      return true;
    } finally {
      busy(-1);
      poll();
    }
  }

  function sendText(text, shownAs) {
    showUser(shownAs || text);
    return deliver("api/messages", {
      session, message_id: uuid(), text, language: navigator.language || "",
    });
  }

  function sendLocation(latitude, longitude, shownAs) {
    showUser(shownAs);
    return deliver("api/location", {
      session, message_id: uuid(), latitude, longitude, language: navigator.language || "",
    });
  }

  function sendPhoto(file) {
    const b = showUser("");
    const img = document.createElement("img");
    img.className = "thumb";
    img.alt = `照片：${file.name}`;
    img.src = URL.createObjectURL(file);
    img.addEventListener("load", () => URL.revokeObjectURL(img.src));
    img.addEventListener("error", () => {
      URL.revokeObjectURL(img.src);
      img.remove();
      b.textContent = `📎 ${file.name}`;
    });
    b.appendChild(img);
    const data = new FormData();
    data.append("session", session);
    data.append("message_id", uuid());
    data.append("language", navigator.language || "");
    data.append("file", file, file.name);
    return deliver("api/photos", data);
  }

  // ---- polling for replies that come later ------------------------------------------------

  let fastUntil = 0;
  let timer = null;
  let polling = false;

  async function poll() {
    if (polling) return;
    polling = true;
    clearTimeout(timer);
    try {
      const response = await fetch(`api/updates?session=${session}&after=${after}`);
      if (response.ok) {
        const data = await response.json();
        for (const m of data.messages || []) {
          showReply(m);
          after = Math.max(after, m.id);
        }
        save(AFTER_KEY, String(after));
      }
    } catch (e) {
      // offline for a moment: the next poll catches up
    } finally {
      polling = false;
      timer = setTimeout(poll, Date.now() < fastUntil ? FAST_POLL_MS : POLL_MS);
    }
  }

  // ---- the composer -----------------------------------------------------------------------

  function grow() {
    input.style.height = "auto";
    input.style.height = `${Math.min(input.scrollHeight, 140)}px`;
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value;
    if (!text.trim()) {
      input.focus();
      return;
    }
    input.value = "";
    grow();
    sendText(text);
  });

  input.addEventListener("input", grow);
  input.addEventListener("keydown", (event) => {
    // Enter sends; Shift+Enter is a new line; Enter that confirms a Chinese IME candidate does neither.
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing && event.keyCode !== 229) {
      event.preventDefault();
      form.requestSubmit();
    }
  });

  photoInput.addEventListener("change", () => {
    const file = photoInput.files && photoInput.files[0];
    photoInput.value = "";
    if (file) sendPhoto(file);
  });

  function toggleMenu(open) {
    locationMenu.hidden = !open;
    locationButton.setAttribute("aria-expanded", String(open));
  }

  locationButton.addEventListener("click", () => toggleMenu(locationMenu.hidden));

  $("use-current").addEventListener("click", () => {
    toggleMenu(false);
    if (!navigator.geolocation) {
      bubble("notice", LOCATION_ERROR);
      return;
    }
    statusLine.textContent = "正在获取您的位置…";
    navigator.geolocation.getCurrentPosition(
      (position) => {
        statusLine.textContent = "";
        const { latitude, longitude } = position.coords;
        sendLocation(round(latitude), round(longitude), "📍 我的当前位置");
      },
      () => {
        statusLine.textContent = "";
        bubble("notice", LOCATION_ERROR);
      },
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 },
    );
  });

  $("open-map").addEventListener("click", () => {
    toggleMenu(false);
    window.CityMapPicker.open((choice) => {
      sendLocation(choice.latitude, choice.longitude, `📍 地图选点：${choice.label}`);
    });
  });

  function round(value) {
    return Math.round(value * 1e6) / 1e6;
  }

  document.addEventListener("visibilitychange", () => {
    if (!document.hidden) poll();
  });

  poll();
})();
