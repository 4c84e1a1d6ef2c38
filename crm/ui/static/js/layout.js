// What every page shares: messages, the top bar (navigation, language, log out) and notices.

import { api } from "./api.js";
import { $, fill, h, icon } from "./dom.js";
import * as i18n from "./i18n.js";
import * as session from "./session.js";

const t = i18n.t;
const NEVER = new Promise(() => {});

/**
 * Start a page: translate it and draw the top bar. `staff` pages need a login (and `admin`
 * ones an admin); they resolve to the user from GET /auth/me. Public pages resolve to the
 * stored user, or null.
 */
export async function startPage({ staff = false, admin = false, active = "" } = {}) {
  await i18n.start();
  let me = session.token() ? session.user() : null;
  if (staff) {
    if (!session.token()) {
      session.toLogin();
      return NEVER;
    }
    me = await api("GET", "/auth/me");
    session.saveUser(me);
    if (admin && me.role !== "admin") {
      location.replace("/ui/tickets");
      return NEVER;
    }
  }
  const draw = () => drawTop(me, active);
  draw();
  document.addEventListener("langchange", draw);
  document.documentElement.classList.add("ready");
  return me;
}

function drawTop(me, active) {
  const nav = $("#nav");
  const tools = $("#tools");
  if (nav) {
    const links = [];
    if (me) {
      links.push(["tickets", "/ui/tickets", "nav.tickets"]);
      if (me.role === "admin") {
        links.push(["clients", "/ui/clients", "nav.clients"]);
        links.push(["users", "/ui/users", "nav.users"]);
      }
    }
    fill(
      nav,
      links.map(([name, href, key]) =>
        h("a", { href, class: "nav-link", "aria-current": name === active ? "page" : null }, t(key)),
      ),
    );
  }
  const other = i18n.otherLang();
  const langButton = h(
    "button",
    {
      type: "button",
      class: "btn ghost small lang-switch",
      lang: other,
      "aria-label": t("lang.switchTo"),
      onclick: () => i18n.switchTo(other),
    },
    icon("globe"),
    other.toUpperCase(),
  );
  const parts = [langButton];
  if (me) {
    parts.push(
      h(
        "span",
        { class: "who", title: me.email },
        icon("user"),
        h("span", { class: "who-name" }, session.nameOf(me)),
      ),
      h(
        "button",
        { type: "button", class: "btn ghost small", id: "logout", onclick: logOut },
        icon("logout"),
        h("span", {}, t("nav.logout")),
      ),
    );
  } else if (active !== "login") {
    parts.push(h("a", { href: "/ui/login", class: "btn ghost small" }, t("nav.login")));
  }
  if (tools) fill(tools, parts);
}

function logOut() {
  session.clear();
  location.assign("/ui/login?reason=logout");
}

/** A short notice at the bottom of the screen, read out by screen readers. */
export function notify(message, kind = "info") {
  let region = $("#notices");
  if (!region) {
    region = h("div", { id: "notices", class: "notices", role: "status", "aria-live": "polite" });
    document.body.append(region);
  }
  const notice = h(
    "div",
    { class: `notice ${kind}` },
    icon(kind === "error" ? "alert" : "check"),
    h("span", {}, message),
  );
  region.append(notice);
  setTimeout(() => notice.remove(), kind === "error" ? 8000 : 4000);
}

/** Ask a yes/no question in a modal dialog; resolves to true when confirmed. */
export function confirmDialog(message, { confirm = t("common.confirm"), danger = false } = {}) {
  return new Promise((resolve) => {
    const dialog = h(
      "dialog",
      { class: "dialog small", "aria-labelledby": "confirm-text" },
      h("p", { id: "confirm-text", class: "dialog-text" }, message),
      h(
        "div",
        { class: "dialog-actions" },
        h("button", { type: "button", class: "btn", value: "no" }, t("common.cancel")),
        h("button", { type: "button", class: `btn ${danger ? "danger" : "primary"}`, value: "yes" }, confirm),
      ),
    );
    dialog.addEventListener("click", (event) => {
      const button = event.target.closest("button");
      if (button) dialog.close(button.value);
    });
    dialog.addEventListener("close", () => {
      dialog.remove();
      resolve(dialog.returnValue === "yes");
    });
    document.body.append(dialog);
    dialog.showModal();
  });
}
