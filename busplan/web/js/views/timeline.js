// The day as a Gantt chart: one row per bus, trips as bars (entries and exits in their own
// colours), the empty drive before a trip as a hatched bar, moved bells labelled with their
// shift, and tight connections flagged.
//
// A region's day has thousands of buses, so the chart is virtual: the list has the height of
// every row, but only the rows in view (and a margin around them) are in the page; scrolling
// redraws them once per animation frame. The bus buttons are one stop for Tab (the chosen or
// the first bus); the arrow keys, Page Up/Down, Home and End move between buses.

import { h } from "../dom.js";
import { formatClock, formatMinutes, formatShift } from "../format.js";
import { t } from "../i18n.js";

const KIND = { entry: "entry", exit: "exit" };
/** Rows drawn above and below those in view, so that a quick scroll shows no gap. */
const MARGIN = 20;
/** Row height (CSS `--row`) and view height until the page has measured them. */
const ROW_PX = 24;
const VIEW_PX = 560;

/**
 * The chart of `buses`, with `select(id)` to mark a bus and `reveal(id)` to scroll to it.
 * `element` goes in the page; `remove()` stops watching its size.
 */
export function renderTimeline(buses, { selected = null, onSelect }) {
  const { from, to } = span(buses);
  const pct = (minutes) => `${((minutes - from) / (to - from)) * 100}%`;
  const hours = [];
  for (let m = from; m <= to; m += 60) hours.push(m);
  const index = new Map(buses.map((bus, n) => [bus.id, n]));
  let chosen = index.has(selected) ? selected : null;
  let focusable = chosen ?? buses[0]?.id ?? null; // the bus button Tab stops at
  let pinned = null; // a row kept while its button has the focus, wherever the view is
  const drawn = new Map(); // bus id -> its row in the page
  let rowPx = ROW_PX;
  let frame = 0;

  const axis = h(
    "div",
    { class: "tl-axis", "aria-hidden": "true" },
    h("div", { class: "tl-name" }),
    h(
      "div",
      { class: "tl-track" },
      hours.map((m, n) =>
        h(
          "span",
          { class: `tl-tick${n % 2 ? " odd" : ""}`, style: { left: pct(m) } },
          formatClock(m),
        ),
      ),
    ),
  );
  // The hour lines once, as tall as the list, behind the rows (not in every row).
  const grid = h(
    "div",
    { class: "tl-grid", "aria-hidden": "true" },
    h("div", { class: "tl-name" }),
    h(
      "div",
      { class: "tl-track" },
      hours.map((m) => h("span", { class: "tl-hour", style: { left: pct(m) } })),
    ),
  );
  const list = h("ol", { class: "tl-rows", "aria-label": t("figure.buses") });
  const box = h(
    "div",
    { class: "timeline", "data-testid": "timeline" },
    axis,
    h("div", { class: "tl-body" }, grid, list),
  );

  function row(bus, n) {
    const button = h(
      "button",
      {
        type: "button",
        class: "tl-bus",
        tabindex: bus.id === focusable ? "0" : "-1",
        "aria-pressed": String(bus.id === chosen),
        "aria-label": t("timeline.bus_label", {
          bus: bus.id,
          count: bus.legs.length,
          span: describe(bus),
        }),
      },
      h("span", { class: "tl-bus-id" }, bus.id),
      h("span", { class: "tl-bus-count", "aria-hidden": "true" }, bus.legs.length),
    );
    const track = h(
      "div",
      { class: "tl-track" },
      bus.legs.map((leg) => bars(leg, pct)),
    );
    return h(
      "li",
      {
        class: `tl-row${bus.id === chosen ? " selected" : ""}`,
        "data-bus": bus.id,
        "aria-setsize": buses.length,
        "aria-posinset": n + 1,
        style: { top: `${n * rowPx}px` },
      },
      h("div", { class: "tl-name" }, button),
      track,
    );
  }

  /** Draw the rows in view and the margin around them (and the pinned one), in bus order,
   * so that screen readers meet them in order; drop the others. */
  function draw() {
    frame = 0;
    const top = Math.max(0, box.scrollTop - axis.offsetHeight);
    const height = box.clientHeight || VIEW_PX;
    const first = Math.max(0, Math.floor(top / rowPx) - MARGIN);
    const last = Math.min(buses.length - 1, Math.ceil((top + height) / rowPx) + MARGIN);
    const wanted = [];
    for (let n = first; n <= last; n += 1) wanted.push(n);
    const pin = pinned !== null ? index.get(pinned) : undefined;
    if (pin !== undefined && (pin < first || pin > last)) {
      wanted.push(pin);
      wanted.sort((a, b) => a - b);
    }
    const keep = new Set(wanted.map((n) => buses[n].id));
    for (const [id, node] of drawn) {
      if (!keep.has(id)) {
        node.remove();
        drawn.delete(id);
      }
    }
    // The rows left are in order: walk them, putting each new row before the next kept one.
    let next = list.firstChild;
    for (const n of wanted) {
      const id = buses[n].id;
      const node = drawn.get(id);
      if (node) {
        next = node.nextSibling;
        continue;
      }
      const fresh = row(buses[n], n);
      drawn.set(id, fresh);
      list.insertBefore(fresh, next);
    }
    // Tab must always find a bus: if its stop has scrolled away, the first bus in view is it.
    if (buses.length && !drawn.has(focusable)) {
      focusable = buses[Math.min(buses.length - 1, Math.floor(top / rowPx))].id;
      buttonOf(focusable).tabIndex = 0;
    }
  }

  function schedule() {
    if (!frame) frame = requestAnimationFrame(draw);
  }

  /** Measure the row height from the style sheet once the chart is in the page. */
  function measure() {
    const css = parseFloat(getComputedStyle(box).getPropertyValue("--row"));
    if (css > 0 && css !== rowPx) {
      rowPx = css;
      for (const [id, node] of drawn) node.style.top = `${index.get(id) * rowPx}px`;
    }
    list.style.height = `${buses.length * rowPx}px`;
  }

  /** Scroll so that bus `n` is in view (the least scroll that does it), and draw it now. */
  function scrollTo(n) {
    const rowTop = n * rowPx;
    const view = box.clientHeight - axis.offsetHeight;
    if (rowTop < box.scrollTop) box.scrollTop = rowTop;
    else if (rowTop + rowPx > box.scrollTop + view) box.scrollTop = rowTop + rowPx - view;
    draw();
  }

  function buttonOf(id) {
    return drawn.get(id)?.querySelector(".tl-bus") || null;
  }

  function moveFocus(id) {
    const old = buttonOf(focusable);
    if (old) old.tabIndex = -1;
    focusable = id;
    pinned = id;
    scrollTo(index.get(id));
    const button = buttonOf(id);
    button.tabIndex = 0;
    button.focus(); // the chart is already scrolled: this brings it into the window
  }

  const KEYS = {
    ArrowDown: (n) => n + 1,
    ArrowUp: (n) => n - 1,
    PageDown: (n, page) => n + page,
    PageUp: (n, page) => n - page,
    Home: () => 0,
    End: () => buses.length - 1,
  };

  list.addEventListener("click", (event) => {
    const node = event.target.closest(".tl-row");
    if (node && (event.target.closest(".tl-bus") || event.target.closest(".tl-track"))) {
      onSelect(node.dataset.bus);
    }
  });
  list.addEventListener("keydown", (event) => {
    const node = event.target.closest(".tl-bus") && event.target.closest(".tl-row");
    const step = KEYS[event.key];
    if (!node || !step || event.altKey || event.ctrlKey || event.metaKey) return;
    event.preventDefault();
    const page = Math.max(1, Math.floor((box.clientHeight - axis.offsetHeight) / rowPx) - 1);
    const n = step(index.get(node.dataset.bus), page);
    moveFocus(buses[Math.min(buses.length - 1, Math.max(0, n))].id);
  });
  list.addEventListener("focusin", (event) => {
    const node = event.target.closest(".tl-row");
    if (node) pinned = node.dataset.bus;
  });
  list.addEventListener("focusout", (event) => {
    if (!list.contains(event.relatedTarget)) {
      pinned = null;
      schedule();
    }
  });
  box.addEventListener("scroll", schedule, { passive: true });
  const resized = new ResizeObserver(() => {
    measure();
    schedule();
  });
  resized.observe(box);

  list.style.height = `${buses.length * rowPx}px`;
  draw();

  return {
    element: box,
    /** Mark bus `id` as the chosen one (null: none). */
    select(id) {
      chosen = index.has(id) ? id : null;
      for (const [busId, node] of drawn) {
        const on = busId === chosen;
        node.classList.toggle("selected", on);
        node.querySelector(".tl-bus").setAttribute("aria-pressed", String(on));
      }
      if (chosen !== null && chosen !== focusable) {
        const old = buttonOf(focusable);
        if (old) old.tabIndex = -1;
        focusable = chosen;
        const button = buttonOf(chosen);
        if (button) button.tabIndex = 0;
      }
    },
    /** Scroll the chart to bus `id`; false if the day has no such bus. */
    reveal(id) {
      if (!index.has(id)) return false;
      scrollTo(index.get(id));
      return true;
    },
    remove() {
      resized.disconnect();
      if (frame) cancelAnimationFrame(frame);
    },
  };
}

