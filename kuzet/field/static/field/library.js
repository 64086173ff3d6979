// The legal library on the tablet: the norms the instruments check, from the offline
// package, readable and searchable without the network. A norm may carry official texts by
// effective date (loaded by the secretariat); the one in force on the day asked — the
// visit's date — is shown, else the library's own text (often a summary).
import { formatDate, h, language, t } from "./ui.js";

function inLanguage(norm, field) {
  return norm[`${field}_${language}`] || norm[`${field}_ru`] || norm[`${field}_kk`] || norm[field] || "";
}

/** {text, since, official} of ``norm`` on ``day`` (YYYY-MM-DD). */
export function normText(norm, day) {
  const inForce = (norm.versions || []).filter((v) => v.effective_date <= day)
    .sort((a, b) => a.effective_date.localeCompare(b.effective_date)).at(-1);
  if (inForce) return { text: inLanguage(inForce, "text"), since: inForce.effective_date, official: true };
  return { text: inLanguage(norm, "text"), since: null, official: !norm.text_is_summary };
}

/** One norm: code and title, act and article, the text in force on ``day``. */
export function normCard(norm, day, { heading = "h3" } = {}) {
  const { text, since, official } = normText(norm, day);
  const article = norm.article ? `, ${t("art. %(article)s", { article: norm.article })}` : "";
  const status = since ? t("Official text, in force since %(date)s.", { date: formatDate(since) })
    : official ? "" : t("Summary, not the official text.");
  return h("article", { class: "norm", dataset: { code: norm.code } },
    h(heading, {}, `${norm.code} — ${inLanguage(norm, "title")}`),
    h("p", { class: "muted" }, `${inLanguage(norm, "source_act")}${article}`),
    text ? h("p", { class: "norm-text" }, text) : h("p", { class: "muted" }, t("No text of this norm is in force on this date.")),
    status ? h("p", { class: "muted norm-status" }, status) : null);
}

/** The norms ``question`` checks, folded under it; null when it cites none. */
export function questionNorms(question, norms, day) {
  const cited = (question.norms || []).map((code) => norms.get(code)).filter(Boolean);
  if (!cited.length) return null;
  return h("details", { class: "norms" },
    h("summary", {}, t("Norms checked: %(codes)s", { codes: cited.map((n) => n.code).join(", ") })),
    ...cited.map((norm) => normCard(norm, day, { heading: "h4" })));
}

const fold = (text) => (text || "").toLocaleLowerCase().replace(/ё/g, "е").replace(/\s+/g, " ");

/** The norms in which every word of ``query`` appears (code, title, act, article, text). */
export function searchNorms(norms, query, day) {
  const words = fold(query).split(" ").filter(Boolean);
  if (!words.length) return norms;
  return norms.filter((norm) => {
    const texts = [norm.code, norm.article, norm.title_ru, norm.title_kk, norm.source_act_ru, norm.source_act_kk,
      norm.text_ru, norm.text_kk, ...(norm.versions || []).filter((v) => v.effective_date <= day).flatMap((v) => [v.text_ru, v.text_kk])];
    const haystack = fold(texts.join("\n"));
    return words.every((word) => haystack.includes(word));
  });
}

/**
 * The library: a search box and the norms that match, as they read on ``day``. ``context``
 * names the day (the visit's date, or today).
 */
export function libraryView(norms, day, context) {
  const list = h("div", { id: "norm-list" });
  const count = h("p", { class: "muted", id: "norm-count", role: "status" });
  const show = (query) => {
    const found = searchNorms(norms, query, day);
    count.textContent = t("Norms found: %(n)s of %(total)s", { n: found.length, total: norms.length });
    list.replaceChildren(...(found.length ? found.map((norm) => h("div", { class: "card" }, normCard(norm, day)))
      : [h("p", { class: "card muted" }, t("No norm matches."))]));
  };
  const search = h("input", { type: "search", id: "norm-search", "aria-label": t("Search the norms"),
    placeholder: t("Words, code or article"), oninput: () => show(search.value) });
  show("");
  return [
    h("h1", {}, t("Legal library")),
    h("p", { class: "muted" }, context, " ", t("Available without the network.")),
    h("div", { class: "card library-search" }, h("label", { for: "norm-search" }, t("Search the norms")), search),
    count,
    list,
  ];
}
