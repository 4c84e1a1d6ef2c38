// The admin's ticket list: search as you type, status chips with counts, filters, sort, more.

import { ApiError, api } from "./api.js";
import { $, debounce, fill, h, icon } from "./dom.js";
import { problemMessage } from "./errors.js";
import { count, dateTime, deviceSummary, localToIso, nextDayIso, statusLabel } from "./format.js";
import { t } from "./i18n.js";
import { nameOf } from "./session.js";
import { STATUSES } from "./status.js";
import { assigneeSelect, statusSelect, workers } from "./ticket-bits.js";

const SORTS = ["-created_at", "created_at", "-updated_at", "scheduled_at"];
const state = readUrl();
let me = null;
let people = [];
let items = [];
let cursor = null;
let total = null;
let counts = null;
let countsServed = true;
let loading = 0;
let loaded = false;

function readUrl() {
  const q = new URLSearchParams(location.search);
  return {
    q: q.get("q") || "",
    statuses: q.getAll("status").filter((s) => STATUSES.includes(s)),
    assignee: q.get("assignee") || "",
    dateField: q.get("date") === "scheduled" ? "scheduled" : "created",
    from: q.get("from") || "",
    to: q.get("to") || "",
    sort: SORTS.includes(q.get("sort")) ? q.get("sort") : SORTS[0],
    clientId: q.get("client_id") || "",
  };
}

function writeUrl() {
  const q = new URLSearchParams();
  if (state.q) q.set("q", state.q);
  for (const s of state.statuses) q.append("status", s);
  if (state.assignee) q.set("assignee", state.assignee);
  if (state.from || state.to) q.set("date", state.dateField);
  if (state.from) q.set("from", state.from);
  if (state.to) q.set("to", state.to);
  if (state.sort !== SORTS[0]) q.set("sort", state.sort);
  if (state.clientId) q.set("client_id", state.clientId);
  const text = q.toString();
  history.replaceState(null, "", text ? `?${text}` : location.pathname);
}

/** The API's query for the current filters; defaults stay out, so older servers understand. */
function query(withStatus = true) {
  const out = { q: state.q, client_id: state.clientId };
  if (withStatus) out.status = state.statuses;
  if (state.assignee === "none") out.unassigned = "true";
  else out.assignee_id = state.assignee;
  if (state.sort !== SORTS[0]) out.sort = state.sort;
  out[`${state.dateField}_from`] = localToIso(state.from);
  out[`${state.dateField}_to`] = nextDayIso(state.to);
  return out;
}

async function reload() {
  writeUrl();
  const mine = ++loading;
  cursor = null;
  const [page] = await Promise.all([fetchPage(mine), loadCounts(mine)]);
  if (mine !== loading) return;
  loaded = true;
  if (!page) {
    // The banner says why; the list says there is nothing to show.
    items = [];
    cursor = null;
    drawList();
    return;
  }
  items = page.items;
  takePage(page);
  drawList();
  drawChips();
}

async function fetchPage(mine, after = null) {
  try {
    const page = await api("GET", "/tickets", { query: { ...query(), page_size: 25, cursor: after } });
    if (mine === loading) showAlert(null);
    return page;
  } catch (error) {
    if (mine === loading) showAlert(problemMessage(error));
    return null;
  }
}

async function loadCounts(mine) {
  if (!countsServed) return;
  try {
    const answer = await api("GET", "/tickets/counts", { query: query(false) });
    if (mine === loading) counts = answer;
  } catch (error) {
    // Until the server has counts, the chips simply carry no numbers.
    if (error instanceof ApiError && [400, 404, 405].includes(error.status)) countsServed = false;
    counts = null;
  }
}

function takePage(page) {
  cursor = page.next_cursor;
  total = typeof page.total === "number" ? page : null;
}

async function more() {
  const mine = loading;
  const page = await fetchPage(mine, cursor);
  if (mine !== loading || !page) return;
  items = items.concat(page.items);
  takePage(page);
  drawList();
}

function showAlert(message) {
  const alert = $("#list-alert");
  alert.hidden = !message;
  alert.textContent = message || "";
}

function drawChips() {
  const chip = (value, label, n, pressed) =>
    h(
      "button",
      {
        type: "button",
        class: `chip ${value ? `status-${value}` : ""}`,
        "aria-pressed": String(pressed),
        onclick: () => {
          if (!value) state.statuses = [];
          else if (state.statuses.includes(value)) state.statuses = state.statuses.filter((s) => s !== value);
          else state.statuses = [...state.statuses, value];
          reload();
        },
      },
      label,
      n === undefined || n === null ? null : h("span", { class: "chip-count" }, count(n)),
    );
  fill(
    $("#chips"),
    chip("", t("tickets.all"), counts && counts.total, state.statuses.length === 0),
    STATUSES.map((s) => chip(s, statusLabel(s), counts && counts.by_status && counts.by_status[s], state.statuses.includes(s))),
  );
}

function onChanged(changed) {
  items = items.map((item) => (item.id === changed.id ? changed : item));
  drawList();
  loadCounts(loading).then(drawChips);
}

