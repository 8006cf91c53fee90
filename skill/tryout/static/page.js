// The device page: sends what you type, shows what was understood and answered, speaks it,
// counts timers down and announces them, lists reminders and speaks them when they ring.
// The language switch offers the locales the device has models for (from /api/about).
// Every string goes in with textContent, never as HTML.
"use strict";

const $ = (id) => document.getElementById(id);
let about = { speech: false, voice_input: false };
let lastEvent = 0;
let busy = false;
let speaking = Promise.resolve();

// The device's light bar, and the words that say what it shows.
function light(state) {
  $("ring").className = state === "idle" ? "ring" : "ring " + state;
  $("ring-label").textContent = "Device light: " + state;
}

function el(tag, cls, text) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

function add(node) {
  const list = $("conversation");
  list.appendChild(node);
  list.scrollTop = list.scrollHeight;
  return node;
}

async function postJson(path, body) {
  const response = await fetch(path, {
    method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body || {}),
  });
  return response.json();
}

// Speech in the voice of the language it was said in (the device's, when not told).
function speak(text, locale) {
  if (!text) return;
  const lang = locale || about.locale;
  speaking = speaking.then(() => new Promise((resolve) => {
    light("speaking");
    const done = () => { light("idle"); resolve(); };
    if (about.speech) {
      const audio = new Audio("/api/speech?text=" + encodeURIComponent(text) +
        "&locale=" + encodeURIComponent(lang || ""));
      audio.onended = done; audio.onerror = done;
      audio.play().catch(done);
      setTimeout(done, 30000);
    } else if (window.speechSynthesis && window.SpeechSynthesisUtterance) {
      const utterance = new SpeechSynthesisUtterance(text);
      if (lang) utterance.lang = lang;
      utterance.onend = done; utterance.onerror = done;
      window.speechSynthesis.speak(utterance);
      setTimeout(done, 30000);
    } else {
      done();
    }
  }));
}

function describeUnderstood(understood) {
  if (!understood) return null;
  if (understood.launch) return "LaunchRequest — " + understood.how;
  const slots = (understood.slots || []).filter((s) => s.value !== null).map((s) =>
    (s.values && s.values.length)  // a multiple-value slot: each value with its own id
      ? s.name + "=[" + s.values.map(([words, id]) =>
        JSON.stringify(words) + (id ? " (id " + id + ")" : "")).join(", ") + "]"
      : s.name + "=" + JSON.stringify(s.value) + (s.id ? " (id " + s.id + ")" : ""));
  let text = understood.intent + (slots.length ? " " + slots.join(", ") : "");
  text += " — " + understood.how;
  if (understood.said.length > understood.heard.length + 200) {
    text += " (only the start of a long request is heard)";
  }
  return text;
}

// --- the device's screen -------------------------------------------------------------------
// The device's clock, as the last poll read it, and how fast it runs: a screen's countdown
// ticks on it between polls (one minute a second on the fast clock).
let deviceClock = { ms: Date.now(), at: performance.now(), rate: 1 };
const clockNow = () => deviceClock.ms + (performance.now() - deviceClock.at) * deviceClock.rate;
let shown = null;

function currentViewport() {
  const device = (about.devices || []).find((d) => d.name === about.device);
  return device ? device.viewport : null;
}

function drawScreen(directive) {
  const viewport = currentViewport();
  const box = $("screen-box");
  box.hidden = !viewport;
  if (!viewport || !directive) { shown = null; $("screen").replaceChildren(); return; }
  const host = $("screen");
  host.className = "screen" + (viewport.shape === "round" ? " round" : "") +
    (viewport.mode === "tv" ? " tv" : "");
  host.dataset.screen = String(directive.token || "").replace("mat-coach.", "");
  const room = Math.min(560, box.clientWidth || 560);
  const width = Math.round(viewport.width * Math.min(room / viewport.width, 380 / viewport.height));
  try {
    shown = Apl.show(host, directive, viewport, width, touch, clockNow);
  } catch (error) {
    shown = null;
    host.replaceChildren(el("p", "error", "This page cannot draw that screen: " + error.message));
  }
}

