// /ui/users: admins manage staff accounts.

import { api } from "../api.js";
import { $, h } from "../dom.js";
import { problemMessage } from "../errors.js";
import { dateTime } from "../format.js";
import { t } from "../i18n.js";
import { confirmDialog, notify, startPage } from "../layout.js";
import { changes, formDialog } from "../forms.js";
import { listing } from "../listing.js";

const me = await startPage({ staff: true, admin: true, active: "users" });
const search = $("#user-search");
const role = $("#user-role");
// The display name field appears once the API shows one (users carry display_name).
const named = () => list.items().some((u) => "display_name" in u);

function roles() {
  return [["worker", t("role.worker")], ["admin", t("role.admin")]];
}

function fields({ creating }) {
  return [
    { name: "email", label: t("users.email"), type: "email", autocomplete: "off" },
    named() ? { name: "display_name", label: t("users.displayName"), maxlength: 200 } : null,
    {
      name: "password",
      label: t(creating ? "users.password" : "users.newPassword"),
      type: "password",
      autocomplete: "new-password",
      hint: t(creating ? "users.passwordHint" : "users.keepPassword"),
    },
    { name: "role", label: t("users.role"), type: "select", options: roles() },
  ].filter(Boolean);
}

async function create() {
  const user = await formDialog({
    title: t("users.new"),
    fields: fields({ creating: true }),
    initial: { role: "worker" },
    submit: t("users.create"),
    save: (v) => {
      const body = { email: v.email, password: v.password, role: v.role };
      if (v.display_name) body.display_name = v.display_name;
      return api("POST", "/users", { body });
    },
  });
  if (user) {
    notify(t("users.created", { email: user.email }));
    list.reload();
  }
}

async function edit(user) {
  const initial = { email: user.email, display_name: user.display_name || "", password: "", role: user.role };
  const changed = await formDialog({
    title: t("users.edit", { email: user.email }),
    fields: fields({ creating: false }),
    initial,
    submit: t("common.save"),
    save: async (v) => {
      const patch = changes(initial, v, ["display_name"]);
      if (!Object.keys(patch).length) return user;
      return api("PATCH", `/users/${user.id}`, { body: patch });
    },
  });
  if (changed) {
    list.replace(changed);
    notify(t("common.saved"));
  }
}

async function act(work, done) {
  list.alert(null);
  try {
    const result = await work();
    done(result);
  } catch (error) {
    list.alert(error);
    notify(problemMessage(error), "error");
  }
}

function setActive(user, active) {
  act(
    () => api("PATCH", `/users/${user.id}`, { body: { active } }),
    (changed) => {
      list.replace(changed);
      notify(t(active ? "users.activated" : "users.deactivated", { email: user.email }));
    },
  );
}

async function remove(user) {
  const sure = await confirmDialog(t("users.deleteConfirm", { email: user.email }), { confirm: t("common.delete"), danger: true });
  if (!sure) return;
  act(
    () => api("DELETE", `/users/${user.id}`),
    () => {
      list.remove(user.id);
      notify(t("users.deleted", { email: user.email }));
    },
  );
}

function row(user) {
  const label = (key) => ({ "data-label": t(key) });
  return h(
    "tr",
    { class: user.active ? "" : "inactive" },
    h(
      "td",
      label("users.user"),
      h(
        "div",
        {},
        h("span", { class: "strong" }, user.display_name || user.email),
        user.id === me.id ? h("span", { class: "tag you" }, t("users.you")) : null,
        user.display_name ? h("span", { class: "sub" }, user.email) : null,
      ),
    ),
    h("td", label("users.role"), h("span", { class: `badge role-${user.role}` }, t(`role.${user.role}`))),
    h("td", label("users.state"), h("span", { class: `badge ${user.active ? "ok" : "off"}` }, t(user.active ? "users.active" : "users.inactive"))),
    h("td", { ...label("tickets.created"), class: "when" }, dateTime(user.created_at)),
    h(
      "td",
      { ...label("common.actions"), class: "actions-cell" },
      h("button", { type: "button", class: "btn small", onclick: () => edit(user) }, t("common.edit")),
      h(
        "button",
        { type: "button", class: "btn small", onclick: () => setActive(user, !user.active) },
        t(user.active ? "users.deactivate" : "users.activate"),
      ),
      h("button", { type: "button", class: "btn small danger-text", onclick: () => remove(user) }, t("common.delete")),
    ),
  );
}

const list = listing({
  path: "/users",
  query: () => ({ q: search.value.trim(), role: role.value }),
  emptyKey: "users.none",
  inputs: [search, role],
  draw: (items) =>
    h(
      "table",
      { class: "table responsive" },
      h("caption", { class: "visually-hidden" }, t("users.heading")),
      h("thead", {}, h("tr", {}, ["users.user", "users.role", "users.state", "tickets.created", "common.actions"].map((k) => h("th", { scope: "col" }, t(k))))),
      h("tbody", {}, items.map(row)),
    ),
});
$("#new-user").addEventListener("click", create);
await list.reload();
