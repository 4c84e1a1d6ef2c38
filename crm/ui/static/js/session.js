// Who is logged in: the bearer token and the user, for this browser tab only (sessionStorage).

const TOKEN = "crm.token";
const USER = "crm.user";

export const token = () => sessionStorage.getItem(TOKEN);

export function user() {
  try {
    return JSON.parse(sessionStorage.getItem(USER) || "null");
  } catch {
    return null;
  }
}

export function save(accessToken, me) {
  sessionStorage.setItem(TOKEN, accessToken);
  sessionStorage.setItem(USER, JSON.stringify(me));
}

export function saveUser(me) {
  sessionStorage.setItem(USER, JSON.stringify(me));
}

export function clear() {
  sessionStorage.removeItem(TOKEN);
  sessionStorage.removeItem(USER);
}

/** Where to go after logging in: only a UI page of this site, never the login page itself. */
export function safeNext(raw) {
  if (typeof raw !== "string" || !raw.startsWith("/ui") || raw.startsWith("//")) return null;
  if (raw.startsWith("/ui/login")) return null;
  return raw;
}

/** Send the visitor to log in, coming back to this page afterwards. */
export function toLogin(reason) {
  const here = location.pathname + location.search;
  const query = new URLSearchParams({ next: here });
  if (reason) query.set("reason", reason);
  location.assign(`/ui/login?${query}`);
}

/** The name to show for a user: display name when the API has one, else the e-mail. */
export const nameOf = (u) => (u && (u.display_name || u.email)) || "";
