// Pieces of tickets that several pages show: status badges, status and assignee menus, changes.

import { api, listAll } from "./api.js";
import { h } from "./dom.js";
import { problemMessage } from "./errors.js";
import { statusLabel } from "./format.js";
import { t } from "./i18n.js";
import { notify } from "./layout.js";
import { nameOf } from "./session.js";
import { movesFor, nextFor } from "./status.js";

export function badge(status) {
  return h("span", { class: `badge status-${status}` }, statusLabel(status));
}

let workersOnce = null;

/** Every worker (admins only), loaded once per page. */
export function workers() {
  workersOnce ||= listAll("/users", { role: "worker" }).catch(() => []);
  return workersOnce;
}

/** Send one change; resolves to the changed ticket, or null after telling the user why not. */
export async function change(ticket, patch) {
  try {
    return await api("PATCH", `/tickets/${ticket.id}`, { body: patch });
  } catch (error) {
    notify(problemMessage(error), "error");
    return null;
  }
}

/** An admin's status menu: the current status and the moves allowed from it. */
export function statusSelect(ticket, role, onChanged) {
  const options = [ticket.status, ...movesFor(role, ticket.status)];
  const select = h(
    "select",
    {
      class: `status-select status-${ticket.status}`,
      "aria-label": t("tickets.statusOf", { id: ticket.id }),
      onchange: async () => {
        select.disabled = true;
        const changed = await change(ticket, { status: select.value });
        select.disabled = false;
        if (changed) onChanged(changed);
        else select.value = ticket.status;
      },
    },
    options.map((status) =>
      h("option", { value: status, selected: status === ticket.status }, statusLabel(status)),
    ),
  );
  return select;
}

/** An admin's assignee menu: nobody, or any active worker. */
export function assigneeSelect(ticket, people, onChanged) {
  const active = people.filter((p) => p.active);
  const options = [h("option", { value: "" }, t("tickets.unassigned"))];
  for (const person of active) {
    options.push(h("option", { value: person.id }, nameOf(person)));
  }
  if (ticket.assignee_id && !active.some((p) => p.id === ticket.assignee_id)) {
    options.push(h("option", { value: ticket.assignee_id }, ticket.assignee_email || `#${ticket.assignee_id}`));
  }
  const select = h(
    "select",
    {
      class: "assignee-select",
      "aria-label": t("tickets.assigneeOf", { id: ticket.id }),
      onchange: async () => {
        select.disabled = true;
        const value = select.value ? Number(select.value) : null;
        const changed = await change(ticket, { assignee_id: value });
        select.disabled = false;
        if (changed) {
          notify(value ? t("tickets.assigned", { name: assigneeName(changed, people) }) : t("tickets.unassignedDone"));
          onChanged(changed);
        } else {
          select.value = ticket.assignee_id || "";
        }
      },
    },
    options,
  );
  select.value = ticket.assignee_id || "";
  return select;
}

export function assigneeName(ticket, people = []) {
  if (!ticket.assignee_id) return t("tickets.unassigned");
  const person = people.find((p) => p.id === ticket.assignee_id);
  return person ? nameOf(person) : ticket.assignee_email || `#${ticket.assignee_id}`;
}

/** A worker's one big button for the next step, or null when there is none. */
export function nextButton(ticket, onChanged, describedBy) {
  const next = nextFor(ticket.status);
  if (!next) return null;
  const button = h(
    "button",
    {
      type: "button",
      class: `btn large wide next-step to-${next}`,
      "aria-describedby": describedBy,
      onclick: async () => {
        button.disabled = true;
        const changed = await change(ticket, { status: next });
        button.disabled = false;
        if (changed) {
          notify(t("tickets.movedTo", { status: statusLabel(changed.status) }));
          onChanged(changed);
        }
      },
    },
    t(`tickets.next.${next}`),
  );
  return button;
}
