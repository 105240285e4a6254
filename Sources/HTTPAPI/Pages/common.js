// Shared by /studio and /watch: sessions, API calls, the chat socket, WHIP/WHEP.
"use strict";
const api = "/api/v1";
const slug = decodeURIComponent(location.pathname.split("/").pop());
const $ = (id) => document.getElementById(id);

function token() { return sessionStorage.getItem("marquee.token"); }
function setStatus(text) { $("status").textContent = text; }

async function call(method, path, body, bearer = token()) {
  const headers = {};
  if (bearer) headers.authorization = "Bearer " + bearer;
  if (body !== undefined) headers["content-type"] = "application/json";
  const response = await fetch(api + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  const json = text ? JSON.parse(text) : null;
  if (!response.ok) throw new Error(json && json.detail ? json.detail : response.status + " " + response.statusText);
  return json;
}

async function login(event) {
  event.preventDefault();
  try {
    const session = await call("POST", "/sessions", { handle: $("handle").value, password: $("password").value }, null);
    sessionStorage.setItem("marquee.token", session.token);
    location.reload();
  } catch (error) { setStatus("login failed: " + error.message); }
}

function logout() { sessionStorage.removeItem("marquee.token"); location.reload(); }

/// Opens the channel's chat socket; `onEvent` gets every server message.
function openChat(onEvent, sessionId) {
  const query = new URLSearchParams();
  if (token()) query.set("access_token", token());
  if (sessionId) query.set("session", sessionId);
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  const socket = new WebSocket(`${scheme}//${location.host}${api}/channels/${encodeURIComponent(slug)}/chat?${query}`);
  socket.onmessage = (message) => onEvent(JSON.parse(message.data));
  socket.onclose = (event) => onEvent({ type: "closed", reason: event.reason });
  return socket;
}

function appendChat(message) {
  const line = document.createElement("div");
  line.className = "chat-line";
  line.dataset.id = message.id;
  const who = document.createElement("b");
  who.textContent = message.author.handle + ": ";
  line.append(who, document.createTextNode(message.text));
  $("chat-log").append(line);
  $("chat-log").scrollTop = $("chat-log").scrollHeight;
}

/// WHIP/WHEP (RFC 9725): POST the offer, get the answer and the session's Location.
async function exchange(url, pc, bearer) {
  await pc.setLocalDescription(await pc.createOffer());
  await new Promise((resolve) => {
    if (pc.iceGatheringState === "complete") return resolve();
    pc.addEventListener("icegatheringstatechange", () => pc.iceGatheringState === "complete" && resolve());
    setTimeout(resolve, 2000);
  });
  const headers = { "content-type": "application/sdp" };
  if (bearer) headers.authorization = "Bearer " + bearer;
  const response = await fetch(url, { method: "POST", headers, body: pc.localDescription.sdp });
  const text = await response.text();
  if (response.status !== 201) {
    let detail = text;
    try { detail = JSON.parse(text).detail; } catch (_) {}
    throw new Error(detail || response.status);
  }
  await pc.setRemoteDescription({ type: "answer", sdp: text });
  return new URL(response.headers.get("location"), location.href).toString();
}
