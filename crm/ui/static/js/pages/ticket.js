// /ui/tickets/{id}: every field, actions, comments (internal and customer-visible) and history.

import { ApiError, api } from "../api.js";
import { $, fill, h, icon } from "../dom.js";
import { clearErrors, markField, showErrors } from "../errors.js";
import { dateTime, hasDevice, statusLabel } from "../format.js";
import { t } from "../i18n.js";
import { notify, startPage } from "../layout.js";
import { nameOf } from "../session.js";
import { assigneeName, assigneeSelect, badge, nextButton, statusSelect, workers } from "../ticket-bits.js";

const id = Number(location.pathname.split("/").pop());
const view = $("#view");
let me = null;
let ticket = null;
let people = [];
let events = [];
let comments = null; // null: this server has no comments
let commentsCursor = null;

async function pages(path, maxPages = 5) {
  const items = [];
  let cursor = null;
  for (let i = 0; i < maxPages; i += 1) {
    const page = await api("GET", path, { query: { page_size: 100, cursor } });
    items.push(...page.items);
    cursor = page.next_cursor;
    if (!cursor) break;
  }
  return { items, cursor };
}

async function loadComments(after = null) {
  try {
    const page = await api("GET", `/tickets/${id}/comments`, { query: { page_size: 50, cursor: after } });
    comments = after ? comments.concat(page.items) : page.items;
    commentsCursor = page.next_cursor;
  } catch (error) {
    if (!(error instanceof ApiError && [404, 405].includes(error.status))) throw error;
    comments = null;
  }
}

async function load() {
  try {
    ticket = await api("GET", `/tickets/${id}`);
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) {
      fill(view, h("div", { class: "card empty-card" }, h("h1", {}, t("ticket.missing")), h("p", {}, t("ticket.missingText"))));
      return;
    }
    throw error;
  }
  const [history] = await Promise.all([pages(`/tickets/${id}/events`), loadComments(), me.role === "admin" ? workers().then((w) => (people = w)) : null]);
  events = history.items;
  draw();
}

async function refreshAfterChange(changed) {
  ticket = changed;
  events = (await pages(`/tickets/${id}/events`)).items;
  draw();
}

function row(labelKey, value) {
  return h("div", {}, h("dt", {}, t(labelKey)), h("dd", {}, value || "—"));
}

function actions() {
  if (me.role === "admin") {
    return h(
      "section",
      { class: "card", "aria-labelledby": "actions-heading" },
      h("h2", { id: "actions-heading" }, t("ticket.actions")),
      h("div", { class: "field" }, h("label", { for: "status-select" }, t("tickets.status")), Object.assign(statusSelect(ticket, me.role, refreshAfterChange), { id: "status-select" })),
      h("div", { class: "field" }, h("label", { for: "assignee-select" }, t("tickets.assignee")), Object.assign(assigneeSelect(ticket, people, refreshAfterChange), { id: "assignee-select" })),
    );
  }
  const next = nextButton(ticket, refreshAfterChange, "ticket-title");
  return next ? h("section", { class: "card" }, next) : null;
}

function details() {
  const client = me.role === "admin" && ticket.client_id
    ? h("a", { href: `/ui/tickets?client_id=${ticket.client_id}` }, ticket.client_name || `#${ticket.client_id}`)
    : ticket.client_name;
  return h(
    "section",
    { class: "card", "aria-labelledby": "details-heading" },
    h("h2", { id: "details-heading" }, t("ticket.details")),
    h(
      "dl",
      { class: "details" },
      row("ticket.client", client),
      row("tickets.assignee", me.role === "admin" ? assigneeName(ticket, people) : ticket.assignee_id === me.id ? nameOf(me) : assigneeName(ticket)),
      row("tickets.visit", ticket.scheduled_at ? dateTime(ticket.scheduled_at) : null),
      "address" in ticket ? row("ticket.address", ticket.address) : null,
      row("tickets.created", dateTime(ticket.created_at)),
      row("ticket.updated", dateTime(ticket.updated_at)),
    ),
  );
}

function device() {
  if (!hasDevice(ticket.device)) return null;
  return h(
    "section",
    { class: "card", "aria-labelledby": "device-heading" },
    h("h2", { id: "device-heading" }, t("device.heading")),
    h("dl", { class: "details" }, ["kind", "brand", "model", "serial"].map((key) => row(`device.${key}`, ticket.device[key]))),
  );
}

function commentItem(c) {
  const kind = c.author === "customer" ? "customer" : c.visibility;
  const tag = {
    internal: [icon("lock"), t("comments.internal")],
    public: [icon("eye"), t("comments.public")],
    customer: [icon("chat"), t("comments.customer")],
  }[kind];
  const author = c.author_name || (c.author === "customer" ? ticket.client_name || t("comments.customerName") : t("comments.staff"));
  return h(
    "li",
    { class: `comment ${kind}` },
    h(
      "p",
      { class: "comment-meta" },
      h("span", { class: `tag ${kind}` }, tag),
      h("strong", {}, author),
      h("time", { datetime: c.created_at }, dateTime(c.created_at)),
      c.edited_at ? h("span", { class: "muted" }, t("comments.edited")) : null,
    ),
    h("p", { class: "comment-body" }, c.body),
  );
}