async function touch(args) {
  if (busy) return;
  busy = true;
  add(el("li", "user", "(touched “" + args.filter((a) => typeof a === "string").join(" ") + "”)"))
    .dataset.testid = "touched";
  try {
    showTurn(await postJson("/api/touch", { arguments: args }));
  } catch (error) {
    add(el("li", "error", "The page could not reach mat-coach try: " + error));
  } finally {
    busy = false;
  }
}

function setupDevices() {
  const select = $("device");
  for (const device of about.devices || []) {
    const item = el("option", "", device.label);
    item.value = device.name;
    select.appendChild(item);
  }
  select.value = about.device;
  const note = () => {
    $("device-note").textContent = currentViewport()
      ? "Requests say the device renders APL, with this screen."
      : "Requests say the device has no screen.";
  };
  note();
  drawScreen(null);
  select.addEventListener("change", async () => {
    select.disabled = true;
    try {
      const answer = await postJson("/api/device", { device: select.value });
      if (answer.error) {
        select.value = about.device;
      } else {
        about.device = answer.device;
        drawScreen(null);
        note();
        add(el("li", "hint", "(now on " + select.options[select.selectedIndex].text +
          ": a new conversation)")).dataset.testid = "device-switched";
      }
    } finally {
      select.disabled = false;
    }
  });
  setInterval(() => { if (shown) shown.tick(); }, 200);
}

function showTurn(turn) {
  if (turn.screen) drawScreen(turn.screen);
  const understood = describeUnderstood(turn.understood);
  if (understood) add(el("li", "understood", "Understood: " + understood)).dataset.testid = "understood";
  if (turn.alexa_said) add(el("li", "alexa-own", "Alexa: " + turn.alexa_said));
  if (turn.error) add(el("li", "error", "The skill refused the request: " + turn.error));
  if (turn.speech) {
    const reply = add(el("li", "alexa", turn.speech));
    reply.dataset.testid = "reply";
    speak(turn.speech, turn.locale);
  }
  if (turn.card) {
    const card = el("li", "card");
    card.appendChild(el("div", "title", "Alexa app card: " + turn.card.title));
    card.appendChild(el("div", "text", turn.card.text));
    if (turn.card.type === "AskForPermissionsConsent") {
      const reminders = (turn.card.permissions || []).some((p) => p.includes("reminders"));
      const button = el("button", "", "Allow " + (reminders ? "reminders" : "timers") +
        " in the Alexa app");
      button.type = "button";
      button.id = "allow-in-app";
      button.addEventListener("click", async () => {
        button.disabled = true;
        showTurn(await postJson("/api/allow-in-app"));
      });
      card.appendChild(button);
    }
    add(card);
  }
  const permission = $("permission");
  if (turn.permission_question) {
    $("permission-question").textContent = "Alexa: " + turn.permission_question;
    permission.hidden = false;
    add(el("li", "alexa-own", "Alexa: " + turn.permission_question));
    speak(turn.permission_question, turn.locale);
  } else {
    permission.hidden = true;
  }
  if (turn.eliciting) add(el("li", "hint", "(Alexa listens for the " + turn.eliciting + ")"));
  else if (turn.session_open) add(el("li", "hint", "(the session stays open: Alexa listens)"));
  addDevTurn(turn);
}

function addDevTurn(turn) {
  const item = el("li");
  const details = el("details");
  details.appendChild(el("summary", "", (turn.said || "(nothing)").slice(0, 80) +
    " → HTTP " + turn.status));
  details.appendChild(el("div", "hint", "Request"));
  details.appendChild(el("pre", "request", JSON.stringify(turn.request, null, 2)));
  details.appendChild(el("div", "hint", "Response"));
  details.appendChild(el("pre", "response", JSON.stringify(turn.response, null, 2)));
  item.appendChild(details);
  $("dev-turns").appendChild(item);
}

async function send(text) {
  if (busy) return;
  busy = true;
  $("send").disabled = true;
  add(el("li", "user", text === "" ? "(nothing)" : text)).dataset.testid = "said";
  try {
    showTurn(await postJson("/api/say", { text }));
  } catch (error) {
    add(el("li", "error", "The page could not reach mat-coach try: " + error));
  } finally {
    busy = false;
    $("send").disabled = false;
  }
}

