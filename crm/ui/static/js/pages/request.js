// /ui: the public repair request form.

import { ApiError, api, newKey } from "../api.js";
import { $, fill, h } from "../dom.js";
import { clearErrors, focusFirstError, markField, showErrors } from "../errors.js";
import { deviceSummary, hasDevice, localToIso } from "../format.js";
import { t } from "../i18n.js";
import { notify, startPage } from "../layout.js";

const form = $("#request-form");
const done = $("#request-done");
const ALIASES = { client: "client.phone" };
// One Idempotency-Key per filled form: the same body is sent again with the same key.
let attempt = null;
// Set once the API turns device and address away as unknown: they then go into the description.
let folding = false;
let lastError = null;
let created = null;

const value = (id) => $(`#${id}`).value.trim();
const orNull = (text) => text || null;

function readForm() {
  const body = { title: value("title"), client: {} };
  for (const [field, id] of [["name", "name"], ["phone", "phone"], ["email", "email"], ["comment", "comment"]]) {
    if (value(id)) body.client[field] = value(id);
  }
  if (value("description")) body.description = value("description");
  if (value("address")) body.address = value("address");
  const device = {
    kind: orNull(value("device-kind")),
    brand: orNull(value("device-brand")),
    model: orNull(value("device-model")),
    serial: orNull(value("device-serial")),
  };
  if (hasDevice(device)) body.device = device;
  const date = value("visit-date");
  const clock = value("visit-time");
  if (date && clock) body.scheduled_at = localToIso(date, clock);
  return body;
}

/** The visit needs both a date and a time; say which is missing. */
function checkVisit() {
  const date = value("visit-date");
  const clock = value("visit-time");
  if (date && !clock) markField($("#visit-time"), t("errors.timeNeeded"));
  if (clock && !date) markField($("#visit-date"), t("errors.dateNeeded"));
  return Boolean(date) === Boolean(clock);
}

/** The same request for an API without device and address fields: both told in the text. */
function fold(body) {
  const { device, address, ...rest } = body;
  const lines = [rest.description];
  if (device) {
    const serial = device.serial ? ` (${t("device.serial")}: ${device.serial})` : "";
    lines.push(`${t("device.heading")}: ${deviceSummary(device)}${serial}`);
  }
  if (address) lines.push(`${t("request.address")}: ${address}`);
  const description = lines.filter(Boolean).join("\n");
  return description ? { ...rest, description } : rest;
}

function onlyUnknownExtras(error) {
  const unknown = error.errors.filter((e) => e.message === "unknown field");
  return (
    unknown.length > 0 &&
    unknown.length === error.errors.length &&
    unknown.every((e) => e.field === "address" || e.field.startsWith("device"))
  );
}

async function send(body) {
  const text = JSON.stringify(body);
  if (!attempt || attempt.text !== text) attempt = { text, key: newKey() };
  return api("POST", "/tickets/public", {
    body,
    auth: false,
    headers: { "Idempotency-Key": attempt.key },
  });
}

async function submit(event) {
  event.preventDefault();
  clearErrors(form);
  lastError = null;
  if (!checkVisit()) {
    focusFirstError(form);
    return;
  }
  const button = $("#send");
  button.disabled = true;
  form.setAttribute("aria-busy", "true");
  try {
    const body = readForm();
    try {
      created = await send(folding ? fold(body) : body);
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 422 && !folding && onlyUnknownExtras(error))) {
        throw error;
      }
      folding = true;
      created = await send(fold(body));
    }
    showDone();
  } catch (error) {
    lastError = error;
    showErrors(form, error, ALIASES);
  } finally {
    button.disabled = false;
    form.removeAttribute("aria-busy");
  }
}

function trackingUrl() {
  return `${location.origin}/ui/track/${encodeURIComponent(created.tracking_token)}`;
}

function showDone() {
  form.hidden = true;
  done.hidden = false;
  drawDone();
  done.focus();
}

function drawDone() {
  if (!created) return;
  $("#done-heading").textContent = t("request.done", { id: created.id });
  const link = $("#track-link");
  link.href = trackingUrl();
  link.textContent = trackingUrl();
  $("#track-open").href = trackingUrl();
}

function another() {
  form.reset();
  attempt = null;
  created = null;
  done.hidden = true;
  form.hidden = false;
  $("#title").focus();
}

async function copyLink() {
  try {
    await navigator.clipboard.writeText(trackingUrl());
    notify(t("request.copied"));
  } catch {
    notify(t("request.copyFailed"), "error");
  }
}

function drawKinds() {
  fill($("#device-kinds"), t("device.kinds").split("|").map((kind) => h("option", { value: kind })));
}

await startPage({ active: "request" });
drawKinds();
form.addEventListener("submit", submit);
$("#another").addEventListener("click", another);
if (navigator.clipboard) $("#copy-link").addEventListener("click", copyLink);
else $("#copy-link").hidden = true;
document.addEventListener("langchange", () => {
  drawKinds();
  drawDone();
  if (lastError) showErrors(form, lastError, ALIASES);
});
