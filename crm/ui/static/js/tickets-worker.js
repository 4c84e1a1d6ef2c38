// A worker's day on a phone: today's visits by time, their open tickets, one button per step.

import { ApiError, api } from "./api.js";
import { $, fill, h, icon } from "./dom.js";
import { problemMessage } from "./errors.js";
import { dateTime, deviceSummary, nextDayIso, time, today } from "./format.js";
import { t } from "./i18n.js";
import { badge, nextButton } from "./ticket-bits.js";

const FILTERS = { open: ["new", "in_progress"], done: ["done"], all: [] };
const byId = new Map();
let todayIds = [];
let listIds = [];
let filter = "open";
let cursor = null;
let loaded = false;

function remember(tickets) {
  for (const ticket of tickets) byId.set(ticket.id, ticket);
  return tickets.map((ticket) => ticket.id);
}

async function loadToday() {
  const day = today();
  const from = new Date(`${day}T00:00`).toISOString();
  const to = nextDayIso(day);
  let visits;
  try {
    const page = await api("GET", "/tickets", {
      query: { scheduled_from: from, scheduled_to: to, sort: "scheduled_at", page_size: 100 },
    });
    visits = page.items;
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 400)) throw error;
    // A server without date filters: pick today's visits from the worker's own tickets.
    const page = await api("GET", "/tickets", { query: { page_size: 100 } });
    visits = page.items.filter((ticket) => ticket.scheduled_at && ticket.scheduled_at >= from && ticket.scheduled_at < to);
  }
  visits.sort((a, b) => a.scheduled_at.localeCompare(b.scheduled_at));
  todayIds = remember(visits);
}

async function loadList(after = null) {
  const page = await api("GET", "/tickets", {
    query: { status: FILTERS[filter], page_size: 20, cursor: after },
  });
  const ids = remember(page.items);
  listIds = after ? listIds.concat(ids) : ids;
  cursor = page.next_cursor;
}

function card(id, where) {
  const ticket = byId.get(id);
  const titleId = `${where}-title-${id}`;
  const facts = [
    ticket.scheduled_at ? h("span", { class: "fact" }, icon("clock"), where === "today" ? time(ticket.scheduled_at) : dateTime(ticket.scheduled_at)) : null,
    ticket.client_name ? h("span", { class: "fact" }, icon("user"), ticket.client_name) : null,
    ticket.address ? h("span", { class: "fact" }, icon("pin"), ticket.address) : null,
    deviceSummary(ticket.device) ? h("span", { class: "fact" }, icon("wrench"), deviceSummary(ticket.device)) : null,
  ];
  return h(
    "article",
    { class: `ticket-card status-${ticket.status}`, dataset: { id } },
    h(
      "div",
      { class: "card-top" },
      h("a", { href: `/ui/tickets/${id}`, id: titleId, class: "card-title" }, h("span", { class: "num" }, `#${id}`), " ", ticket.title),
      badge(ticket.status),
    ),
    h("p", { class: "facts" }, facts),
    nextButton(ticket, onChanged, titleId) ||
      (ticket.status === "done" ? h("p", { class: "done-note" }, icon("check"), t("tickets.doneNote")) : null),
  );
}

function onChanged(changed) {
  byId.set(changed.id, changed);
  draw();
}

function cards(ids, where, emptyKey) {
  if (!loaded) return h("p", { class: "muted" }, t("common.loading"));
  if (!ids.length) return h("div", { class: "empty small" }, h("p", {}, t(emptyKey)));
  return h("div", { class: "cards" }, ids.map((id) => card(id, where)));
}

let root = null;

function draw() {
  const tabs = Object.keys(FILTERS).map((name) =>
    h(
      "button",
      {
        type: "button",
        class: "chip",
        "aria-pressed": String(filter === name),
        onclick: async () => {
          filter = name;
          await refresh(false);
        },
      },
      t(`worker.filter.${name}`),
    ),
  );
  fill(
    root,
    h(
      "section",
      { "aria-labelledby": "today-heading", class: "today" },
      h("div", { class: "page-head" }, h("h1", { id: "today-heading" }, t("worker.today")), h("p", { class: "muted" }, new Intl.DateTimeFormat(document.documentElement.lang, { dateStyle: "full" }).format(new Date()))),
      cards(todayIds, "today", "worker.noVisits"),
    ),
    h(
      "section",
      { "aria-labelledby": "mine-heading" },
      h("h2", { id: "mine-heading" }, t("worker.mine")),
      h("div", { class: "chips", role: "group", "aria-label": t("worker.show") }, tabs),
      h("p", { id: "list-alert", class: "banner error", role: "alert", hidden: true }),
      cards(listIds, "list", "worker.none"),
      cursor ? h("p", { class: "more" }, h("button", { type: "button", class: "btn", onclick: more }, t("common.more"))) : null,
    ),
  );
}

async function more() {
  await guarded(() => loadList(cursor));
}

async function refresh(withToday = true) {
  await guarded(() => Promise.all([withToday ? loadToday() : null, loadList()]));
}

async function guarded(work) {
  try {
    await work();
    loaded = true;
    draw();
  } catch (error) {
    loaded = true;
    draw();
    const alert = $("#list-alert");
    alert.textContent = problemMessage(error);
    alert.hidden = false;
  }
}

export async function show(into) {
  root = into;
  draw();
  document.addEventListener("langchange", draw);
  await refresh();
}
