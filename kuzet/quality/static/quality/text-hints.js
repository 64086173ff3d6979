// Hints while a finding or recommendation is typed (visits/finding_new.html,
// recommendations/recommendation_new.html): progressive enhancement, the form works without.
//
// A form with data-quality-url marks its text fields with data-quality-kind ("finding" or
// "recommendation") and, for recommendations, data-quality-lang. A pause in typing sends the
// text to the server's rules (POST kind, text, lang → {weak, reasons}); the reasons, in the
// user's language, are shown under the field. Nothing is shown when the server cannot be
// reached or refuses: the hints never stop anyone from saving.
const WAIT_MS = 700;

function hintsFor(field) {
  const box = document.createElement("div");
  box.className = "quality-hints";
  box.setAttribute("role", "status");
  box.setAttribute("aria-live", "polite");
  box.hidden = true;
  field.insertAdjacentElement("afterend", box);
  return box;
}

function show(box, reasons, title) {
  box.replaceChildren();
  if (!reasons.length) {
    box.hidden = true;
    return;
  }
  const heading = document.createElement("p");
  heading.className = "quality-hints-title";
  heading.textContent = title;
  const list = document.createElement("ul");
  for (const reason of reasons) {
    const item = document.createElement("li");
    item.dataset.code = reason.code;
    item.textContent = reason.message;
    list.append(item);
  }
  box.append(heading, list);
  box.hidden = false;
}

function watch(form, field) {
  const url = form.dataset.qualityUrl;
  const title = form.dataset.qualityTitle || "";
  const token = form.querySelector('input[name="csrfmiddlewaretoken"]')?.value || "";
  const box = hintsFor(field);
  let timer = null;
  let asked = 0;
  async function check() {
    const mine = ++asked;
    const body = new URLSearchParams({ kind: field.dataset.qualityKind, text: field.value });
    if (field.dataset.qualityLang) body.set("lang", field.dataset.qualityLang);
    try {
      const response = await fetch(url, {
        method: "POST",
        body,
        credentials: "same-origin",
        headers: { "X-CSRFToken": token, Accept: "application/json" },
      });
      if (!response.ok || mine !== asked) return;
      const answer = await response.json();
      show(box, answer.reasons || [], title);
    } catch {
      // offline or refused: no hint rather than a wrong one
    }
  }
  field.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(check, WAIT_MS);
  });
  if (field.value.trim()) check();
}

for (const form of document.querySelectorAll("form[data-quality-url]")) {
  for (const field of form.querySelectorAll("textarea[data-quality-kind]")) watch(form, field);
}