function row(ticket) {
  const second = [ticket.client_name, deviceSummary(ticket.device)].filter(Boolean).join(" · ");
  return h(
    "tr",
    { dataset: { id: ticket.id } },
    h("td", { class: "num", "data-label": t("tickets.number") }, `#${ticket.id}`),
    h(
      "td",
      { class: "title-cell", "data-label": t("tickets.ticket") },
      h(
        "div",
        {},
        h("span", { class: "num-inline" }, `#${ticket.id} `),
        h("a", { href: `/ui/tickets/${ticket.id}`, class: "ticket-link" }, ticket.title),
        second ? h("span", { class: "sub" }, second) : null,
      ),
    ),
    h("td", { "data-label": t("tickets.status") }, statusSelect(ticket, me.role, onChanged)),
    h("td", { "data-label": t("tickets.assignee") }, assigneeSelect(ticket, people, onChanged)),
    h("td", { class: "when", "data-label": t("tickets.visit") }, dateTime(ticket.scheduled_at)),
    h("td", { class: "when", "data-label": t("tickets.created") }, dateTime(ticket.created_at)),
  );
}

function drawList() {
  const list = $("#list");
  if (!loaded) {
    fill(list, h("p", { class: "empty muted" }, t("common.loading")));
  } else if (!items.length) {
    fill(list, h("div", { class: "empty" }, icon("search", "big"), h("p", {}, t("tickets.none"))));
  } else {
    const heads = ["number", "ticket", "status", "assignee", "visit", "created"];
    fill(
      list,
      h(
        "table",
        { class: "table responsive" },
        h("caption", { class: "visually-hidden" }, t("tickets.heading")),
        h("thead", {}, h("tr", {}, heads.map((k) => h("th", { scope: "col" }, t(`tickets.${k}`))))),
        h("tbody", {}, items.map(row)),
      ),
    );
  }
  $("#more").hidden = !cursor;
  const shown = total
    ? t(total.total_exact === false ? "tickets.totalAtLeast" : "tickets.total", { n: count(total.total) })
    : cursor
      ? ""
      : t("tickets.total", { n: count(items.length) });
  $("#total").textContent = shown;
}

function field(id, labelKey, control) {
  control.id = id;
  return h("div", { class: "field" }, h("label", { for: id }, t(labelKey)), control);
}

function options(pairs, selected) {
  return pairs.map(([value, label]) => h("option", { value, selected: value === selected }, label));
}

function drawToolbar(root) {
  const search = h("input", { type: "search", value: state.q, autocomplete: "off", placeholder: t("tickets.searchHint") });
  search.addEventListener("input", debounce(() => {
    state.q = search.value.trim();
    reload();
  }, 300));
  const assignee = h(
    "select",
    { onchange: (e) => ((state.assignee = e.target.value), reload()) },
    options(
      [["", t("tickets.anyone")], ["none", t("tickets.unassigned")], ...people.map((p) => [String(p.id), nameOf(p)])],
      state.assignee,
    ),
  );
  const sort = h(
    "select",
    { onchange: (e) => ((state.sort = e.target.value), reload()) },
    options(SORTS.map((s) => [s, t(`tickets.sort.${s}`)]), state.sort),
  );
  const dateField = h(
    "select",
    { onchange: (e) => ((state.dateField = e.target.value), reload()) },
    options([["created", t("tickets.byCreated")], ["scheduled", t("tickets.byVisit")]], state.dateField),
  );
  const from = h("input", { type: "date", value: state.from, onchange: (e) => ((state.from = e.target.value), reload()) });
  const to = h("input", { type: "date", value: state.to, onchange: (e) => ((state.to = e.target.value), reload()) });
  const clear = h(
    "button",
    {
      type: "button",
      class: "btn ghost",
      onclick: () => {
        Object.assign(state, { q: "", statuses: [], assignee: "", from: "", to: "", sort: SORTS[0], clientId: "" });
        draw(root);
        reload();
      },
    },
    t("tickets.clear"),
  );
  // Phones fold the filters away (the search stays); wide screens show them all.
  const active = state.assignee || state.from || state.to || state.sort !== SORTS[0];
  const open = active || window.matchMedia("(min-width: 761px)").matches;
  return h(
    "div",
    { class: "toolbar card" },
    h("div", { class: "field grow search-field" }, h("label", { for: "ticket-search" }, t("tickets.search")), Object.assign(search, { id: "ticket-search" })),
    h(
      "details",
      { class: "filters", open },
      h("summary", {}, t("tickets.filters")),
      h(
        "div",
        { class: "filters-body" },
        field("assignee-filter", "tickets.assignee", assignee),
        field("sort", "tickets.sortBy", sort),
        field("date-field", "tickets.dates", dateField),
        field("date-from", "tickets.from", from),
        field("date-to", "tickets.to", to),
        h("div", { class: "field end" }, clear),
      ),
    ),
  );
}

function draw(root) {
  fill(
    root,
    h("div", { class: "page-head" }, h("h1", {}, t("tickets.heading")), h("p", { id: "total", class: "muted", "aria-live": "polite" })),
    state.clientId ? h("p", { class: "banner info" }, t("tickets.forClient", { id: state.clientId })) : null,
    drawToolbar(root),
    h("div", { id: "chips", class: "chips", role: "group", "aria-label": t("tickets.status") }),
    h("p", { id: "list-alert", class: "banner error", role: "alert", hidden: true }),
    h("div", { id: "list", class: "list" }),
    h("p", { class: "more" }, h("button", { type: "button", id: "more", class: "btn", hidden: true, onclick: more }, t("common.more"))),
  );
  drawChips();
  drawList();
}

export async function show(root, user) {
  me = user;
  people = await workers();
  draw(root);
  document.addEventListener("langchange", () => draw(root));
  await reload();
}