function clock(seconds) {
  const m = Math.floor(seconds / 60), s = seconds % 60;
  return m + ":" + String(s).padStart(2, "0");
}

function showTimers(timers) {
  const list = $("timers");
  list.replaceChildren();
  if (!timers.length) list.appendChild(el("li", "empty", "No timers."));
  for (const timer of timers) {
    const item = el("li", "timer" + (timer.paused ? " paused" : ""));
    item.appendChild(el("span", "label", timer.label + (timer.paused ? " (paused)" : "")));
    item.appendChild(el("span", "remaining", clock(timer.remaining)));
    list.appendChild(item);
  }
}

function showReminders(reminders) {
  const list = $("reminders");
  list.replaceChildren();
  if (!reminders.length) list.appendChild(el("li", "empty", "No reminders."));
  for (const reminder of reminders) {
    const item = el("li", "reminder");
    item.appendChild(el("span", "days", reminder.days.length ? reminder.days.join(", ") : "Once"));
    item.appendChild(el("span", "time", reminder.time));
    list.appendChild(item);
  }
}

function eventLine(event) {
  if (event.kind === "reminder") return "Reminder: " + (event.text || "(the reminder's chime)");
  const text = event.text || "(the timer's chime)";
  if (event.kind !== "timer") return "Alexa, meanwhile: " + text;
  const ended = event.audible === false ? "Check-in, no chime (" : "Timer done (";
  return ended + event.label + "): " + text;
}

// The fast-clock box belongs to the person while their change is on its way: a state poll
// sent before (or while) the change reached the server carries the old setting and must
// not tick the box back.
let clockEdits = 0, clockPending = 0;

async function poll() {
  const edits = clockEdits, settled = clockPending === 0;
  try {
    const response = await fetch("/api/state?after=" + lastEvent);
    const state = await response.json();
    showTimers(state.timers);
    showReminders(state.reminders || []);
    if (settled && edits === clockEdits && clockPending === 0) $("fast-clock").checked = state.fast;
    $("clock").textContent = "Device clock: " + state.local_clock + " (" + state.zone + ")";
    deviceClock = { ms: state.clock_ms, at: performance.now(), rate: state.rate };
    for (const event of state.events) {
      lastEvent = Math.max(lastEvent, event.number);
      const kind = event.kind === "progress" ? "alexa" : "announcement";
      add(el("li", kind, eventLine(event))).dataset.testid = event.kind;
      speak(event.text, state.locale);
    }
  } catch (error) {
    $("clock").textContent = "mat-coach try is not answering.";
  }
  setTimeout(poll, 250);
}

// What the page shows of the device's language: the switch, the examples, the microphone.
function showLanguage(info) {
  about = Object.assign(about, info);
  document.documentElement.lang = info.locale;
  $("locale").value = info.locale;
  $("language").textContent = "Active: " + info.language + " (" + info.locale + ")";
  $("utterance").placeholder = info.examples.length ? info.examples[0] : "";
  $("examples").textContent = info.examples.length
    ? "Try: " + info.examples.map((e) => "“" + e + "”").join(", ") + "."
    : "";
  $("voice-note").textContent = info.voice_input
    ? "Hold the microphone button and speak (English, offline, pocketsphinx)."
    : info.voice_hint;
  $("mic").disabled = !info.voice_input || !navigator.mediaDevices;
}

function setupLanguages() {
  const select = $("locale");
  for (const option of about.locales) {
    const item = el("option", "", option.language + " (" + option.locale + ")");
    item.value = option.locale;
    select.appendChild(item);
  }
  select.addEventListener("change", async () => {
    select.disabled = true;
    try {
      const info = await postJson("/api/locale", { locale: select.value });
      if (info.error) {
        add(el("li", "error", "The device cannot switch: " + info.error));
        select.value = about.locale;
      } else {
        showLanguage(info);
        $("permission").hidden = true;
        add(el("li", "hint", "(the device now speaks " + info.language + ", " + info.locale +
          ": a new conversation)")).dataset.testid = "language-switched";
      }
    } finally {
      select.disabled = false;
    }
  });
}

