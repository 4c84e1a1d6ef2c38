// /ui/track/{token}: a customer follows their repair and writes to the shop.

import { ApiError, api } from "../api.js";
import { $, fill, h } from "../dom.js";
import { clearErrors, formAlert, markField, showErrors } from "../errors.js";
import { dateTime, hasDevice } from "../format.js";
import { t } from "../i18n.js";
import { notify, startPage } from "../layout.js";

const token = decodeURIComponent(location.pathname.split("/").pop() || "");
const path = `/tickets/public/${encodeURIComponent(token)}`;
const STEPS = ["new", "in_progress", "done"];
let ticket = null;

async function load() {
  try {
    ticket = await api("GET", path, { auth: false });
  } catch (error) {
    $("#track-loading").hidden = true;
    if (error instanceof ApiError && error.status === 404) $("#track-missing").hidden = false;
    else fill($("#track-loading"), t("errors.network")).hidden = false;
    return;
  }
  draw();
}

function draw() {
  if (!ticket) return;
  $("#track-loading").hidden = true;
  $("#track").hidden = false;
  document.title = `${ticket.title} · ${t("brand")}`;
  $("#track-number").textContent = ticket.id ? t("track.number", { id: ticket.id }) : t("track.request");
  $("#track-title").textContent = ticket.title;
  $("#track-dates").textContent = t("track.dates", {
    created: dateTime(ticket.created_at),
    updated: dateTime(ticket.updated_at),
  });
  drawTimeline();
  const visit = $("#track-visit");
  visit.hidden = !ticket.scheduled_at || ticket.status === "canceled";
  visit.textContent = t("track.visit", { when: dateTime(ticket.scheduled_at) });
  drawDevice();
  drawComments();
}

function drawTimeline() {
  const canceled = ticket.status === "canceled";
  const reached = canceled ? 0 : STEPS.indexOf(ticket.status);
  fill(
    $("#timeline"),
    STEPS.map((step, i) => {
      const state = i < reached ? "past" : i === reached && !canceled ? "current" : "future";
      return h(
        "li",
        { class: `step ${state}`, "aria-current": state === "current" ? "step" : null },
        h("span", { class: "step-dot", "aria-hidden": "true" }),
        h("span", { class: "step-label" }, t(`track.step.${step}`)),
        state === "current" ? h("span", { class: "visually-hidden" }, ` (${t("track.now")})`) : null,
      );
    }),
  );
  $("#timeline").dataset.status = ticket.status;
  $("#track-canceled").hidden = !canceled;
}

function drawDevice() {
  const device = ticket.device;
  $("#track-device").hidden = !hasDevice(device);
  if (!hasDevice(device)) return;
  const rows = ["kind", "brand", "model", "serial"].filter((key) => device[key]);
  fill(
    $("#device-list"),
    rows.map((key) => h("div", {}, h("dt", {}, t(`device.${key}`)), h("dd", {}, device[key]))),
  );
}

function drawComments() {
  // The tracking page has messages only where the API serves them.
  const comments = ticket.comments;
  $("#track-comments").hidden = !Array.isArray(comments);
  if (!Array.isArray(comments)) return;
  $("#no-comments").hidden = comments.length > 0;
  fill(
    $("#comment-list"),
    comments.map((c) => {
      const mine = c.author === "customer";
      return h(
        "li",
        { class: `comment ${mine ? "from-customer" : "from-staff"}` },
        h(
          "p",
          { class: "comment-meta" },
          h("strong", {}, mine ? t("track.you") : c.author_name || t("track.service")),
          " · ",
          h("time", { datetime: c.created_at }, dateTime(c.created_at)),
        ),
        h("p", { class: "comment-body" }, c.body),
      );
    }),
  );
}

async function answer(event) {
  event.preventDefault();
  const form = event.currentTarget;
  clearErrors(form);
  const body = $("#answer").value.trim();
  if (!body) {
    markField($("#answer"), t("errors.required"));
    $("#answer").focus();
    return;
  }
  const button = $("button[type=submit]", form);
  button.disabled = true;
  try {
    await api("POST", `${path}/comments`, { body: { body }, auth: false });
    $("#answer").value = "";
    notify(t("track.answerSent"));
    ticket = await api("GET", path, { auth: false });
    draw();
  } catch (error) {
    if (error instanceof ApiError && error.status === 409) formAlert(form, t("track.closed"));
    else showErrors(form, error);
  } finally {
    button.disabled = false;
  }
}

await startPage({ active: "track" });
$("#answer-form").addEventListener("submit", answer);
document.addEventListener("langchange", draw);
await load();
