// Modal forms for creating and editing, with the API's field errors shown beside the fields.

import { h } from "./dom.js";
import { clearErrors, showErrors } from "./errors.js";
import { t } from "./i18n.js";

function control(spec, value) {
  const common = { id: `dlg-${spec.name}`, name: spec.name, "data-field": spec.name };
  if (spec.type === "select") {
    return h(
      "select",
      common,
      spec.options.map(([v, label]) => h("option", { value: v, selected: v === value }, label)),
    );
  }
  if (spec.type === "checkbox") return h("input", { ...common, type: "checkbox", checked: Boolean(value) });
  if (spec.type === "textarea") {
    const area = h("textarea", { ...common, rows: 3, maxlength: spec.maxlength });
    area.value = value ?? "";
    return area;
  }
  return h("input", {
    ...common,
    type: spec.type || "text",
    value: value ?? "",
    maxlength: spec.maxlength,
    autocomplete: spec.autocomplete || "off",
  });
}

/** The form's values by field name: trimmed text ("" for empty), booleans for checkboxes. */
function values(form, fields) {
  const out = {};
  for (const spec of fields) {
    const el = form.elements[spec.name];
    if (spec.type === "checkbox") out[spec.name] = el.checked;
    else if (spec.type === "password") out[spec.name] = el.value;
    else out[spec.name] = el.value.trim();
  }
  return out;
}

/**
 * Show a modal form. `fields`: [{name, label, type, options, hint, maxlength}]. `save(values)`
 * sends it; an ApiError keeps the dialog open with the errors shown. Resolves to save's result,
 * or null when closed without saving.
 */
export function formDialog({ title, fields, initial = {}, submit, save }) {
  return new Promise((resolve) => {
    let result = null;
    const form = h(
      "form",
      { class: "form", novalidate: true, method: "dialog" },
      h("h2", { id: "dialog-title" }, title),
      h("p", { class: "form-alert", role: "alert", tabindex: "-1", hidden: true }),
      fields.map((spec) =>
        spec.type === "checkbox"
          ? h("div", { class: "field check" }, control(spec, initial[spec.name]), h("label", { for: `dlg-${spec.name}` }, spec.label))
          : h(
              "div",
              { class: "field" },
              h("label", { for: `dlg-${spec.name}` }, spec.label),
              control(spec, initial[spec.name]),
              spec.hint ? h("p", { class: "hint" }, spec.hint) : null,
            ),
      ),
      h(
        "div",
        { class: "dialog-actions" },
        h("button", { type: "button", class: "btn", onclick: () => dialog.close() }, t("common.cancel")),
        h("button", { type: "submit", class: "btn primary" }, submit),
      ),
    );
    const dialog = h("dialog", { class: "dialog", "aria-labelledby": "dialog-title" }, form);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      clearErrors(form);
      const button = form.querySelector("button[type=submit]");
      button.disabled = true;
      try {
        result = await save(values(form, fields));
        dialog.close();
      } catch (error) {
        showErrors(form, error);
      } finally {
        button.disabled = false;
      }
    });
    dialog.addEventListener("close", () => {
      dialog.remove();
      resolve(result);
    });
    document.body.append(dialog);
    dialog.showModal();
  });
}

/** Only what changed between `before` and `after`; emptied text becomes null when `nullable`. */
export function changes(before, after, nullable = []) {
  const out = {};
  for (const [name, value] of Object.entries(after)) {
    const old = before[name] ?? "";
    if (value === old) continue;
    out[name] = value === "" && nullable.includes(name) ? null : value;
  }
  return out;
}
