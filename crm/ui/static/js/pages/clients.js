// /ui/clients: admins manage customers.

import { api } from "../api.js";
import { $, h } from "../dom.js";
import { problemMessage } from "../errors.js";
import { dateTime } from "../format.js";
import { t } from "../i18n.js";
import { confirmDialog, notify, startPage } from "../layout.js";
import { changes, formDialog } from "../forms.js";
import { listing } from "../listing.js";

await startPage({ staff: true, admin: true, active: "clients" });
const search = $("#client-search");
const NAMES = ["name", "phone", "email", "comment"];

function fields() {
  return [
    { name: "name", label: t("clients.name"), maxlength: 200, autocomplete: "off" },
    { name: "phone", label: t("clients.phone"), type: "tel", maxlength: 40 },
    { name: "email", label: t("clients.email"), type: "email", maxlength: 254 },
    { name: "comment", label: t("clients.comment"), type: "textarea", maxlength: 2000 },
  ];
}

const filled = (v) => Object.fromEntries(Object.entries(v).filter(([, value]) => value !== ""));

async function create() {
  const client = await formDialog({
    title: t("clients.new"),
    fields: fields(),
    submit: t("clients.create"),
    save: (v) => api("POST", "/clients", { body: filled(v) }),
  });
  if (client) {
    notify(t("clients.created", { name: client.name || client.phone || client.email }));
    list.reload();
  }
}

async function edit(client) {
  const initial = Object.fromEntries(NAMES.map((n) => [n, client[n] || ""]));
  const changed = await formDialog({
    title: t("clients.edit"),
    fields: fields(),
    initial,
    submit: t("common.save"),
    save: async (v) => {
      const patch = changes(initial, v, NAMES);
      return Object.keys(patch).length ? api("PATCH", `/clients/${client.id}`, { body: patch }) : client;
    },
  });
  if (changed) {
    list.replace(changed);
    notify(t("common.saved"));
  }
}

async function remove(client) {
  const label = client.name || client.phone || client.email;
  const sure = await confirmDialog(t("clients.deleteConfirm", { name: label }), { confirm: t("common.delete"), danger: true });
  if (!sure) return;
  list.alert(null);
  try {
    await api("DELETE", `/clients/${client.id}`);
    list.remove(client.id);
    notify(t("clients.deleted", { name: label }));
  } catch (error) {
    list.alert(error);
    notify(problemMessage(error), "error");
  }
}

function row(client) {
  const label = (key) => ({ "data-label": t(key) });
  return h(
    "tr",
    {},
    h("td", label("clients.name"), h("div", {}, h("span", { class: "strong" }, client.name || "—"), client.comment ? h("span", { class: "sub" }, client.comment) : null)),
    h("td", label("clients.phone"), client.phone ? h("a", { href: `tel:${client.phone}` }, client.phone) : "—"),
    h("td", label("clients.email"), client.email ? h("a", { href: `mailto:${client.email}` }, client.email) : "—"),
    h("td", { ...label("tickets.created"), class: "when" }, dateTime(client.created_at)),
    h(
      "td",
      { ...label("common.actions"), class: "actions-cell" },
      h("a", { class: "btn small", href: `/ui/tickets?client_id=${client.id}` }, t("clients.tickets")),
      h("button", { type: "button", class: "btn small", onclick: () => edit(client) }, t("common.edit")),
      h("button", { type: "button", class: "btn small danger-text", onclick: () => remove(client) }, t("common.delete")),
    ),
  );
}

const list = listing({
  path: "/clients",
  query: () => ({ q: search.value.trim() }),
  emptyKey: "clients.none",
  inputs: [search],
  draw: (items) =>
    h(
      "table",
      { class: "table responsive" },
      h("caption", { class: "visually-hidden" }, t("clients.heading")),
      h("thead", {}, h("tr", {}, ["clients.name", "clients.phone", "clients.email", "tickets.created", "common.actions"].map((k) => h("th", { scope: "col" }, t(k))))),
      h("tbody", {}, items.map(row)),
    ),
});
$("#new-client").addEventListener("click", create);
await list.reload();
