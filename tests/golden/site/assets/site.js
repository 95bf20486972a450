// site_gen default theme: progressive enhancement only; every page works without it.
(() => {
  "use strict";
  // Copy buttons.
  for (const button of document.querySelectorAll("button.copy[data-copy]")) {
    button.addEventListener("click", async () => {
      try {
        await navigator.clipboard.writeText(button.dataset.copy);
        button.textContent = "Copied";
      } catch (error) {
        const range = document.createRange();
        range.selectNodeContents(document.getElementById("model-id"));
        getSelection().removeAllRanges();
        getSelection().addRange(range);
        button.textContent = "Selected: press Ctrl+C";
      }
      setTimeout(() => { button.textContent = "Copy id"; }, 2000);
    });
  }

  // Tables wider than the screen scroll inside themselves: make them reachable by keyboard.
  const focusable = () => {
    for (const table of document.querySelectorAll("main table")) {
      if (table.scrollWidth > table.clientWidth) table.setAttribute("tabindex", "0");
      else table.removeAttribute("tabindex");
    }
  };
  focusable();
  addEventListener("resize", focusable);

  // Sortable tables: each header becomes a button; numbers sort as numbers, unknown last.
  const value = (cell) => {
    const raw = cell.dataset.sort ?? cell.textContent.trim();
    const number = parseFloat(raw);
    return raw !== "" && !Number.isNaN(number) && /^-?[\d.]+(e-?\d+)?$/i.test(raw) ? number : raw.toLowerCase();
  };
  for (const table of document.querySelectorAll("table.sortable")) {
    const headers = table.tHead.rows[0].cells;
    [...headers].forEach((th, column) => {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "sort";
      button.textContent = th.textContent;
      th.textContent = "";
      th.appendChild(button);
      th.setAttribute("aria-sort", "none");
      button.addEventListener("click", () => {
        const ascending = th.getAttribute("aria-sort") !== "ascending";
        for (const other of headers) other.setAttribute("aria-sort", "none");
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        const body = table.tBodies[0];
        const rows = [...body.rows];
        rows.sort((a, b) => {
          const x = value(a.cells[column]), y = value(b.cells[column]);
          if (x === "" || x === "unknown") return 1;
          if (y === "" || y === "unknown") return -1;
          return (x < y ? -1 : x > y ? 1 : 0) * (ascending ? 1 : -1);
        });
        body.append(...rows);
      });
    });
  }

  // Filters on the catalogue table.
  const filters = document.querySelector(".filters");
  const catalogue = document.querySelector("table.catalogue");
  if (filters && catalogue) {
    filters.hidden = false;
    const get = (name) => filters.querySelector(`[data-filter="${name}"]`).value;
    const apply = () => {
      const provider = get("provider"), cap = get("caps"), modality = get("modalities");
      const maxPrice = parseFloat(get("maxprice")), minContext = parseFloat(get("mincontext"));
      let shown = 0;
      for (const row of catalogue.tBodies[0].rows) {
        const d = row.dataset;
        const ok = (!provider || d.provider === provider)
          && (!cap || d.caps.split("|").includes(cap))
          && (!modality || d.modalities.split("|").includes(modality))
          && (Number.isNaN(maxPrice) || (d.input !== "" && parseFloat(d.input) <= maxPrice))
          && (Number.isNaN(minContext) || (d.context !== "" && parseFloat(d.context) >= minContext));
        row.hidden = !ok;
        if (ok) shown += 1;
      }
      filters.querySelector(".count").textContent = `${shown} models shown`;
    };
    filters.addEventListener("input", apply);
    filters.addEventListener("change", apply);
  }

  // Search: a compact index built with the site, loaded on first use.
  const form = document.querySelector("form.search");
  if (form) {
    const input = form.querySelector("input"), list = form.querySelector("ul");
    let index = null, active = -1;
    const load = async () => { index ??= await (await fetch(form.dataset.index)).json(); return index; };
    const render = async () => {
      const query = input.value.trim().toLowerCase();
      const entries = query ? (await load()).filter((e) => e[0].toLowerCase().includes(query)
        || e[1].toLowerCase().includes(query) || e[2].toLowerCase().includes(query)).slice(0, 12) : [];
      list.replaceChildren(...entries.map((e, i) => {
        const item = document.createElement("li");
        item.setAttribute("role", "option");
        item.id = `search-option-${i}`;
        const link = document.createElement("a");
        link.href = e[3];
        link.textContent = `${e[0]} · ${e[2]}`;
        item.appendChild(link);
        return item;
      }));
      list.hidden = entries.length === 0;
      input.setAttribute("aria-expanded", String(entries.length > 0));
      active = -1;
    };
    const move = (step) => {
      const items = list.querySelectorAll("li");
      if (!items.length) return;
      active = (active + step + items.length) % items.length;
      items.forEach((item, i) => item.setAttribute("aria-selected", String(i === active)));
      input.setAttribute("aria-activedescendant", items[active].id);
    };
    input.addEventListener("input", render);
    input.addEventListener("keydown", (event) => {
      if (event.key === "ArrowDown") { event.preventDefault(); move(1); }
      else if (event.key === "ArrowUp") { event.preventDefault(); move(-1); }
      else if (event.key === "Enter") {
        event.preventDefault();
        const items = list.querySelectorAll("li a");
        const target = items[Math.max(active, 0)];
        if (target) location.href = target.href;
      } else if (event.key === "Escape") { list.hidden = true; input.setAttribute("aria-expanded", "false"); }
    });
    form.addEventListener("submit", (event) => event.preventDefault());
  }
})();
