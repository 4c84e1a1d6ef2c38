// The API's problems in the visitor's language: field errors beside their fields, the rest as text.

import { h, $, $$ } from "./dom.js";
import { t } from "./i18n.js";

// The API's field messages (English, stable) and the catalogue keys that say them for people.
const FIELD_MESSAGES = [
  [/^is required$|^must not be empty$/, "errors.required"],
  [/^must be a valid e-mail/, "errors.email"],
  [/^must be a phone number/, "errors.phone"],
  [/^must be at most (\d+) characters/, "errors.tooLong"],
  [/^must be 8 to 256 characters/, "errors.password"],
  [/^give a phone or an e-mail/, "errors.contactNeeded"],
  [/^needs at least a name, phone or email/, "errors.clientContact"],
  [/^must be an ISO 8601|^must include a time zone/, "errors.datetime"],
  [/^must be an active worker/, "errors.activeWorker"],
  [/^unknown field$/, "errors.unknownField"],
];

// Conflicts and other problems whose detail the API words in English.
const DETAILS = [
  [/already exists/, "conflicts.emailTaken"],
  [/^You cannot (demote|deactivate|delete) yourself/, "conflicts.self"],
  [/^You cannot (demote|deactivate|delete) the last active admin/, "conflicts.lastAdmin"],
  [/^The client has tickets/, "conflicts.clientHasTickets"],
  [/^The ticket is already|^Cannot move from|^Only an admin can move/, "conflicts.transition"],
  [/^Unknown query parameter/, "errors.unsupported"],
  [/^Wrong e-mail or password/, "login.wrong"],
];

/** A field error's message for people. */
export function fieldMessage(message) {
  for (const [pattern, key] of FIELD_MESSAGES) {
    const match = pattern.exec(message || "");
    if (match) return t(key, { n: match[1] });
  }
  return message;
}

/** What went wrong, in one sentence for people. */
export function problemMessage(error) {
  if (!error || error.status === undefined) return t("errors.unexpected");
  const detail = (error.problem && error.problem.detail) || "";
  for (const [pattern, key] of DETAILS) {
    const match = pattern.exec(detail);
    if (match) return t(key, { action: match[1] ? t(`actions.${match[1]}`) : "" });
  }
  const byStatus = {
    0: "errors.network",
    403: "errors.forbidden",
    404: "errors.notFound",
    413: "errors.tooLarge",
    422: "errors.invalid",
    429: "errors.tooMany",
  };
  if (byStatus[error.status]) return t(byStatus[error.status]);
  if (error.status >= 500) return t("errors.server");
  return detail || t("errors.unexpected");
}

/** Remove the error marks a form shows. */
export function clearErrors(form) {
  for (const el of $$("[aria-invalid]", form)) {
    el.removeAttribute("aria-invalid");
    const described = (el.getAttribute("aria-describedby") || "")
      .split(" ")
      .filter((id) => id && !id.endsWith("-error"));
    if (described.length) el.setAttribute("aria-describedby", described.join(" "));
    else el.removeAttribute("aria-describedby");
  }
  for (const el of $$(".field-error", form)) el.remove();
  const alert = $(".form-alert", form);
  if (alert) {
    alert.hidden = true;
    alert.textContent = "";
  }
}

/** Mark one field as wrong, with its message beside it. */
export function markField(input, message) {
  const id = `${input.id}-error`;
  input.setAttribute("aria-invalid", "true");
  const described = new Set((input.getAttribute("aria-describedby") || "").split(" "));
  described.add(id);
  input.setAttribute("aria-describedby", [...described].filter(Boolean).join(" "));
  const old = document.getElementById(id);
  if (old) old.remove();
  const holder = input.closest(".field") || input.parentElement;
  holder.append(h("p", { class: "field-error", id }, message));
}

/** Show a form-level message in the form's .form-alert. */
export function formAlert(form, message) {
  const alert = $(".form-alert", form);
  if (!alert) return;
  alert.textContent = message;
  alert.hidden = false;
}

/**
 * Put each API field error next to the input whose data-field names it (`aliases` maps other
 * paths, e.g. "client" -> "client.phone"), the rest at the top; focus the first wrong field.
 */
export function showErrors(form, error, aliases = {}) {
  clearErrors(form);
  const loose = [];
  for (const item of error.errors || []) {
    const path = aliases[item.field] || item.field;
    const input = $(`[data-field="${CSS.escape(path)}"]`, form);
    if (input) markField(input, fieldMessage(item.message));
    else loose.push(fieldMessage(item.message));
  }
  const summary = error.errors && error.errors.length ? t("errors.invalid") : problemMessage(error);
  formAlert(form, [summary, ...loose].join(" "));
  focusFirstError(form);
}

/** Focus the first field marked wrong, in the order the form shows them. */
export function focusFirstError(form) {
  const first = $("[aria-invalid='true']", form) || $(".form-alert:not([hidden])", form);
  if (first) first.focus();
}