function span(buses) {
  let from = Infinity;
  let to = -Infinity;
  for (const bus of buses) {
    for (const leg of bus.legs) {
      from = Math.min(from, leg.start - leg.deadhead);
      to = Math.max(to, leg.end);
    }
  }
  if (!Number.isFinite(from)) return { from: 6 * 60, to: 20 * 60 };
  return {
    from: Math.floor(from / 60) * 60,
    to: Math.max(Math.ceil(to / 60) * 60, Math.floor(from / 60) * 60 + 60),
  };
}

function bars(leg, pct) {
  const out = [];
  const kind = KIND[leg.trip?.kind] || "other";
  if (leg.deadhead > 0) {
    out.push(
      h("span", {
        class: "tl-deadhead",
        style: {
          left: pct(leg.start - leg.deadhead),
          width: `calc(${pct(leg.start)} - ${pct(leg.start - leg.deadhead)})`,
        },
        title: t("timeline.empty_before", { time: formatMinutes(leg.deadhead), trip: leg.id }),
      }),
    );
  }
  const classes = ["tl-trip", kind];
  if (leg.shift) classes.push("shifted");
  if (leg.tight) classes.push("tight");
  const bell = leg.trip?.time
    ? ` · ${t("timeline.bell", { time: formatClock(bellMinutes(leg)) })}`
    : "";
  const notes = [
    leg.shift ? t("timeline.moved", { shift: formatShift(leg.shift) }) : "",
    leg.tight ? t("timeline.tight", { spare: formatMinutes(leg.spare) }) : "",
  ].filter(Boolean);
  out.push(
    h(
      "span",
      {
        class: classes.join(" "),
        style: { left: pct(leg.start), width: `calc(${pct(leg.end)} - ${pct(leg.start)})` },
        title: `${leg.id} · ${kindWords(leg)} · ${formatClock(leg.start)}–${formatClock(leg.end)}${bell}${notes.length ? ` · ${notes.join(" · ")}` : ""}`,
      },
      leg.shift ? h("span", { class: "tl-shift" }, shortShift(leg.shift)) : null,
    ),
  );
  if (leg.tight) {
    out.push(
      h(
        "span",
        {
          class: "tl-tight",
          style: { left: pct(leg.start) },
          title: t("timeline.tight_before", { trip: leg.id, spare: formatMinutes(leg.spare) }),
        },
        "!",
      ),
    );
  }
  return out;
}

