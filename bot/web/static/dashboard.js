// Live updates: the server sends an event for every change to any case (server-sent events);
// the page fetches the part that shows it (the queue rows, or the open case's transcript)
// as HTML rendered by the server. Without this script the pages still work, reloaded by hand.
(function () {
  "use strict";
  const live = document.querySelector("[data-live]");
  if (!live || !window.EventSource) return;
  const kind = live.dataset.live;
  const caseId = live.dataset.case;
  const alertBox = document.getElementById("alert");
  const badge = document.querySelector(".live");
  let pending = null;
  let leaving = false;   // a form was sent: its answer decides the next page, not an event
  document.addEventListener("submit", () => { leaving = true; });

  function refresh() {
    // several events in a burst: one fetch
    if (pending || leaving) return;
    pending = setTimeout(async () => {
      pending = null;
      const response = await fetch(live.dataset.refresh, {
        headers: { "X-Background": "1" }, credentials: "same-origin" });
      if (response.status === 401) { window.location = "/login"; return; }
      if (!response.ok) return;
      const target = document.getElementById(kind === "queue" ? "rows" : "transcript");
      target.innerHTML = await response.text();
      if (kind === "case") {
        const chat = target.querySelector(".chat");
        if (chat) chat.scrollTop = chat.scrollHeight;
      }
    }, 150);
  }

  function warn(text) {
    alertBox.textContent = text;
    alertBox.hidden = false;
  }

  const events = new EventSource("/events");
  events.addEventListener("open", () => badge && badge.classList.remove("off"));
  events.addEventListener("error", () => badge && badge.classList.add("off"));
  events.addEventListener("logout", () => { window.location = "/login"; });
  events.addEventListener("handoff", (message) => {
    const data = JSON.parse(message.data);
    if (kind === "queue") {
      refresh();
      if (data.event === "opened" && data.priority === "critical") {
        warn("새 위급 상담 요청이 들어왔어요.");
      }
      if (data.event === "escalated" && live.dataset.role === "supervisor") {
        warn("기한 안에 아무도 받지 않은 상담 요청이 있어요. 확인해 주세요.");
      }
    } else if (data.case_id === caseId && !leaving) {
      if (["message", "raised", "replied", "noted"].includes(data.event)) refresh();
      else if (data.event !== "claimed" || live.querySelector("form[action$='/claim']")) {
        window.location.reload();
      }
    }
  });
  // waiting times and SLA state age even when nothing happens
  if (kind === "queue") setInterval(refresh, 30000);
  const chat = document.querySelector("#transcript .chat");
  if (chat) chat.scrollTop = chat.scrollHeight;
})();
