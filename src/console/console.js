// The training console's only script: copy-to-clipboard for a new token, and the live journal.
// Pages work without it (the token can be selected by hand, the journal reloaded).
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  for (const button of document.querySelectorAll("[data-copy]")) {
    button.addEventListener("click", () => copy(button));
  }
  const feed = document.querySelector("[data-feed]");
  if (feed) {
    setInterval(() => refresh(feed), 2000);
  }
});

async function copy(button) {
  const field = document.getElementById(button.dataset.copy);
  const status = document.querySelector(`[data-copied-for="${button.dataset.copy}"]`);
  if (!field) return;
  field.select();
  let copied = false;
  try {
    await navigator.clipboard.writeText(field.value);
    copied = true;
  } catch (_) {
    // Without clipboard permission (an old browser, a plain-http host) the selection still works.
    copied = document.execCommand && document.execCommand("copy");
  }
  if (status) {
    const english = document.documentElement.lang === "en";
    status.textContent = copied
      ? (english ? "Copied" : "Kopiert")
      : (english ? "Selected: press Ctrl+C" : "Markert: trykk Ctrl+C");
  }
}

async function refresh(feed) {
  if (document.hidden) return;
  try {
    const response = await fetch(feed.dataset.feed, { credentials: "same-origin" });
    if (response.ok) {
      feed.innerHTML = await response.text();
    }
  } catch (_) {
    // The sandbox is restarting or gone: the next tick tries again.
  }
}
