// /ui/login: staff log in; then back to the page that sent them here.

import { api } from "../api.js";
import { $ } from "../dom.js";
import { clearErrors, formAlert, showErrors } from "../errors.js";
import { t } from "../i18n.js";
import { startPage } from "../layout.js";
import * as session from "../session.js";

const form = $("#login-form");
const params = new URLSearchParams(location.search);

function drawReason() {
  const reason = params.get("reason");
  const banner = $("#login-reason");
  const key = { expired: "login.expired", logout: "login.loggedOut" }[reason];
  banner.hidden = !key;
  if (key) banner.textContent = t(key);
}

async function submit(event) {
  event.preventDefault();
  clearErrors(form);
  const button = $("#login-button");
  button.disabled = true;
  try {
    const credentials = { email: $("#email").value.trim(), password: $("#password").value };
    const answer = await api("POST", "/auth/login", { body: credentials, auth: false });
    session.save(answer.access_token, null);
    const me = await api("GET", "/auth/me");
    session.save(answer.access_token, me);
    location.assign(session.safeNext(params.get("next")) || "/ui/tickets");
  } catch (error) {
    if (error.status === 401) {
      formAlert(form, t("login.wrong"));
      $("#password").select();
      $(".form-alert", form).focus();
    } else {
      showErrors(form, error);
    }
    button.disabled = false;
  }
}

await startPage({ active: "login" });
drawReason();
form.addEventListener("submit", submit);
document.addEventListener("langchange", drawReason);
$("#email").focus();