async function start() {
  about = await (await fetch("/api/about")).json();
  $("speech-note").textContent = about.speech
    ? "Replies are spoken with espeak-ng, offline, in the device's language."
    : "No espeak-ng here, so replies are shown as text" +
      (window.speechSynthesis ? " (and read by the browser's own voice, if it has one)" : "") +
      ". Install espeak-ng to hear them offline.";
  setupLanguages();
  showLanguage(about);
  setupDevices();
  $("say-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const input = $("utterance");
    const text = input.value;
    input.value = "";
    send(text);
  });
  $("allow").addEventListener("click", async () => {
    $("permission").hidden = true;
    add(el("li", "user", "Allow"));
    showTurn(await postJson("/api/permission", { allow: true }));
  });
  $("deny").addEventListener("click", async () => {
    $("permission").hidden = true;
    add(el("li", "user", "Deny"));
    showTurn(await postJson("/api/permission", { allow: false }));
  });
  $("start-over").addEventListener("click", async () => {
    $("start-over").disabled = true;
    try {
      await postJson("/api/start-over");
      $("permission").hidden = true;
      drawScreen(null);
      add(el("li", "hint", "(a new user on this device: a fresh routine, nothing allowed yet)"))
        .dataset.testid = "started-over";
    } finally {
      $("start-over").disabled = false;
    }
  });
  $("fast-clock").addEventListener("change", async (event) => {
    clockEdits += 1;
    clockPending += 1;
    try {
      await postJson("/api/clock", { fast: event.target.checked });
    } finally {
      clockPending -= 1;
    }
  });
  setupMicrophone();
  const first = await (await fetch("/api/state?after=0")).json();
  for (const event of first.events) lastEvent = Math.max(lastEvent, event.number);
  poll();
}

function setupMicrophone() {
  const mic = $("mic");
  if (!navigator.mediaDevices) return;
  let context = null, source = null, processor = null, chunks = [], stream = null;
  const begin = async () => {
    if (mic.disabled) return;  // no recogniser, or not for the device's language
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    } catch (error) {
      $("voice-note").textContent = "No microphone available (" + error.name + "). Typing works the same.";
      return;
    }
    context = new AudioContext();
    source = context.createMediaStreamSource(stream);
    processor = context.createScriptProcessor(4096, 1, 1);
    chunks = [];
    processor.onaudioprocess = (e) => chunks.push(new Float32Array(e.inputBuffer.getChannelData(0)));
    source.connect(processor);
    processor.connect(context.destination);
    light("listening");
  };
  const end = async () => {
    if (!context) return;
    const rate = context.sampleRate;
    processor.disconnect(); source.disconnect();
    stream.getTracks().forEach((t) => t.stop());
    await context.close();
    context = null;
    light("idle");
    const samples = downsample(chunks, rate, 16000);
    const response = await fetch("/api/listen", { method: "POST", body: samples.buffer,
      headers: { "Content-Type": "application/octet-stream" } });
    const result = await response.json();
    if (result.text) send(result.text);
    else $("voice-note").textContent = result.error || "Nothing recognised; try again or type it.";
  };
  mic.addEventListener("pointerdown", begin);
  mic.addEventListener("pointerup", end);
  mic.addEventListener("pointerleave", end);
}

function downsample(chunks, from, to) {
  const length = chunks.reduce((n, c) => n + c.length, 0);
  const all = new Float32Array(length);
  let offset = 0;
  for (const c of chunks) { all.set(c, offset); offset += c.length; }
  const ratio = from / to;
  const out = new Int16Array(Math.floor(length / ratio));
  for (let i = 0; i < out.length; i++) {
    const s = Math.max(-1, Math.min(1, all[Math.floor(i * ratio)]));
    out[i] = s < 0 ? s * 0x8000 : s * 0x7fff;
  }
  return out;
}

document.addEventListener("DOMContentLoaded", start);
