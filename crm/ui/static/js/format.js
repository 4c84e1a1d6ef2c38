// Times in the visitor's time zone (the API speaks UTC), and a few labels.

import { lang, t } from "./i18n.js";

/** "14 Jan 2025, 10:00" in the browser's time zone, or "—". */
export function dateTime(iso) {
  if (!iso) return "—";
  return new Intl.DateTimeFormat(lang, { dateStyle: "medium", timeStyle: "short" }).format(
    new Date(iso),
  );
}

/** "10:00", for visits today. */
export function time(iso) {
  return iso ? new Intl.DateTimeFormat(lang, { timeStyle: "short" }).format(new Date(iso)) : "";
}

/** A local date ("2025-01-14") and optional time ("10:00") as an RFC 3339 instant, or null. */
export function localToIso(date, clock = "00:00") {
  if (!date) return null;
  const moment = new Date(`${date}T${clock || "00:00"}`);
  return Number.isNaN(moment.getTime()) ? null : moment.toISOString();
}

/** The local day after `date` ("2025-01-14" -> its next midnight), as an instant. */
export function nextDayIso(date) {
  if (!date) return null;
  const moment = new Date(`${date}T00:00`);
  moment.setDate(moment.getDate() + 1);
  return moment.toISOString();
}

/** Today's date in the browser's time zone, "YYYY-MM-DD". */
export function today() {
  const now = new Date();
  const pad = (n) => String(n).padStart(2, "0");
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

export const statusLabel = (status) => t(`status.${status}`);

/** "Washing machine · Bosch WAT28" from a device object, or "" when it says nothing. */
export function deviceSummary(device) {
  if (!device) return "";
  return [device.kind, [device.brand, device.model].filter(Boolean).join(" ")]
    .filter(Boolean)
    .join(" · ");
}

export const hasDevice = (device) =>
  Boolean(device && (device.kind || device.brand || device.model || device.serial));

/** A count in the visitor's digits ("10 000"). */
export const count = (n) => new Intl.NumberFormat(lang).format(n);
