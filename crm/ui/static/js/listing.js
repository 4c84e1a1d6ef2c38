// A searchable admin list with "load more": users and clients share its plumbing.

import { api } from "./api.js";
import { $, debounce, fill, h, icon } from "./dom.js";
import { problemMessage } from "./errors.js";
import { t } from "./i18n.js";

/**
 * Wire a list page. `path`: the API list; `query()`: its filters; `draw(items)`: the table.
 * Returns {reload, redraw, items(), replace(item), remove(id), alert(error)}.
 */
export function listing({ path, query, draw, emptyKey, inputs = [] }) {
  let items = [];
  let cursor = null;
  let loading = 0;
  let loaded = false;

  function render() {
    const list = $("#list");
    if (!loaded) fill(list, h("p", { class: "muted" }, t("common.loading")));
    else if (!items.length) fill(list, h("div", { class: "empty" }, icon("search", "big"), h("p", {}, t(emptyKey))));
    else fill(list, draw(items));
    $("#more").hidden = !cursor;
  }

  function alert(error) {
    const banner = $("#list-alert");
    banner.hidden = !error;
    banner.textContent = error ? problemMessage(error) : "";
  }

  async function fetchPage(after) {
    const mine = after ? loading : ++loading;
    try {
      const page = await api("GET", path, { query: { ...query(), page_size: 25, cursor: after } });
      if (mine !== loading) return;
      items = after ? items.concat(page.items) : page.items;
      cursor = page.next_cursor;
      loaded = true;
      alert(null);
      render();
    } catch (error) {
      if (mine === loading) alert(error);
    }
  }

  const reload = () => fetchPage(null);
  for (const input of inputs) {
    input.addEventListener(input.tagName === "SELECT" ? "change" : "input", debounce(reload, 300));
  }
  $("#more").addEventListener("click", () => fetchPage(cursor));
  document.addEventListener("langchange", render);
  render();
  return {
    reload,
    redraw: render,
    items: () => items,
    replace(item) {
      items = items.map((old) => (old.id === item.id ? item : old));
      render();
    },
    remove(id) {
      items = items.filter((old) => old.id !== id);
      render();
    },
    alert,
  };
}