/** The official time: the planned end of an entry (or start of an exit) minus the shift. */
function bellMinutes(leg) {
  return (leg.trip?.kind === "exit" ? leg.start : leg.end) - leg.shift;
}

function kindWords(leg) {
  return KIND[leg.trip?.kind] ? t(`kind.${leg.trip.kind}`) : "";
}

/** A moved bell on a bar: "+2", "\u22121:52" (whole minutes, else minutes:seconds). */
function shortShift(minutes) {
  const seconds = Math.round(Math.abs(minutes) * 60);
  const mm = Math.floor(seconds / 60);
  const ss = seconds % 60;
  const text = ss ? `${mm}:${String(ss).padStart(2, "0")}` : `${mm}`;
  return minutes > 0 ? `+${text}` : `\u2212${text}`;
}

function describe(bus) {
  if (!bus.legs.length) return t("timeline.no_trips");
  const first = bus.legs[0];
  const last = bus.legs[bus.legs.length - 1];
  return t("time.range", { from: formatClock(first.start), to: formatClock(last.end) });
}

export function legend() {
  const item = (cls, text) =>
    h("li", {}, h("span", { class: `swatch ${cls}`, "aria-hidden": "true" }), text);
  return h(
    "ul",
    { class: "legend", "aria-label": t("legend.label") },
    item("entry", t("legend.entry")),
    item("exit", t("legend.exit")),
    item("deadhead", t("legend.deadhead")),
    item("shifted", t("legend.shifted")),
    item("tight", t("legend.tight")),
  );
}