function commentForm() {
  const submitLabel = () => t($("input[name=visibility]:checked", form).value === "public" ? "comments.sendPublic" : "comments.sendInternal");
  const choice = (value, checked) =>
    h(
      "label",
      { class: `choice ${value}` },
      h("input", { type: "radio", name: "visibility", value, checked, onchange: () => (button.textContent = submitLabel()) }),
      h("span", {}, h("strong", {}, t(`comments.${value}`)), h("span", { class: "hint" }, t(`comments.${value}Hint`))),
    );
  const button = h("button", { type: "submit", class: "btn primary" }, t("comments.sendInternal"));
  const form = h(
    "form",
    { class: "form comment-form", novalidate: true, onsubmit: (e) => addComment(e, form) },
    h("p", { class: "form-alert", role: "alert", tabindex: "-1", hidden: true }),
    h("fieldset", { class: "choices" }, h("legend", {}, t("comments.who")), choice("internal", true), choice("public", false)),
    h("div", { class: "field" }, h("label", { for: "comment-body" }, t("comments.text")), h("textarea", { id: "comment-body", rows: 3, maxlength: 5000, "data-field": "body" })),
    button,
  );
  return form;
}

async function addComment(event, form) {
  event.preventDefault();
  clearErrors(form);
  const text = $("#comment-body").value.trim();
  if (!text) {
    markField($("#comment-body"), t("errors.required"));
    $("#comment-body").focus();
    return;
  }
  const visibility = $("input[name=visibility]:checked", form).value;
  try {
    await api("POST", `/tickets/${id}/comments`, { body: { body: text, visibility } });
    notify(t(visibility === "public" ? "comments.sentPublic" : "comments.sentInternal"));
    await loadComments();
    draw();
    $("#comment-body").focus();
  } catch (error) {
    showErrors(form, error);
  }
}

function commentsSection() {
  if (comments === null) return null;
  return h(
    "section",
    { class: "card", "aria-labelledby": "comments-heading" },
    h("h2", { id: "comments-heading" }, t("comments.heading")),
    comments.length ? h("ol", { class: "comments" }, comments.map(commentItem)) : h("p", { class: "muted" }, t("comments.none")),
    commentsCursor ? h("button", { type: "button", class: "btn", onclick: async () => { await loadComments(commentsCursor); draw(); } }, t("common.more")) : null,
    commentForm(),
  );
}

function who(person) {
  if (!person) return t("history.someone");
  if (person === me.id) return nameOf(me);
  const found = people.find((p) => p.id === person);
  return found ? nameOf(found) : `#${person}`;
}

function eventText(e) {
  switch (e.kind) {
    case "created":
      return e.actor_id ? t("history.createdBy", { who: e.actor_email }) : t("history.received");
    case "status_changed":
      return t("history.status", { from: statusLabel(e.from_status), to: statusLabel(e.to_status) });
    case "assigned":
      return e.to_assignee_id ? t("history.assigned", { who: who(e.to_assignee_id) }) : t("history.unassigned");
    default:
      return t("history.edited", { fields: Object.keys(e.changes || {}).join(", ") });
  }
}

function history() {
  return h(
    "section",
    { class: "card", "aria-labelledby": "history-heading" },
    h("h2", { id: "history-heading" }, t("history.heading")),
    h(
      "ol",
      { class: "history" },
      events.map((e) =>
        h(
          "li",
          {},
          h("span", { class: "history-text" }, eventText(e)),
          h("span", { class: "muted" }, [e.actor_email && e.kind !== "created" ? `${e.actor_email} · ` : "", dateTime(e.created_at)]),
        ),
      ),
    ),
  );
}

function draw() {
  if (!ticket) return;
  document.title = `#${ticket.id} ${ticket.title} · ${t("brand")}`;
  fill(
    view,
    h(
      "div",
      { class: "page-head" },
      h("div", {}, h("p", { class: "eyebrow" }, t("ticket.number", { id: ticket.id })), h("h1", { id: "ticket-title" }, ticket.title)),
      badge(ticket.status),
    ),
    h(
      "div",
      { class: "detail-grid" },
      h(
        "div",
        { class: "main-col" },
        h("section", { class: "card", "aria-labelledby": "description-heading" }, h("h2", { id: "description-heading" }, t("ticket.description")), h("p", { class: "prewrap" }, ticket.description || t("ticket.noDescription"))),
        commentsSection(),
        history(),
      ),
      h("aside", { class: "side-col" }, actions(), details(), device()),
    ),
  );
}

me = await startPage({ staff: true, active: "tickets" });
document.addEventListener("langchange", draw);
await load();
