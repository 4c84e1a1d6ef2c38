// The REST API from the browser: JSON in and out, the bearer token, and 401 back to login.

import * as session from "./session.js";
import { t } from "./i18n.js";

/** A failed call: the HTTP status (0 when the network failed) and the problem document. */
export class ApiError extends Error {
  constructor(status, problem) {
    super((problem && problem.detail) || `HTTP ${status}`);
    this.status = status;
    this.problem = problem || {};
    this.errors = Array.isArray(this.problem.errors) ? this.problem.errors : [];
  }
}

/** Build `path?query`, leaving out empty values and repeating arrays. */
export function withQuery(path, query = {}) {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    for (const one of Array.isArray(value) ? value : [value]) {
      if (one !== null && one !== undefined && one !== "") params.append(name, String(one));
    }
  }
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

/**
 * Call the API. Options: body (JSON), query, headers, auth (default true: send the token and
 * treat 401 as "log in again"). Resolves to the parsed body, or null for 204.
 */
export async function api(method, path, options = {}) {
  const { body, query, headers = {}, auth = true, signal } = options;
  const sent = { Accept: "application/json", ...headers };
  if (body !== undefined) sent["Content-Type"] = "application/json";
  const bearer = auth ? session.token() : null;
  if (bearer) sent.Authorization = `Bearer ${bearer}`;
  let response;
  try {
    response = await fetch(withQuery(path, query), {
      method,
      headers: sent,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
    });
  } catch (error) {
    if (error.name === "AbortError") throw error;
    throw new ApiError(0, { detail: t("errors.network") });
  }
  const text = await response.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = { detail: text };
    }
  }
  if (response.status === 401 && auth) {
    session.clear();
    session.toLogin("expired");
    // The page is leaving; keep callers from showing an error meanwhile.
    return new Promise(() => {});
  }
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

/** Every item of a list, following next_cursor (bounded, for short lists such as workers). */
export async function listAll(path, query = {}, maxPages = 10) {
  const items = [];
  let cursor = null;
  for (let i = 0; i < maxPages; i += 1) {
    const page = await api("GET", path, { query: { ...query, page_size: 100, cursor } });
    items.push(...page.items);
    cursor = page.next_cursor;
    if (!cursor) break;
  }
  return items;
}

/** A key for Idempotency-Key: random, from crypto.getRandomValues (works without HTTPS too). */
export function newKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}
